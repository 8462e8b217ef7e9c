//! GroupChats of the active profile's domain.

use crate::error::Result;
use crate::model::GroupChat;
use crate::{Core, api};

impl Core {
    /// Every groupchat of the active profile's domain (a first cut for the groupchats screen).
    pub async fn groupchats(&self) -> Result<Vec<GroupChat>> {
        let client = self.active_client().await?;
        Ok(client.groupchats().list(api::Expand::MEMBERS).await?)
    }
}

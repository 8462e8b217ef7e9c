//! GroupChats of the active profile's domain.

use crate::Core;
use crate::api::model::GroupChat;
use crate::error::{Error, Result};

impl Core {
    /// Every groupchat of the active profile's domain (a first cut for the groupchats screen).
    pub async fn groupchats(&self) -> Result<Vec<GroupChat>> {
        let _client = self.active_client().await?;
        Err(Error::Internal("not implemented yet".into()))
    }
}

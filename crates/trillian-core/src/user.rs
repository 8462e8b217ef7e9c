//! Users of the active profile's domain.

use crate::Core;
use crate::error::Result;
use crate::model::User;

impl Core {
    /// Every user of the active profile's domain (a first cut for the users screen).
    pub async fn users(&self) -> Result<Vec<User>> {
        let client = self.active_client().await?;
        Ok(client.users().list().await?)
    }
}

//! Presences of the active profile's domain.

use crate::Core;
use crate::error::Result;
use crate::model::Presence;

impl Core {
    /// Every presence of the active profile's domain (a first cut for the presence screen).
    pub async fn presence(&self) -> Result<Vec<Presence>> {
        let client = self.active_client().await?;
        Ok(client.presence().list().await?)
    }
}

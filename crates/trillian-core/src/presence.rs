//! Presences of the active profile's domain.

use crate::Core;
use crate::api::model::Presence;
use crate::error::{Error, Result};

impl Core {
    /// Every presence of the active profile's domain (a first cut for the presence screen).
    pub async fn presence(&self) -> Result<Vec<Presence>> {
        let _client = self.active_client().await?;
        Err(Error::Internal("not implemented yet".into()))
    }
}

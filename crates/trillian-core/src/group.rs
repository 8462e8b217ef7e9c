//! Groups of the active profile's domain.

use crate::Core;
use crate::api::model::Group;
use crate::error::{Error, Result};

impl Core {
    /// Every group of the active profile's domain (a first cut for the groups screen).
    pub async fn groups(&self) -> Result<Vec<Group>> {
        let _client = self.active_client().await?;
        Err(Error::Internal("not implemented yet".into()))
    }
}

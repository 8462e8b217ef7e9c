//! Groups of the active profile's domain.

use crate::error::Result;
use crate::model::Group;
use crate::{Core, api};

impl Core {
    /// Every group of the active profile's domain (a first cut for the groups screen).
    pub async fn groups(&self) -> Result<Vec<Group>> {
        let client = self.active_client().await?;
        Ok(client.groups().list(api::Expand::empty()).await?)
    }
}

//! Policys of the active profile's domain.

use crate::Core;
use crate::error::Result;
use crate::model::Policy;

impl Core {
    /// Every policy of the active profile's domain (a first cut for the policies screen).
    pub async fn policies(&self) -> Result<Vec<Policy>> {
        let client = self.active_client().await?;
        Ok(client.policies().list().await?)
    }
}

//! Policys of the active profile's domain.

use crate::Core;
use crate::api::model::Policy;
use crate::error::{Error, Result};

impl Core {
    /// Every policy of the active profile's domain (a first cut for the policies screen).
    pub async fn policies(&self) -> Result<Vec<Policy>> {
        let _client = self.active_client().await?;
        Err(Error::Internal("not implemented yet".into()))
    }
}

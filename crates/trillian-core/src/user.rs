//! Users of the active profile's domain.

use crate::Core;
use crate::api::model::User;
use crate::error::{Error, Result};

impl Core {
    /// Every user of the active profile's domain (a first cut for the users screen).
    pub async fn users(&self) -> Result<Vec<User>> {
        let _client = self.active_client().await?;
        Err(Error::Internal("not implemented yet".into()))
    }
}

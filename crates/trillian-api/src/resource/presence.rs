use reqwest::Method;

use super::path;
use crate::client::{Call, Client};
use crate::error::Result;
use crate::form::Form;
use crate::model::{Presence, PresenceUpdate};
use crate::xml::decode_list;

/// `/v2/:domain/presence/`.
#[derive(Debug, Clone, Copy)]
pub struct PresenceApi<'c> {
    client: &'c Client,
}

impl<'c> PresenceApi<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        PresenceApi { client }
    }

    /// Get all presence: `GET presence/`.
    pub async fn list(self) -> Result<Vec<Presence>> {
        let call = Call::new("presence.list", Method::GET, path(["presence"]));
        self.client.xml(call, decode_list).await
    }

    /// Update a user's presence: `PATCH presence/:imaddress/` (or POST) with `message`, `status`.
    pub async fn update(self, im: &str, update: &PresenceUpdate) -> Result<()> {
        let form = Form::new()
            .opt_text("message", update.message.as_deref())
            .opt_num("status", update.status.map(|s| s.code()));
        let call = Call::new(
            "presence.update",
            self.client.update_method(),
            path(["presence", im]),
        )
        .form(form.finish());
        self.client.empty(call).await
    }
}

use reqwest::Method;

use super::path;
use crate::client::{Call, Client};
use crate::error::Result;
use crate::form::Form;
use crate::model::{NewPolicy, Policy, PolicyUpdate};
use crate::xml::{decode_list, decode_one};

/// `/v2/:domain/policies/`.
#[derive(Debug, Clone, Copy)]
pub struct PoliciesApi<'c> {
    client: &'c Client,
}

impl<'c> PoliciesApi<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        PoliciesApi { client }
    }

    /// Get all policies: `GET policies/`.
    pub async fn list(self) -> Result<Vec<Policy>> {
        let call = Call::new("policies.list", Method::GET, path(["policies"]));
        self.client.xml(call, decode_list).await
    }

    /// Get a single policy: `GET policies/:policy/`.
    pub async fn get(self, id: u64) -> Result<Policy> {
        let call = Call::new(
            "policies.get",
            Method::GET,
            path(["policies", &id.to_string()]),
        );
        self.client.xml(call, decode_one).await
    }

    /// Create a policy: `POST policies/` with `data` (Base64 of the items) and `name`.
    pub async fn create(self, policy: &NewPolicy) -> Result<Policy> {
        let form = Form::new()
            .text("data", &policy.data.to_base64())
            .text("name", &policy.name);
        let call =
            Call::new("policies.create", Method::POST, path(["policies"])).form(form.finish());
        self.client.xml(call, decode_one).await
    }

    /// Update a policy: `PATCH policies/:policy/` (or POST).
    pub async fn update(self, id: u64, update: &PolicyUpdate) -> Result<Policy> {
        let data = update.data.as_ref().map(|d| d.to_base64());
        let form = Form::new()
            .opt_text("data", data.as_deref())
            .opt_text("name", update.name.as_deref());
        let call = Call::new(
            "policies.update",
            self.client.update_method(),
            path(["policies", &id.to_string()]),
        )
        .form(form.finish());
        self.client.xml(call, decode_one).await
    }

    /// Delete a policy: `DELETE policies/:policy/`.
    pub async fn delete(self, id: u64) -> Result<()> {
        let call = Call::new(
            "policies.delete",
            Method::DELETE,
            path(["policies", &id.to_string()]),
        );
        self.client.empty(call).await
    }
}

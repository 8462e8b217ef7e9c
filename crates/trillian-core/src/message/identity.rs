//! Identities: users whose own token is stored in the keychain so that messages can be sent as
//! them (the API requires the sender's token). The token lives in the keychain only, under
//! `identity:<profile id>:<address>`; a small index (`identities.json` in the config folder,
//! addresses only, never a token) lets the picker list them without asking the keychain for
//! every user.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::{Core, JournalOutcome, Profile, Token};

const INDEX_FILE: &str = "identities.json";

fn key(profile_id: &str, im: &str) -> String {
    format!("identity:{profile_id}:{im}")
}

fn check_im(im: &str) -> Result<&str> {
    let im = im.trim();
    if im.is_empty() || !im.contains('@') || im.len() > 150 {
        return Err(Error::invalid("identity", "must be a user's IM address"));
    }
    Ok(im)
}

impl Core {
    fn identity_index_path(&self) -> PathBuf {
        self.paths().config_dir.join(INDEX_FILE)
    }

    fn read_identity_index(&self) -> BTreeMap<String, Vec<String>> {
        std::fs::read(self.identity_index_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn write_identity_index(&self, index: &BTreeMap<String, Vec<String>>) -> Result<()> {
        let path = self.identity_index_path();
        let dir = &self.paths().config_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let bytes = serde_json::to_vec_pretty(index)
            .map_err(|e| Error::Internal(format!("identity index: {e}")))?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    /// The addresses of the active profile's identities (a token was stored for each).
    pub fn identities(&self) -> Result<Vec<String>> {
        let profile = self.require_active()?;
        Ok(self
            .read_identity_index()
            .remove(&profile.id)
            .unwrap_or_default())
    }

    /// Stores (or replaces) `im`'s own token for the active profile, in the keychain only.
    pub async fn set_identity_token(&self, im: &str, token: Token) -> Result<()> {
        let profile = self.require_active()?;
        let result = async {
            let im = check_im(im)?;
            if token.expose().trim().is_empty() {
                return Err(Error::invalid("token", "the token is empty"));
            }
            self.inner
                .keychain
                .set(&key(&profile.id, im), &token)
                .await?;
            let mut index = self.read_identity_index();
            let list = index.entry(profile.id.clone()).or_default();
            if !list.iter().any(|i| i == im) {
                list.push(im.to_owned());
                list.sort();
            }
            self.write_identity_index(&index)
        }
        .await;
        self.record(
            Some(&profile.id),
            "identity.set",
            im,
            JournalOutcome::of(&result),
        );
        result
    }

    /// Whether a token is stored for `im` (active profile).
    pub async fn has_identity_token(&self, im: &str) -> Result<bool> {
        let profile = self.require_active()?;
        let im = check_im(im)?;
        self.inner.keychain.has(&key(&profile.id, im)).await
    }

    /// Deletes `im`'s token (active profile); no error when there was none.
    pub async fn clear_identity_token(&self, im: &str) -> Result<()> {
        let profile = self.require_active()?;
        let result = async {
            let im = check_im(im)?;
            self.inner.keychain.delete(&key(&profile.id, im)).await?;
            let mut index = self.read_identity_index();
            if let Some(list) = index.get_mut(&profile.id) {
                list.retain(|i| i != im);
            }
            self.write_identity_index(&index)
        }
        .await;
        self.record(
            Some(&profile.id),
            "identity.clear",
            im,
            JournalOutcome::of(&result),
        );
        result
    }

    /// `im`'s token for `profile`, or [`Error::NoIdentityToken`].
    pub(crate) async fn identity_token(&self, profile: &Profile, im: &str) -> Result<Token> {
        let im = check_im(im)?;
        self.inner
            .keychain
            .get(&key(&profile.id, im))
            .await?
            .ok_or_else(|| Error::NoIdentityToken(im.to_owned()))
    }
}

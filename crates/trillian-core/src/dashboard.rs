//! The dashboard: counts, presence by status, client platforms and versions.

use serde::Serialize;

use crate::Core;
use crate::connection::Counts;
use crate::error::{Error, Result};

/// How many users have one presence status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCount {
    /// The wire number (0 offline, 1 online, 2 away, 3 do not disturb, 4 invisible, 5 idle).
    pub status: u32,
    /// An English label.
    pub label: String,
    /// Users with that status.
    pub count: usize,
}

/// How many signed-in devices run one client platform and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformCount {
    /// The client platform (Windows, Mac, iOS, …).
    pub platform: String,
    /// The client version.
    pub version: String,
    /// Devices.
    pub count: usize,
}

/// What the dashboard shows for the active profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// The profile shown.
    pub profile_id: String,
    /// The domain.
    pub domain: String,
    /// Counts.
    pub counts: Counts,
    /// Users by presence status, every status present at least once, by status number.
    pub presence: Vec<StatusCount>,
    /// Devices by platform and version, most common first.
    pub clients: Vec<PlatformCount>,
}

impl Core {
    /// The dashboard of the active profile.
    pub async fn dashboard(&self) -> Result<Dashboard> {
        let _client = self.active_client().await?;
        Err(Error::Internal("not implemented yet".into()))
    }
}

//! Presence of the active profile's users: the table (status as a word, devices with dotted
//! IPs), the spread of clients by platform and version (which are outdated), and setting a
//! user's presence.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::Core;
use crate::error::{Error, Result};
use crate::journal::JournalOutcome;
use crate::model::{Presence, PresenceStatus, PresenceUpdate};
use crate::user::table::status_word;

/// One device a user is signed in from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRow {
    pub name: String,
    pub platform: String,
    pub version: String,
    pub build: String,
    /// Dotted IPv4 (DECISIONS.md: the wire number is network order read as little-endian).
    pub ip: String,
}

/// One user's presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceRow {
    pub address: String,
    /// The wire number.
    pub status: u32,
    /// The word (DECISIONS.md's mapping), or the number itself when unknown.
    pub status_label: String,
    /// Whether the number is one DECISIONS.md names.
    pub known: bool,
    pub message: String,
    /// Last change, unix seconds.
    pub timestamp: u64,
    pub devices: Vec<DeviceRow>,
}

/// Devices of one client platform and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientVersion {
    pub platform: String,
    pub version: String,
    /// The client's build number (an update within a version changes only the build).
    pub build: String,
    pub devices: usize,
    /// Older (by version, then build) than the newest seen on the same platform.
    pub outdated: bool,
}

/// The presence screen: every row, and the clients in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceView {
    pub rows: Vec<PresenceRow>,
    /// By platform (A–Z), newest version and build first.
    pub clients: Vec<ClientVersion>,
}

impl PresenceRow {
    fn from_model(p: &Presence) -> PresenceRow {
        let code = p.status.code();
        PresenceRow {
            address: p.name.clone(),
            status: code,
            status_label: status_word(code),
            known: !matches!(p.status, PresenceStatus::Unknown(_)),
            message: p.message.clone(),
            timestamp: p.timestamp,
            devices: p
                .devices
                .iter()
                .map(|d| DeviceRow {
                    name: d.name.clone(),
                    platform: d.platform.clone(),
                    version: d.version.clone(),
                    build: d.build.clone(),
                    ip: d.ip_dotted(),
                })
                .collect(),
        }
    }
}

/// Orders versions by their numeric parts (`10.2` after `9.11`), then as text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<u64> {
        v.split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap_or(u64::MAX))
            .collect()
    };
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

/// Devices per platform, version and build; those older than the platform's newest version
/// and build are outdated.
pub fn client_versions(presence: &[Presence]) -> Vec<ClientVersion> {
    let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for d in presence.iter().flat_map(|p| &p.devices) {
        *counts
            .entry((d.platform.clone(), d.version.clone(), d.build.clone()))
            .or_default() += 1;
    }
    let mut list: Vec<ClientVersion> = counts
        .into_iter()
        .map(|((platform, version, build), devices)| ClientVersion {
            platform,
            version,
            build,
            devices,
            outdated: false,
        })
        .collect();
    list.sort_by(|a, b| {
        a.platform
            .cmp(&b.platform)
            .then_with(|| compare_versions(&b.version, &a.version))
            .then_with(|| compare_versions(&b.build, &a.build))
    });
    // Newest first within a platform: the first of each platform is current.
    let mut previous: Option<String> = None;
    for item in &mut list {
        item.outdated = previous.as_deref() == Some(item.platform.as_str());
        previous = Some(item.platform.clone());
    }
    list
}

impl Core {
    /// Every presence of the active profile's domain, as the server sends them.
    pub async fn presence(&self) -> Result<Vec<Presence>> {
        let client = self.active_client().await?;
        Ok(client.presence().list().await?)
    }

    /// The presence screen's data: rows by address, and the client versions in use.
    pub async fn presence_view(&self) -> Result<PresenceView> {
        let presence = self.presence().await?;
        let mut rows: Vec<PresenceRow> = presence.iter().map(PresenceRow::from_model).collect();
        rows.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(PresenceView {
            rows,
            clients: client_versions(&presence),
        })
    }

    /// Sets a user's presence status (0–5, DECISIONS.md) and message.
    pub async fn presence_set(&self, address: &str, status: u32, message: String) -> Result<()> {
        let profile = self.require_active()?;
        let result = async {
            if status > 5 {
                return Err(Error::invalid(
                    "status",
                    "choose offline, online, away, do not disturb, invisible or idle",
                ));
            }
            if message.chars().count() > 1024 {
                return Err(Error::invalid("message", "use at most 1024 characters"));
            }
            let client = self.client_for(&profile).await?;
            let update = PresenceUpdate {
                status: Some(PresenceStatus::from_code(status)),
                message: Some(message),
            };
            client.presence().update(address, &update).await?;
            self.inner.users.set_status(&profile.id, address, status);
            Ok(())
        }
        .await;
        self.record(
            Some(&profile.id),
            "presence.set",
            address,
            JournalOutcome::of(&result),
        );
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Device;

    fn device(platform: &str, version: &str) -> Device {
        built(platform, version, "50")
    }

    fn built(platform: &str, version: &str, build: &str) -> Device {
        Device {
            ip: 2_315_364_544,
            platform: platform.into(),
            version: version.into(),
            build: build.into(),
            ..Device::default()
        }
    }

    #[test]
    fn versions_compare_by_number() {
        assert_eq!(compare_versions("9.11", "10.2"), Ordering::Less);
        assert_eq!(compare_versions("6.5.0.12", "6.5.0.9"), Ordering::Greater);
        assert_eq!(compare_versions("6.5", "6.5"), Ordering::Equal);
    }

    #[test]
    fn older_versions_of_a_platform_are_outdated() {
        let p = Presence {
            devices: vec![
                device("Windows", "6.5"),
                device("Windows", "7.0"),
                device("Windows", "7.0"),
                device("iOS", "3.1"),
                built("Mac", "6.5", "10.41"),
                built("Mac", "6.5", "10.9"),
                built("Mac", "6.5", "10.41"),
            ],
            ..Presence::default()
        };
        let list = client_versions(&[p]);
        let got: Vec<(&str, &str, &str, usize, bool)> = list
            .iter()
            .map(|c| {
                (
                    c.platform.as_str(),
                    c.version.as_str(),
                    c.build.as_str(),
                    c.devices,
                    c.outdated,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Mac", "6.5", "10.41", 2, false),
                ("Mac", "6.5", "10.9", 1, true),
                ("Windows", "7.0", "50", 2, false),
                ("Windows", "6.5", "50", 1, true),
                ("iOS", "3.1", "50", 1, false),
            ],
            "an older build of the newest version is outdated too"
        );
    }

    #[test]
    fn rows_show_words_raw_numbers_and_dotted_ips() {
        let p = Presence {
            name: "ann@x".into(),
            status: PresenceStatus::Unknown(9),
            devices: vec![device("Mac", "1")],
            ..Presence::default()
        };
        let row = PresenceRow::from_model(&p);
        assert_eq!((row.status_label.as_str(), row.known), ("9", false));
        assert_eq!(row.devices[0].ip, "192.168.1.138");
        let away = PresenceRow::from_model(&Presence {
            status: PresenceStatus::DoNotDisturb,
            ..Presence::default()
        });
        assert_eq!(
            (away.status_label.as_str(), away.known),
            ("Do not disturb", true)
        );
    }
}

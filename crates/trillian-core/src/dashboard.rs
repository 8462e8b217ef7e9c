//! The dashboard: counts, presence by status, client platforms and versions.

use serde::Serialize;

use std::collections::BTreeMap;

use crate::connection::{Counts, Listings};
use crate::error::Result;
use crate::{Core, api};

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
    /// The dashboard of the active profile: counts, users by presence status (users without
    /// a presence entry count as offline), devices by client platform and version.
    pub async fn dashboard(&self) -> Result<Dashboard> {
        let profile = self.require_active()?;
        let client = self.client_for(&profile).await?;
        let listings = Listings::read(&client).await?;
        Ok(Dashboard {
            profile_id: profile.id,
            domain: profile.domain,
            counts: listings.counts(),
            presence: by_status(listings.users.len(), &listings.presence),
            clients: by_platform(&listings.presence),
        })
    }
}

/// Users per status: the six known statuses always (zero included), unknown ones when seen.
/// Offline is every user without another status, so the counts add up to the users.
pub(crate) fn by_status(users: usize, presence: &[api::Presence]) -> Vec<StatusCount> {
    let mut counts: BTreeMap<u32, usize> = (0..=5).map(|s| (s, 0)).collect();
    for p in presence {
        if p.status != api::PresenceStatus::Offline {
            *counts.entry(p.status.code()).or_default() += 1;
        }
    }
    let not_offline: usize = counts.values().sum();
    counts.insert(0, users.saturating_sub(not_offline));
    counts
        .into_iter()
        .map(|(status, count)| StatusCount {
            status,
            label: api::PresenceStatus::from_code(status).label().to_owned(),
            count,
        })
        .collect()
}

/// Devices per (platform, version), most common first, then by name.
pub(crate) fn by_platform(presence: &[api::Presence]) -> Vec<PlatformCount> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for device in presence.iter().flat_map(|p| &p.devices) {
        *counts
            .entry((device.platform.clone(), device.version.clone()))
            .or_default() += 1;
    }
    let mut list: Vec<PlatformCount> = counts
        .into_iter()
        .map(|((platform, version), count)| PlatformCount {
            platform,
            version,
            count,
        })
        .collect();
    list.sort_by_key(|c| std::cmp::Reverse(c.count));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::{Device, Presence, PresenceStatus};

    fn presence(status: PresenceStatus, devices: &[(&str, &str)]) -> Presence {
        Presence {
            status,
            devices: devices
                .iter()
                .map(|(p, v)| Device {
                    platform: (*p).into(),
                    version: (*v).into(),
                    ..Device::default()
                })
                .collect(),
            ..Presence::default()
        }
    }

    #[test]
    fn statuses_add_up_to_the_users() {
        let list = [
            presence(PresenceStatus::Online, &[]),
            presence(PresenceStatus::Online, &[]),
            presence(PresenceStatus::Away, &[]),
            presence(PresenceStatus::Offline, &[]),
            presence(PresenceStatus::Unknown(9), &[]),
        ];
        let s = by_status(10, &list);
        let get = |n: u32| s.iter().find(|c| c.status == n).map(|c| c.count);
        assert_eq!(get(1), Some(2));
        assert_eq!(get(2), Some(1));
        assert_eq!(get(3), Some(0), "known statuses listed even at zero");
        assert_eq!(get(9), Some(1), "unknown statuses kept");
        assert_eq!(get(0), Some(6), "offline: the users without another status");
        assert_eq!(s.iter().map(|c| c.count).sum::<usize>(), 10);
        assert_eq!(crate::connection::online(&list), 4);
    }

    #[test]
    fn platforms_most_common_first() {
        let list = [
            presence(
                PresenceStatus::Online,
                &[("Windows", "6.0"), ("iOS", "6.1")],
            ),
            presence(PresenceStatus::Away, &[("Windows", "6.0")]),
            presence(PresenceStatus::Online, &[("Mac", "6.0")]),
        ];
        let p = by_platform(&list);
        assert_eq!(
            p[0],
            PlatformCount {
                platform: "Windows".into(),
                version: "6.0".into(),
                count: 2
            }
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p.iter().map(|c| c.count).sum::<usize>(), 4);
    }
}

//! "Test connection" and the dashboard.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::commands::small;
use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionOutcome {
    Ok,
    Unreachable,
    Tls,
    WrongToken,
    WrongDomain,
    NoToken,
    Failed,
}

/// The domain's sizes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub users: u32,
    pub groups: u32,
    pub policies: u32,
    pub groupchats: u32,
    pub online: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub outcome: ConnectionOutcome,
    /// For the user: what happened, with the server's or the certificate's reason.
    pub message: String,
    /// Present when the outcome is `ok`.
    pub counts: Option<Counts>,
}

/// One bar of a spread (presence status, client platform, client version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub label: String,
    pub count: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub profile_name: String,
    pub domain: String,
    pub counts: Counts,
    pub presence: Vec<Tally>,
    pub platforms: Vec<Tally>,
    pub versions: Vec<Tally>,
}

impl From<trillian_core::Counts> for Counts {
    fn from(c: trillian_core::Counts) -> Self {
        Counts {
            users: small(c.users),
            groups: small(c.groups),
            policies: small(c.policies),
            groupchats: small(c.groupchats),
            online: small(c.online),
        }
    }
}

impl From<trillian_core::ConnectionReport> for ConnectionReport {
    fn from(r: trillian_core::ConnectionReport) -> Self {
        use trillian_core::ConnectionReport as Core;
        let (outcome, message, counts) = match r {
            Core::Ok { counts } => (
                ConnectionOutcome::Ok,
                "The server accepted the token for this domain.".into(),
                Some(counts.into()),
            ),
            Core::Unreachable { reason } => (
                ConnectionOutcome::Unreachable,
                format!("The server could not be reached: {reason}"),
                None,
            ),
            Core::Tls { reason } => (
                ConnectionOutcome::Tls,
                format!("TLS problem: {reason}"),
                None,
            ),
            Core::WrongToken { reason } => (
                ConnectionOutcome::WrongToken,
                format!("Wrong token: the server refused it ({reason})."),
                None,
            ),
            Core::WrongDomain { reason } => (
                ConnectionOutcome::WrongDomain,
                format!(
                    "Wrong domain: the server does not serve this domain for this token ({reason})."
                ),
                None,
            ),
            Core::NoToken => (
                ConnectionOutcome::NoToken,
                "No token is stored for this profile yet.".into(),
                None,
            ),
            Core::Failed { reason, .. } => (ConnectionOutcome::Failed, reason, None),
        };
        ConnectionReport {
            outcome,
            message,
            counts,
        }
    }
}

/// Sums tallies by label, most common first (ties by label).
fn tally(items: impl IntoIterator<Item = (String, usize)>) -> Vec<Tally> {
    let mut sums: std::collections::BTreeMap<String, usize> = Default::default();
    for (label, n) in items {
        *sums.entry(label).or_default() += n;
    }
    let mut out: Vec<Tally> = sums
        .into_iter()
        .map(|(label, n)| Tally {
            label,
            count: small(n),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    out
}

impl Dashboard {
    fn from_core(d: trillian_core::Dashboard, profile_name: String) -> Self {
        let platforms = tally(d.clients.iter().map(|c| (c.platform.clone(), c.count)));
        let versions = tally(
            d.clients
                .iter()
                .map(|c| (format!("{} {}", c.platform, c.version), c.count)),
        );
        Dashboard {
            profile_name,
            domain: d.domain,
            counts: d.counts.into(),
            presence: d
                .presence
                .into_iter()
                .map(|p| Tally {
                    label: p.label,
                    count: small(p.count),
                })
                .collect(),
            platforms,
            versions,
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn connection_test(
    state: State<'_, AppState>,
    profile_id: String,
) -> IpcResult<ConnectionReport> {
    Ok(state.core.test_connection(&profile_id).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn dashboard_get(state: State<'_, AppState>) -> IpcResult<Dashboard> {
    let dashboard = state.core.dashboard().await?;
    let name = state
        .core
        .profile(&dashboard.profile_id)
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(Dashboard::from_core(dashboard, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_are_summed_and_sorted() {
        let t = tally([
            ("Windows".into(), 2),
            ("Mac".into(), 3),
            ("Windows".into(), 4),
        ]);
        assert_eq!(
            t,
            vec![
                Tally {
                    label: "Windows".into(),
                    count: 6
                },
                Tally {
                    label: "Mac".into(),
                    count: 3
                }
            ]
        );
    }

    #[test]
    fn every_connection_outcome_is_told_apart() {
        use trillian_core::ConnectionReport as R;
        let cases = [
            (
                R::Unreachable {
                    reason: "refused".into(),
                },
                ConnectionOutcome::Unreachable,
            ),
            (
                R::Tls {
                    reason: "unknown issuer".into(),
                },
                ConnectionOutcome::Tls,
            ),
            (
                R::WrongToken {
                    reason: "401".into(),
                },
                ConnectionOutcome::WrongToken,
            ),
            (
                R::WrongDomain {
                    reason: "403".into(),
                },
                ConnectionOutcome::WrongDomain,
            ),
            (R::NoToken, ConnectionOutcome::NoToken),
        ];
        for (core, want) in cases {
            let report = ConnectionReport::from(core);
            assert_eq!(report.outcome, want);
            assert!(report.counts.is_none());
        }
        let ok = ConnectionReport::from(R::Ok {
            counts: trillian_core::Counts {
                users: 5,
                ..Default::default()
            },
        });
        assert_eq!(ok.outcome, ConnectionOutcome::Ok);
        assert_eq!(ok.counts.map(|c| c.users), Some(5));
        let tls = ConnectionReport::from(R::Tls {
            reason: "unknown issuer".into(),
        });
        assert!(
            tls.message.contains("unknown issuer"),
            "the certificate's reason is shown"
        );
    }
}

//! Group peers as staged change sets: directed (group A peering with B puts B's members on the
//! contact lists of A's members; a group may peer with itself), previewed as "who will see whom",
//! applied as a job with per-item results, and undone by applying the inverse.
//!
//! Applying is idempotent per item: a peering already in the wanted state is reported as
//! skipped, so re-applying a change set after a failure in the middle does only what is left.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::GroupTree;
use crate::error::Result;
use crate::job::{Cancel, Job, JobReport, Outcome, Progress};
use crate::journal::JournalOutcome;
use crate::model::Group;
use crate::{Core, Error};

/// Current peers: group id → the groups its members see.
pub type PeerMap = BTreeMap<u64, BTreeSet<u64>>;

/// The peers of `groups` (listed with `peers=1`).
pub fn peer_map(groups: &[Group]) -> PeerMap {
    groups
        .iter()
        .map(|g| (g.id, g.peers.iter().copied().collect()))
        .collect()
}

/// `group`'s members see `peer`'s members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Peering {
    pub group: u64,
    pub peer: u64,
}

/// Add or remove a peering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PeerOp {
    Add,
    Remove,
}

/// Staged peer edits: peerings to add and to remove (each at most once, never both).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSet {
    pub add: BTreeSet<Peering>,
    pub remove: BTreeSet<Peering>,
}

impl ChangeSet {
    /// Nothing staged.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }

    /// Staged items.
    pub fn len(&self) -> usize {
        self.add.len() + self.remove.len()
    }

    /// Stages `peering` to end up `on` (peered) or off, relative to `base`: a cell set back to
    /// what the server has is unstaged rather than kept as a no-op.
    pub fn stage(&mut self, base: &PeerMap, peering: Peering, on: bool) {
        self.add.remove(&peering);
        self.remove.remove(&peering);
        let now = is_peered(base, peering);
        match (now, on) {
            (false, true) => {
                self.add.insert(peering);
            }
            (true, false) => {
                self.remove.insert(peering);
            }
            _ => {}
        }
    }

    /// Flips `peering` as it would be after the staged edits.
    pub fn toggle(&mut self, base: &PeerMap, peering: Peering) {
        let after = self.state(base, peering);
        self.stage(base, peering, !after);
    }

    /// Whether `peering` holds after the staged edits.
    pub fn state(&self, base: &PeerMap, peering: Peering) -> bool {
        if self.add.contains(&peering) {
            true
        } else if self.remove.contains(&peering) {
            false
        } else {
            is_peered(base, peering)
        }
    }

    /// The peers after applying this change set to `base`.
    pub fn apply_to(&self, base: &PeerMap) -> PeerMap {
        let mut out = base.clone();
        for p in &self.remove {
            if let Some(set) = out.get_mut(&p.group) {
                set.remove(&p.peer);
            }
        }
        for p in &self.add {
            out.entry(p.group).or_default().insert(p.peer);
        }
        out
    }

    /// The change set that takes this one back.
    pub fn inverse(&self) -> ChangeSet {
        ChangeSet {
            add: self.remove.clone(),
            remove: self.add.clone(),
        }
    }

    /// Every item in a stable order: removals first, then additions.
    pub fn items(&self) -> Vec<(PeerOp, Peering)> {
        self.remove
            .iter()
            .map(|p| (PeerOp::Remove, *p))
            .chain(self.add.iter().map(|p| (PeerOp::Add, *p)))
            .collect()
    }

    fn from_items(items: impl IntoIterator<Item = (PeerOp, Peering)>) -> ChangeSet {
        let mut out = ChangeSet::default();
        for (op, p) in items {
            match op {
                PeerOp::Add => out.add.insert(p),
                PeerOp::Remove => out.remove.insert(p),
            };
        }
        out
    }
}

fn is_peered(base: &PeerMap, p: Peering) -> bool {
    base.get(&p.group).is_some_and(|s| s.contains(&p.peer))
}

/// "Who will see whom" for one group's members: which groups' members their contact lists gain
/// and lose, and which groups' members gain or lose them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerPreview {
    /// The user the preview was asked for, if any.
    pub user: Option<String>,
    /// The group looked at.
    pub group: u64,
    /// Groups whose members appear on this group's members' lists.
    pub gains: Vec<u64>,
    /// Groups whose members disappear from them.
    pub loses: Vec<u64>,
    /// Groups whose members start seeing this group's members.
    pub seen_by_gains: Vec<u64>,
    /// Groups whose members stop seeing them.
    pub seen_by_loses: Vec<u64>,
}

/// The preview of `changes` over `base` for the members of `group`.
pub fn preview(base: &PeerMap, changes: &ChangeSet, group: u64) -> PeerPreview {
    let after = changes.apply_to(base);
    let empty = BTreeSet::new();
    let before_sees = base.get(&group).unwrap_or(&empty);
    let after_sees = after.get(&group).unwrap_or(&empty);
    let seen_by = |map: &PeerMap| -> BTreeSet<u64> {
        map.iter()
            .filter(|(_, peers)| peers.contains(&group))
            .map(|(g, _)| *g)
            .collect()
    };
    let (before_by, after_by) = (seen_by(base), seen_by(&after));
    PeerPreview {
        user: None,
        group,
        gains: after_sees.difference(before_sees).copied().collect(),
        loses: before_sees.difference(after_sees).copied().collect(),
        seen_by_gains: after_by.difference(&before_by).copied().collect(),
        seen_by_loses: before_by.difference(&after_by).copied().collect(),
    }
}

/// The result of applying a change set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerApplyReport {
    /// Per item, in [`ChangeSet::items`] order.
    pub report: JobReport,
    /// What this run changed on the server.
    pub applied: ChangeSet,
    /// What failed or was not started: apply it (or the whole set again) to finish.
    pub retry: ChangeSet,
    /// The inverse of `applied`: applying it takes this run back.
    pub undo: ChangeSet,
    /// The groups as the server has them after the run (reloaded, never assumed).
    pub tree: GroupTree,
}

impl Core {
    /// "Who will see whom" for `user` (an IM address): their group's gains and losses.
    pub async fn peer_preview(&self, changes: &ChangeSet, user: &str) -> Result<PeerPreview> {
        let client = self.active_client().await?;
        let u = client.users().get(user).await?;
        let tree = self.group_tree().await?;
        let mut out = preview(&tree.peers(), changes, u.group);
        out.user = Some(u.name);
        Ok(out)
    }

    /// Applies `changes` (removals, then additions), reporting each item to `on_progress`.
    /// Peerings already in the wanted state are skipped, so a re-run after a failure or a
    /// cancel does only what is left. The groups are reloaded from the server afterwards.
    pub async fn apply_peer_changes(
        &self,
        changes: &ChangeSet,
        cancel: Cancel,
        on_progress: impl FnMut(Progress),
    ) -> Result<PeerApplyReport> {
        let client = self.active_client().await?;
        let before = self.group_tree().await?;
        let names: Arc<BTreeMap<u64, String>> = Arc::new(
            before
                .groups
                .iter()
                .map(|g| (g.id, g.displayname.clone()))
                .collect(),
        );
        let current = Arc::new(before.peers());
        let items = changes.items();
        let name = |id: u64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
        let label = |(op, p): &(PeerOp, Peering)| {
            let verb = match op {
                PeerOp::Add => "add",
                PeerOp::Remove => "remove",
            };
            format!("{verb}: {} sees {}", name(p.group), name(p.peer))
        };
        let work = |(op, p): (PeerOp, Peering)| {
            let client = client.clone();
            let current = current.clone();
            async move {
                let peers = client.groups().peers(p.group);
                match op {
                    PeerOp::Add if is_peered(&current, p) => Ok(Outcome::skipped("already peered")),
                    PeerOp::Add => {
                        peers.add(p.peer).await?;
                        Ok(Outcome::done_with("added"))
                    }
                    PeerOp::Remove if !is_peered(&current, p) => Ok(Outcome::skipped("not peered")),
                    PeerOp::Remove => match peers.remove(p.peer).await {
                        Ok(()) => Ok(Outcome::done_with("removed")),
                        // Gone meanwhile (another admin): the wanted state holds.
                        Err(trillian_api::Error::NotFound { .. }) => {
                            Ok(Outcome::skipped("not peered"))
                        }
                        Err(e) => Err(Error::from(e)),
                    },
                }
            }
        };
        let report = Job::new(1)
            .with_cancel(cancel)
            .run(items.clone(), label, work, on_progress)
            .await;
        let mut applied = Vec::new();
        let mut retry = Vec::new();
        for (item, result) in items.iter().zip(&report.items) {
            match result.outcome {
                Outcome::Done { .. } => applied.push(*item),
                Outcome::Failed { .. } | Outcome::Cancelled => retry.push(*item),
                Outcome::Skipped { .. } => {}
            }
        }
        let applied = ChangeSet::from_items(applied);
        let retry = ChangeSet::from_items(retry);
        let profile = self.active_profile().map(|p| p.id);
        let summary = format!(
            "{} done, {} skipped, {} failed, {} not started",
            report.succeeded(),
            report.skipped(),
            report.failed(),
            report.not_started()
        );
        let outcome = if retry.is_empty() {
            JournalOutcome::Ok
        } else {
            JournalOutcome::Failed {
                code: crate::ErrorCode::Server,
                message: format!("{} peering change(s) left to retry", retry.len()),
            }
        };
        self.inner
            .journal
            .record(profile.as_deref(), "group.peers.apply", &summary, outcome);
        let tree = self.group_tree().await?;
        Ok(PeerApplyReport {
            report,
            undo: applied.inverse(),
            applied,
            retry,
            tree,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(u64, &[u64])]) -> PeerMap {
        pairs
            .iter()
            .map(|(g, peers)| (*g, peers.iter().copied().collect()))
            .collect()
    }

    fn p(group: u64, peer: u64) -> Peering {
        Peering { group, peer }
    }

    #[test]
    fn toggling_back_unstages() {
        let base = map(&[(1, &[1, 2]), (2, &[])]);
        let mut cs = ChangeSet::default();
        cs.toggle(&base, p(2, 1));
        cs.toggle(&base, p(1, 2));
        assert_eq!(cs.add.iter().copied().collect::<Vec<_>>(), [p(2, 1)]);
        assert_eq!(cs.remove.iter().copied().collect::<Vec<_>>(), [p(1, 2)]);
        assert!(cs.state(&base, p(2, 1)) && !cs.state(&base, p(1, 2)));
        cs.toggle(&base, p(2, 1));
        cs.stage(&base, p(1, 2), true);
        assert!(cs.is_empty(), "back to the server's state: nothing staged");
        cs.stage(&base, p(1, 1), true);
        assert!(
            cs.is_empty(),
            "staging what is already there stages nothing"
        );
    }

    #[test]
    fn preview_is_directed_and_counts_self_peering() {
        let base = map(&[(1, &[1]), (2, &[1]), (3, &[])]);
        let mut cs = ChangeSet::default();
        cs.stage(&base, p(3, 3), true); // 3 sees itself
        cs.stage(&base, p(3, 1), true); // 3 sees 1
        cs.stage(&base, p(2, 1), false); // 2 stops seeing 1
        let for3 = preview(&base, &cs, 3);
        assert_eq!(
            (for3.gains.as_slice(), for3.loses.as_slice()),
            (&[1, 3][..], &[][..])
        );
        assert_eq!(
            for3.seen_by_gains,
            [3],
            "self-peering: its own members see it"
        );
        let for1 = preview(&base, &cs, 1);
        assert!(
            for1.gains.is_empty() && for1.loses.is_empty(),
            "1's own list unchanged"
        );
        assert_eq!(for1.seen_by_gains, [3]);
        assert_eq!(for1.seen_by_loses, [2]);
    }

    #[test]
    fn inverse_undoes() {
        let base = map(&[(1, &[1, 2]), (2, &[2])]);
        let mut cs = ChangeSet::default();
        cs.stage(&base, p(1, 2), false);
        cs.stage(&base, p(2, 1), true);
        let after = cs.apply_to(&base);
        assert_eq!(cs.inverse().apply_to(&after), base);
        assert_eq!(cs.items()[0], (PeerOp::Remove, p(1, 2)), "removals first");
    }
}

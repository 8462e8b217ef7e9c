//! Groups and peer change sets against the embedded sandbox (HTTP on 127.0.0.1, port 0),
//! checking the server's own answers after every change.

use std::collections::BTreeSet;

use trillian_api::Expand;
use trillian_api::model::{GroupUpdate, NewGroup};
use trillian_core::group::{ChangeSet, Peering};
use trillian_core::job::{Cancel, Outcome};
use trillian_core::{Core, ErrorCode, StoreKind};

use crate::Fixture;

async fn sandbox_core(fx: &Fixture) -> Core {
    let core = fx.core(StoreKind::SessionOnly);
    core.start_sandbox().await.expect("start the sandbox");
    core
}

/// The peers of `group` as the server lists them (`GET groups/:group/peers/`).
async fn server_peers(core: &Core, group: u64) -> BTreeSet<u64> {
    let client = core.active_client().await.expect("client");
    client
        .groups()
        .peers(group)
        .list()
        .await
        .expect("peers")
        .into_iter()
        .collect()
}

fn p(group: u64, peer: u64) -> Peering {
    Peering { group, peer }
}

fn statuses(report: &trillian_core::group::PeerApplyReport) -> Vec<&'static str> {
    report
        .report
        .items
        .iter()
        .map(|i| match i.outcome {
            Outcome::Done { .. } => "done",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "failed",
            Outcome::Cancelled => "cancelled",
        })
        .collect()
}

#[tokio::test]
async fn tree_counts_members_and_peers_as_the_server_has_them() {
    let fx = Fixture::new();
    let core = sandbox_core(&fx).await;
    let tree = core.group_tree().await.expect("tree");
    let client = core.active_client().await.expect("client");
    let groups = client.groups().list(Expand::PEERS).await.expect("groups");
    let users = client.users().list().await.expect("users");
    assert_eq!(tree.groups.len(), groups.len(), "every group in the tree");
    let counted: usize = tree.groups.iter().map(|g| g.members).sum();
    assert_eq!(
        counted + tree.users_without_group,
        users.len(),
        "every user counted once"
    );
    for g in &groups {
        let node = tree.get(g.id).expect("in the tree");
        let mut peers = g.peers.clone();
        peers.sort_unstable();
        assert_eq!(node.peers, peers, "peers of {}", g.displayname);
        assert_eq!(
            node.members,
            users.iter().filter(|u| u.group == g.id).count(),
            "members of {}",
            g.displayname
        );
    }
    // Depth first: a child always comes after its parent, one level deeper.
    for (i, g) in tree.groups.iter().enumerate() {
        if g.parent != 0 {
            let at = tree
                .groups
                .iter()
                .position(|x| x.id == g.parent)
                .expect("parent");
            assert!(at < i, "{} after its parent", g.displayname);
            assert_eq!(g.depth, tree.groups[at].depth + 1);
        }
    }
}

#[tokio::test]
async fn change_set_adds_removes_self_peers_and_undoes() {
    let fx = Fixture::new();
    let core = sandbox_core(&fx).await;
    let tree = core.group_tree().await.expect("tree");
    let base = tree.peers();
    let ids: Vec<u64> = tree.groups.iter().map(|g| g.id).collect();
    assert!(ids.len() >= 3, "the demo has groups");
    // An absent peering to add, an existing one to remove, and a self-peering to toggle.
    let absent = ids
        .iter()
        .flat_map(|a| ids.iter().map(move |b| p(*a, *b)))
        .find(|x| x.group != x.peer && !base[&x.group].contains(&x.peer))
        .expect("some pair is not peered");
    let present = ids
        .iter()
        .flat_map(|a| ids.iter().map(move |b| p(*a, *b)))
        .find(|x| x.group != x.peer && base[&x.group].contains(&x.peer) && *x != absent)
        .expect("some pair is peered");
    let own = ids
        .iter()
        .copied()
        .find(|g| *g != absent.group && *g != present.group)
        .expect("a third group");
    let own_before = base[&own].contains(&own);

    let mut cs = ChangeSet::default();
    cs.toggle(&base, absent);
    cs.toggle(&base, present);
    cs.toggle(&base, p(own, own));
    assert_eq!(cs.len(), 3);

    let mut progress = Vec::new();
    let report = core
        .apply_peer_changes(&cs, Cancel::new(), |e| progress.push(e))
        .await
        .expect("apply");
    assert_eq!(statuses(&report), ["done"; 3], "{:?}", report.report);
    assert_eq!(progress.len(), 3, "one progress event per item");
    assert_eq!(progress.last().map(|e| (e.done, e.total)), Some((3, 3)));
    assert!(report.retry.is_empty());
    assert!(
        server_peers(&core, absent.group)
            .await
            .contains(&absent.peer),
        "added"
    );
    assert!(
        !server_peers(&core, present.group)
            .await
            .contains(&present.peer),
        "removed"
    );
    assert_eq!(
        server_peers(&core, own).await.contains(&own),
        !own_before,
        "self-peering toggled"
    );
    assert_eq!(
        report.tree.peers(),
        cs.apply_to(&base),
        "the reloaded tree is the server's"
    );

    // Undo: the inverse brings the server back to where it was.
    let undone = core
        .apply_peer_changes(&report.undo, Cancel::new(), |_| {})
        .await
        .expect("undo");
    assert_eq!(statuses(&undone), ["done"; 3]);
    assert_eq!(
        core.group_tree().await.expect("tree").peers(),
        base,
        "undo restored the peers"
    );

    let journal = core.journal(10).expect("journal");
    assert!(
        journal
            .iter()
            .filter(|e| e.action == "group.peers.apply")
            .count()
            >= 2,
        "each apply journaled"
    );
}

#[tokio::test]
async fn a_failure_in_the_middle_is_retryable_and_re_apply_skips_what_is_done() {
    let fx = Fixture::new();
    let core = sandbox_core(&fx).await;
    let client = core.active_client().await.expect("client");
    // A group id that does not exist (any more): create a group and delete it.
    let gone = client
        .groups()
        .create(&NewGroup {
            displayname: "Short-lived".into(),
            name: "short-lived".into(),
            ..NewGroup::default()
        })
        .await
        .expect("create");
    client.groups().delete(gone.id).await.expect("delete");

    let tree = core.group_tree().await.expect("tree");
    let base = tree.peers();
    let mut ids: Vec<u64> = tree.groups.iter().map(|g| g.id).collect();
    ids.sort_unstable();
    let (first, middle, last) = (ids[0], ids[1], ids[ids.len() - 1]);
    assert!(
        first < middle && middle < last,
        "three distinct groups in id order"
    );
    let mut cs = ChangeSet::default();
    // Items run in (group, peer) order: the middle one names the deleted group.
    for (g, peer) in [(first, first), (middle, gone.id), (last, first)] {
        if base[&g].contains(&peer) {
            let mut off = ChangeSet::default();
            off.stage(&base, p(g, peer), false);
            core.apply_peer_changes(&off, Cancel::new(), |_| {})
                .await
                .expect("clear");
        }
    }
    let base = core.group_tree().await.expect("tree").peers();
    for (g, peer) in [(first, first), (middle, gone.id), (last, first)] {
        cs.stage(&base, p(g, peer), true);
    }
    assert_eq!(cs.len(), 3);

    let report = core
        .apply_peer_changes(&cs, Cancel::new(), |_| {})
        .await
        .expect("apply returns a report, not an error");
    assert_eq!(statuses(&report), ["done", "failed", "done"]);
    match &report.report.items[1].outcome {
        Outcome::Failed { code, message } => {
            assert_eq!(*code, ErrorCode::Invalid, "a 400 from the server");
            assert!(
                message.contains(&gone.id.to_string()),
                "the server's reason: {message}"
            );
        }
        other => panic!("middle item: {other:?}"),
    }
    assert_eq!(
        report.retry.add.iter().copied().collect::<Vec<_>>(),
        [p(middle, gone.id)]
    );
    assert_eq!(
        report.undo.remove.len(),
        2,
        "undo covers only what was done"
    );
    assert!(server_peers(&core, first).await.contains(&first));
    assert!(server_peers(&core, last).await.contains(&first));
    assert!(
        !report
            .tree
            .get(middle)
            .expect("middle")
            .peers
            .contains(&gone.id),
        "reloaded"
    );

    // Re-applying the whole set does only what is left (and it fails again, clearly).
    let again = core
        .apply_peer_changes(&cs, Cancel::new(), |_| {})
        .await
        .expect("re-apply");
    assert_eq!(statuses(&again), ["skipped", "failed", "skipped"]);
    assert!(again.applied.is_empty(), "nothing done twice");

    // Once the peer group exists again (the sandbox reuses the freed id), the retry set works.
    let back = client
        .groups()
        .create(&NewGroup {
            displayname: "Back".into(),
            name: "back".into(),
            ..NewGroup::default()
        })
        .await
        .expect("create");
    assert_eq!(back.id, gone.id, "the freed id is given out again");
    let retried = core
        .apply_peer_changes(&again.retry, Cancel::new(), |_| {})
        .await
        .expect("retry");
    assert_eq!(statuses(&retried), ["done"]);
    assert!(server_peers(&core, middle).await.contains(&gone.id));
}

#[tokio::test]
async fn a_cancelled_apply_leaves_everything_to_retry() {
    let fx = Fixture::new();
    let core = sandbox_core(&fx).await;
    let tree = core.group_tree().await.expect("tree");
    let base = tree.peers();
    let mut cs = ChangeSet::default();
    for g in tree.groups.iter().take(3) {
        cs.toggle(&base, p(g.id, g.id));
    }
    let cancel = Cancel::new();
    cancel.cancel();
    let report = core
        .apply_peer_changes(&cs, cancel, |_| {})
        .await
        .expect("report");
    assert!(report.report.cancelled);
    assert_eq!(statuses(&report), ["cancelled"; 3]);
    assert_eq!(report.retry, cs, "all of it left to apply");
    assert_eq!(
        core.group_tree().await.expect("tree").peers(),
        base,
        "server untouched"
    );
}

#[tokio::test]
async fn reparent_refuses_cycles_and_delete_moves_members() {
    let fx = Fixture::new();
    let core = sandbox_core(&fx).await;
    let top = core
        .create_group(&NewGroup {
            displayname: "Top".into(),
            name: "top".into(),
            ..NewGroup::default()
        })
        .await
        .expect("create top");
    let child = core
        .create_group(&NewGroup {
            displayname: "Child".into(),
            name: "child".into(),
            parent: Some(top.id),
            ..NewGroup::default()
        })
        .await
        .expect("create child");
    let err = core
        .update_group(
            top.id,
            &GroupUpdate {
                parent: Some(child.id),
                ..GroupUpdate::default()
            },
        )
        .await
        .expect_err("a cycle");
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(err.to_string().contains("cycle"), "{err}");
    let client = core.active_client().await.expect("client");
    assert_eq!(
        client
            .groups()
            .get(top.id, Expand::empty())
            .await
            .expect("get")
            .parent,
        0,
        "unchanged on the server"
    );

    // Delete with members: refused without a target, naming the count; moved with one.
    let tree = core.group_tree().await.expect("tree");
    let full = tree
        .groups
        .iter()
        .find(|g| g.members > 0 && g.id != child.id && tree.descendants(g.id).is_empty())
        .expect("a leaf group with members")
        .clone();
    let plan = core.group_deletion(full.id).await.expect("plan");
    assert_eq!(plan.members, full.members);
    let err = core.delete_group(full.id, None).await.expect_err("members");
    assert!(
        err.to_string()
            .contains(&format!("{} member", full.members)),
        "{err}"
    );
    let err = core
        .delete_group(top.id, Some(child.id))
        .await
        .expect_err("has a child");
    assert!(err.to_string().contains("Child"), "names the child: {err}");

    core.delete_group(full.id, Some(child.id))
        .await
        .expect("delete");
    let users = client.users().list().await.expect("users");
    assert_eq!(
        users.iter().filter(|u| u.group == child.id).count(),
        full.members,
        "moved"
    );
    assert!(users.iter().all(|u| u.group != full.id));
    assert!(
        client.groups().get(full.id, Expand::empty()).await.is_err(),
        "the group is gone"
    );
}

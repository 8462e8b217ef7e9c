//! Policies against the embedded sandbox: exact round trips (unknown keys, blank lines,
//! non-ASCII), typed edits, copy, rename, diff, usage, refusal to delete one in use, and the
//! effective policy of a user.

use trillian_api::model::{GroupUpdate, NewGroup, PolicyItems, UserUpdate};
use trillian_core::policy::{DiffKind, EffectivePolicy, PolicyEdit, PolicyRow};
use trillian_core::{Core, ErrorCode, StoreKind};

use crate::Fixture;

async fn sandbox_core(fx: &Fixture) -> Core {
    let core = fx.core(StoreKind::SessionOnly);
    core.start_sandbox().await.expect("start the sandbox");
    core
}

/// The policy's text as the server stores it, decoded from its Base64 by the client.
async fn server_text(core: &Core, id: u64) -> String {
    let client = core.active_client().await.expect("client");
    client.policies().get(id).await.expect("get").data.to_text()
}

const AWKWARD: &str = "# Managed by the Zürich office — ne pas modifier\n\
trillian.plugin.msn 0\n\
\n\
acme.greeting Grüß Gott, 世界! 🎉\n\
acme.spaces   three  spaces  kept \n\
\n\
trillian.history.cloud 1\n\
novalue\n\
\n";

#[tokio::test]
async fn text_round_trips_exactly_through_the_server() {
    let fx = Fixture::new();
    let core = sandbox_core(&fx).await;
    let created = core
        .create_policy("Round trip", None)
        .await
        .expect("create");
    assert_eq!(created.text, "", "a new policy from scratch is empty");
    let saved = core
        .set_policy_text(created.id, AWKWARD)
        .await
        .expect("save text");
    assert_eq!(saved.text, AWKWARD, "the answer");
    assert_eq!(
        server_text(&core, created.id).await,
        AWKWARD,
        "the server's copy"
    );
    let doc = core.policy(created.id).await.expect("get");
    assert_eq!(doc.rows.len(), AWKWARD.lines().count());
    assert!(
        doc.rows.iter().any(|r| matches!(r,
            PolicyRow::Item { key, value, info: None, .. }
                if key == "acme.greeting" && value == "Grüß Gott, 世界! 🎉")),
        "unknown non-ASCII item kept as text"
    );

    // A typed edit changes its own line only: blank lines, comments, unknown keys stay put.
    let edited = core
        .edit_policy(
            created.id,
            &[PolicyEdit {
                key: "trillian.plugin.msn".into(),
                value: Some("1".into()),
            }],
        )
        .await
        .expect("edit");
    let expected = AWKWARD.replace("trillian.plugin.msn 0", "trillian.plugin.msn 1");
    assert_eq!(edited.text, expected);
    assert_eq!(server_text(&core, created.id).await, expected);
    assert_eq!(
        PolicyItems::from_text(&expected).to_base64(),
        core.active_client()
            .await
            .expect("client")
            .policies()
            .get(created.id)
            .await
            .expect("get")
            .data
            .to_base64(),
        "the Base64 on the server is that of the expected text"
    );
}

#[tokio::test]
async fn copy_rename_diff_and_unsaved_edit_diff() {
    let fx = Fixture::new();
    let core = sandbox_core(&fx).await;
    let policies = core.policies().await.expect("list");
    let source = policies.first().expect("the demo has policies");
    let copy = core
        .create_policy("Copy", Some(source.id))
        .await
        .expect("copy");
    assert_eq!(copy.text, source.data.to_text(), "a copy has the same text");
    assert_ne!(copy.id, source.id);
    let renamed = core
        .rename_policy(copy.id, "  Copy (renamed) ")
        .await
        .expect("rename");
    assert_eq!(renamed.name, "Copy (renamed)");
    assert_eq!(renamed.text, copy.text, "renaming keeps the items");
    assert_eq!(
        core.rename_policy(copy.id, " ")
            .await
            .expect_err("empty")
            .code(),
        ErrorCode::Invalid
    );

    let same = core.policy_diff(source.id, copy.id).await.expect("diff");
    assert!(same.same_text && same.rows.iter().all(|r| r.change == DiffKind::Same));

    let edits = [
        PolicyEdit {
            key: "trillian.history.cloud".into(),
            value: Some("0".into()),
        },
        PolicyEdit {
            key: "acme.new".into(),
            value: Some("x".into()),
        },
    ];
    let before_after = core.policy_edit_diff(copy.id, &edits).await.expect("diff");
    let changed: Vec<(&str, DiffKind)> = before_after
        .rows
        .iter()
        .filter(|r| r.change != DiffKind::Same)
        .map(|r| (r.key.as_str(), r.change))
        .collect();
    let cloud = if source.data.get("trillian.history.cloud") == Some("0") {
        vec![]
    } else if source.data.get("trillian.history.cloud").is_some() {
        vec![("trillian.history.cloud", DiffKind::Changed)]
    } else {
        vec![("trillian.history.cloud", DiffKind::Added)]
    };
    let mut want = cloud;
    want.push(("acme.new", DiffKind::Added));
    assert_eq!(changed, want);
    assert_eq!(
        server_text(&core, copy.id).await,
        copy.text,
        "a diff saves nothing"
    );
}

#[tokio::test]
async fn usage_delete_refusal_and_effective_policy() {
    let fx = Fixture::new();
    let core = sandbox_core(&fx).await;
    let client = core.active_client().await.expect("client");
    let own = core.create_policy("Own", None).await.expect("create");
    let grp = core
        .create_policy("For the group", None)
        .await
        .expect("create");
    let group = core
        .create_group(&NewGroup {
            displayname: "Policy testers".into(),
            name: "policy-testers".into(),
            ..NewGroup::default()
        })
        .await
        .expect("group");
    core.update_group(
        group.id,
        &GroupUpdate {
            policy: Some(grp.id),
            ..GroupUpdate::default()
        },
    )
    .await
    .expect("give the group its policy");
    let users = client.users().list().await.expect("users");
    let (a, b) = (&users[0].name, &users[1].name);
    for (im, policy) in [(a, own.id), (b, 0)] {
        client
            .users()
            .update(
                im,
                &UserUpdate {
                    group: Some(group.id),
                    policy: Some(policy),
                    ..UserUpdate::default()
                },
            )
            .await
            .expect("move user");
    }

    let usage = core.policy_usage(grp.id).await.expect("usage");
    assert_eq!(usage.groups.len(), 1);
    assert_eq!(usage.groups[0].displayname, "Policy testers");
    assert_eq!(usage.inheriting_users, 1, "b inherits it, a has its own");
    let usage = core.policy_usage(own.id).await.expect("usage");
    assert_eq!(usage.users, std::slice::from_ref(a));

    let err = core.delete_policy(grp.id).await.expect_err("in use");
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(
        err.to_string().contains("Policy testers"),
        "names the group: {err}"
    );
    assert!(client.policies().get(grp.id).await.is_ok(), "still there");

    match core.effective_policy(a).await.expect("effective") {
        EffectivePolicy::User { policy, .. } => assert_eq!(policy.id, own.id),
        other => panic!("a has their own: {other:?}"),
    }
    match core.effective_policy(b).await.expect("effective") {
        EffectivePolicy::Group {
            policy, group: g, ..
        } => {
            assert_eq!((policy.id, g.id), (grp.id, group.id));
        }
        other => panic!("b inherits: {other:?}"),
    }

    let unused = core.create_policy("Unused", None).await.expect("create");
    core.delete_policy(unused.id).await.expect("delete unused");
    assert!(client.policies().get(unused.id).await.is_err(), "gone");
}

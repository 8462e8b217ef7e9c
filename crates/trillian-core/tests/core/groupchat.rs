//! Group chats, members and message history against a real sandbox on port 0: create/edit with
//! flags (unknown bits kept), members (add users and a group, Op, bulk remove, re-runs),
//! sending as an identity whose token is in the real keyring, weeks, deleting a block / a week /
//! all, and exports whose manifest checksums are verified and whose HTML escapes hostile text.

use sha2::{Digest, Sha256};
use trillian_core::groupchat::{GroupChatEdit, with_flag};
use trillian_core::job::{Cancel, Job};
use trillian_core::message::{ExportFormat, ExportRequest, Owner, WeekRef};
use trillian_core::{Core, ErrorCode, ProfileDraft, StoreKind, Token};
use trillian_sandbox::{Config, Sandbox};

use crate::{Fixture, files_containing, require_session, secret_tool_lookup};

const DOMAIN: &str = "chat.test";

async fn connected(fx: &Fixture) -> (Core, Sandbox) {
    let sandbox = Sandbox::start(Config::new(DOMAIN).demo(true))
        .await
        .expect("sandbox");
    let core = fx.core(StoreKind::SecretService);
    let p = core
        .save_profile(ProfileDraft {
            id: None,
            name: "chat".into(),
            base_url: sandbox.url().into(),
            domain: DOMAIN.into(),
            ca_cert_pem: None,
            post_for_updates: false,
            own_address: None,
        })
        .expect("profile");
    core.set_token(&p.id, Token::new(sandbox.admin_token(DOMAIN)))
        .await
        .expect("admin token");
    core.set_active(&p.id).expect("active");
    (core, sandbox)
}

#[tokio::test]
async fn create_edit_flags_and_members() {
    require_session();
    let fx = Fixture::new();
    let (core, _sandbox) = connected(&fx).await;

    let unknown = 0x4000_0000;
    let chat = core
        .create_groupchat("QA room", "Bugs & <fixes>", 0x200 | unknown)
        .await
        .expect("create");
    assert_eq!(chat.display_name, "QA room");
    assert_eq!(chat.topic, "Bugs & <fixes>", "topic set after create");
    assert_eq!(chat.flags, 0x200 | unknown, "unknown bit kept on create");
    assert_eq!(chat.flag_names, vec!["GROUPCHAT_DISABLE_TOPIC_SET"]);

    // Switch one named flag on, one off: the unknown bit survives.
    let flags = with_flag(with_flag(chat.flags, 0x400, true), 0x200, false);
    let edited = core
        .update_groupchat(
            &chat.name,
            &GroupChatEdit {
                display_name: Some("QA".into()),
                topic: None,
                flags: Some(flags),
            },
        )
        .await
        .expect("update");
    assert_eq!(edited.display_name, "QA");
    assert_eq!(edited.topic, "Bugs & <fixes>", "topic untouched");
    assert_eq!(edited.flags, 0x400 | unknown);
    assert_eq!(
        core.groupchat(&chat.name).await.expect("get").flags,
        0x400 | unknown,
        "the server holds the same word"
    );

    // Members: two users, then everyone in a group; a re-run skips who is there.
    let users = core.users().await.expect("users");
    let pick: Vec<String> = users.iter().take(2).map(|u| u.name.clone()).collect();
    let mut seen = 0;
    let report = core
        .add_groupchat_members(&chat.name, pick.clone(), 0, &Job::new(2), |_| seen += 1)
        .await
        .expect("add");
    assert_eq!((report.succeeded(), seen), (2, 2), "{report:?}");
    let again = core
        .add_groupchat_members(&chat.name, pick.clone(), 0, &Job::new(2), |_| {})
        .await
        .expect("re-add");
    assert_eq!(again.skipped(), 2, "re-run adds nobody twice");

    let candidates = core.member_candidates().await.expect("candidates");
    assert_eq!(candidates.users.len(), users.len());
    let group = users[5].group;
    let listed = candidates
        .groups
        .iter()
        .find(|g| g.id == group)
        .expect("the user's group is a candidate");
    let in_group = core.group_member_ims(group).await.expect("group members");
    assert!(!in_group.is_empty());
    assert_eq!(
        listed.users as usize,
        in_group.len(),
        "group size shown in the picker"
    );
    core.add_groupchat_members(&chat.name, in_group.clone(), 0, &Job::new(4), |_| {})
        .await
        .expect("add group");
    let members = core.groupchat_members(&chat.name).await.expect("members");
    for im in pick.iter().chain(&in_group) {
        assert!(members.iter().any(|m| &m.im == im), "{im} is a member");
    }

    // Op through POST to an existing member.
    let op = core
        .set_member_flags(&chat.name, &pick[0], 0x1)
        .await
        .expect("op");
    assert!(op.op && !op.voice);
    let members = core.groupchat_members(&chat.name).await.expect("members");
    let m0 = members
        .iter()
        .find(|m| m.im == pick[0])
        .expect("still there");
    assert!(m0.op, "Op stored on the server");
    let err = core
        .set_member_flags(&chat.name, "nobody@chat.test", 1)
        .await
        .expect_err("not a member");
    assert_eq!(err.code(), ErrorCode::Invalid);

    // The list shows the chat with its member count.
    let list = core.groupchat_summaries().await.expect("list");
    let row = list.iter().find(|c| c.name == chat.name).expect("listed");
    assert_eq!(row.member_count as usize, members.len());

    // Bulk remove with progress; a re-run skips.
    let all: Vec<String> = members.iter().map(|m| m.im.clone()).collect();
    let mut progress = Vec::new();
    let report = core
        .remove_groupchat_members(&chat.name, all.clone(), &Job::new(3), |p| {
            progress.push(p.done)
        })
        .await
        .expect("remove");
    assert_eq!(report.succeeded(), all.len());
    assert_eq!(progress.len(), all.len(), "one progress report per member");
    assert!(
        core.groupchat_members(&chat.name)
            .await
            .expect("members")
            .is_empty()
    );
    let again = core
        .remove_groupchat_members(&chat.name, all.clone(), &Job::new(3), |_| {})
        .await
        .expect("re-remove");
    assert_eq!(again.skipped(), all.len());
    let journal = core.journal(100).expect("journal");
    assert!(
        journal
            .iter()
            .any(|e| e.action == "groupchat.member.remove")
    );
}

#[tokio::test]
async fn send_as_identity_weeks_export_and_delete() {
    require_session();
    let fx = Fixture::new();
    let (core, sandbox) = connected(&fx).await;
    let chat = core
        .create_groupchat("History", "", 0)
        .await
        .expect("create");
    let owner = Owner::GroupChat {
        name: chat.name.clone(),
    };
    let users = core.users().await.expect("users");
    let me = users[0].name.clone();
    core.add_groupchat_members(&chat.name, vec![me.clone()], 0, &Job::new(1), |_| {})
        .await
        .expect("member");

    // No token stored: a clear error naming the identity.
    let err = core
        .send_message(&owner, &me, "hi")
        .await
        .expect_err("no identity token");
    assert_eq!(err.code(), ErrorCode::NoToken);
    assert!(err.to_string().contains(&me), "{err}");

    let token = sandbox.user_token(DOMAIN, &me).expect("demo user token");
    core.set_identity_token(&me, Token::new(token.clone()))
        .await
        .expect("store identity");
    assert!(core.has_identity_token(&me).await.expect("has"));
    assert_eq!(core.identities().expect("identities"), vec![me.clone()]);
    assert_eq!(
        secret_tool_lookup(
            &fx.service,
            &format!("identity:{}:{me}", core.active_profile().expect("p").id)
        )
        .as_deref(),
        Some(token.as_str()),
        "the token is in the real keyring"
    );

    let hostile = r#"<script>alert("x")</script> & 'q' <img src=x onerror=alert(1)>"#;
    for text in ["first", hostile, "third, with a comma\nand a line"] {
        core.send_message(&owner, &me, text).await.expect("send");
    }
    let history = core.history(&owner).await.expect("weeks");
    assert_eq!(history.weeks.len(), 1, "{history:?}");
    assert_eq!(history.total_messages, 3);
    let w = &history.weeks[0];
    assert_eq!(w.with, chat.name, "a group chat's one conversation");
    let week = WeekRef {
        year: w.year,
        week: w.week,
    };
    let today = time::OffsetDateTime::now_utc().date();
    let (iy, iw, _) = today.to_iso_week_date();
    assert_eq!((week.year, week.week), (iy, u32::from(iw)), "this ISO week");
    let msgs = core
        .history_week(&owner, &w.conversation, week)
        .await
        .expect("week");
    assert_eq!(msgs.len(), 3);
    assert!(msgs.iter().all(|m| m.from == me));
    assert!(msgs.iter().any(|m| m.text == hostile));

    // Export everything, check the manifest against the bytes on disk.
    let out = tempfile::tempdir().expect("out");
    let mut steps = Vec::new();
    let report = core
        .export_history(
            &owner,
            &ExportRequest {
                weeks: None,
                formats: vec![ExportFormat::Html, ExportFormat::Jsonl, ExportFormat::Csv],
                dir: out.path().to_path_buf(),
                base_name: "history".into(),
            },
            &Cancel::new(),
            |p| steps.push(p.item),
        )
        .await
        .expect("export");
    assert_eq!(report.messages, 3);
    assert_eq!(steps, vec![week.label()]);
    let manifest =
        std::fs::read_to_string(out.path().join(&report.manifest)).expect("manifest file");
    assert_eq!(manifest.lines().count(), 3);
    for line in manifest.lines() {
        let (sum, file) = line.split_once("  ").expect("sha256sum format");
        let bytes = std::fs::read(out.path().join(file)).expect("exported file");
        assert_eq!(
            format!("{:x}", Sha256::digest(&bytes)),
            sum,
            "checksum of {file}"
        );
    }
    if let Ok(o) = std::process::Command::new("sha256sum")
        .arg("-c")
        .arg(&report.manifest)
        .current_dir(out.path())
        .output()
    {
        assert!(o.status.success(), "sha256sum -c: {o:?}");
    }
    let html = std::fs::read_to_string(out.path().join("history.html")).expect("html");
    assert!(!html.contains("<script>alert"), "hostile text escaped");
    assert!(!html.contains("<img src=x"), "hostile text escaped");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"));
    let jsonl = std::fs::read_to_string(out.path().join("history.jsonl")).expect("jsonl");
    let texts: Vec<String> = jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            v["text"].as_str().expect("text").to_owned()
        })
        .collect();
    assert!(
        texts.iter().any(|t| t == hostile),
        "JSONL holds the exact text"
    );
    let mut csv = csv::Reader::from_path(out.path().join("history.csv")).expect("csv");
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .any(|r| &r[6] == "third, with a comma\nand a line")
    );
    // Tokens never in a file.
    assert!(files_containing(fx.dir.path(), &token).is_empty());
    assert!(files_containing(out.path(), &token).is_empty());

    // A cancelled export leaves nothing behind.
    let cancelled_dir = tempfile::tempdir().expect("out");
    let cancel = Cancel::new();
    cancel.cancel();
    let err = core
        .export_history(
            &owner,
            &ExportRequest {
                weeks: Some(vec![week]),
                formats: vec![ExportFormat::Csv],
                dir: cancelled_dir.path().to_path_buf(),
                base_name: "x".into(),
            },
            &cancel,
            |_| {},
        )
        .await
        .expect_err("cancelled");
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(
        std::fs::read_dir(cancelled_dir.path())
            .expect("dir")
            .count(),
        0
    );

    // Delete a block (the hostile message only).
    let block: Vec<_> = msgs.iter().filter(|m| m.text == hostile).cloned().collect();
    core.delete_messages(&owner, &w.conversation, week, &block)
        .await
        .expect("delete block");
    let left = core
        .history_week(&owner, &w.conversation, week)
        .await
        .expect("week");
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|m| m.text != hostile));

    // Delete the week.
    core.delete_week(&owner, &w.conversation, week)
        .await
        .expect("delete week");
    let h = core.history(&owner).await.expect("weeks");
    assert_eq!(h.total_messages, 0, "{h:?}");

    // A demo chat with several weeks: delete all.
    let demo = core
        .groupchat_summaries()
        .await
        .expect("list")
        .into_iter()
        .find(|c| c.last_message_ms > 0)
        .expect("a demo chat with history");
    let demo_owner = Owner::GroupChat { name: demo.name };
    let h = core.history(&demo_owner).await.expect("weeks");
    assert!(h.weeks.len() > 1, "demo history spans weeks: {h:?}");
    assert_eq!(
        core.delete_history(&demo_owner).await.expect("delete all"),
        1
    );
    assert_eq!(
        core.history(&demo_owner)
            .await
            .expect("weeks")
            .total_messages,
        0
    );

    // A user's history: one conversation per partner.
    let other = users[1].name.clone();
    let to_user = Owner::User { im: other.clone() };
    core.send_message(&to_user, &me, "direct <b>hello</b>")
        .await
        .expect("send to a user");
    let mine = core
        .history(&Owner::User { im: me.clone() })
        .await
        .expect("user weeks");
    let with_other: Vec<_> = mine.weeks.iter().filter(|w| w.with == other).collect();
    assert_eq!(with_other.len(), 1, "{mine:?}");
    assert!(with_other[0].messages >= 1);
    let nobody = users
        .iter()
        .rev()
        .find(|u| u.name != me && u.name != other)
        .expect("a third user");
    core.history(&Owner::User {
        im: nobody.name.clone(),
    })
    .await
    .expect("a user's history, even an empty one");

    core.clear_identity_token(&me).await.expect("clear");
    assert!(core.identities().expect("identities").is_empty());
    assert!(!core.has_identity_token(&me).await.expect("has"));
}

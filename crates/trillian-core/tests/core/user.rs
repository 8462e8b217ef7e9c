//! Users and presence against a real sandbox on port 0 (HTTP on 127.0.0.1), checking the
//! server's own answers after each change: the in-memory list, detail operations, avatars,
//! CSV import (bad rows, dry run, cancel, re-run without duplicates), export, bulk actions.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use trillian_api::model::UserFlags;
use trillian_core::job::{Cancel, JobReport, Outcome};
use trillian_core::user::{
    BulkAction, ImportOptions, RowState, UserChanges, UserColumn, UserDraft, UserQuery,
};
use trillian_core::{Core, ErrorCode, ProfileDraft, StoreKind, Token};
use trillian_sandbox::{Config, Sandbox};

use crate::Fixture;

const DOMAIN: &str = "acme.test";

struct Setup {
    _fx: Fixture,
    sandbox: Sandbox,
    core: Core,
}

async fn setup(demo: bool) -> Setup {
    let sandbox = Sandbox::start(Config::new(DOMAIN).demo(demo))
        .await
        .expect("sandbox on port 0");
    let fx = Fixture::new();
    let core = fx.core(StoreKind::SessionOnly);
    let profile = core
        .save_profile(ProfileDraft {
            id: None,
            name: "acme".into(),
            base_url: sandbox.url().to_owned(),
            domain: DOMAIN.into(),
            ca_cert_pem: None,
            post_for_updates: false,
            own_address: None,
        })
        .expect("profile");
    core.set_token(&profile.id, Token::new(sandbox.admin_token(DOMAIN)))
        .await
        .expect("token");
    core.set_active(&profile.id).expect("active");
    Setup {
        _fx: fx,
        sandbox,
        core,
    }
}

fn q(limit: usize) -> UserQuery {
    UserQuery {
        limit,
        ..UserQuery::default()
    }
}

async fn server_user(core: &Core, im: &str) -> Option<trillian_api::model::User> {
    let client = core.active_client().await.expect("client");
    match client.users().get(im).await {
        Ok(u) => Some(u),
        Err(trillian_api::Error::NotFound { .. }) => None,
        Err(e) => panic!("get {im}: {e}"),
    }
}

async fn server_count(core: &Core) -> usize {
    core.users().await.expect("list").len()
}

fn statuses(report: &JobReport) -> Vec<&'static str> {
    report
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
async fn the_list_is_paged_sorted_filtered_and_follows_changes() {
    let s = setup(true).await;
    let core = &s.core;
    let facets = core.users_load(true).await.expect("load");
    let on_server = core.users().await.expect("server list");
    assert_eq!(facets.all, on_server.len(), "every user loaded");
    let disabled_on_server = on_server.iter().filter(|u| u.is_disabled()).count();
    assert_eq!(facets.disabled, disabled_on_server);

    let page = core.users_page(q(10)).await.expect("page");
    assert_eq!(page.total, on_server.len());
    assert_eq!(page.rows.len(), 10, "a window, not the whole list");
    let mut addresses: Vec<String> = on_server.iter().map(|u| u.name.clone()).collect();
    addresses.sort_by_key(|a| a.to_lowercase());
    assert_eq!(page.rows[0].address, addresses[0], "sorted by address");
    let second = core
        .users_page(UserQuery {
            offset: 10,
            ..q(10)
        })
        .await
        .expect("page 2");
    assert_eq!(second.rows[0].address, addresses[10], "the next window");

    let newest_first = core
        .users_page(UserQuery {
            sort: UserColumn::Created,
            descending: true,
            ..q(5)
        })
        .await
        .expect("by created");
    let max_created = on_server.iter().map(|u| u.created_at).max();
    assert_eq!(newest_first.rows.first().map(|r| r.created_at), max_created);

    let disabled = core
        .users_page(UserQuery {
            disabled: Some(true),
            ..q(100)
        })
        .await
        .expect("disabled only");
    assert_eq!(disabled.total, disabled_on_server);
    assert!(disabled.rows.iter().all(|r| r.disabled));

    // Create: refused drafts send nothing.
    let bad = core
        .user_create(UserDraft {
            im: "zed@elsewhere.test".into(),
            password: "tide-pool-7".into(),
            ..UserDraft::default()
        })
        .await
        .expect_err("other domain");
    assert_eq!(bad.code(), ErrorCode::Invalid);
    let weak = core
        .user_create(UserDraft {
            im: "zed".into(),
            password: "short".into(),
            ..UserDraft::default()
        })
        .await
        .expect_err("weak password");
    assert!(weak.to_string().contains("password"), "{weak}");
    assert_eq!(
        server_count(core).await,
        on_server.len(),
        "nothing was sent"
    );

    let row = core
        .user_create(UserDraft {
            im: "zed".into(),
            password: "tide-pool-7".into(),
            email: "zed@mail.test".into(),
            display_name: "Zed Quill".into(),
            ..UserDraft::default()
        })
        .await
        .expect("create");
    assert_eq!(row.address, "zed@acme.test");
    let created = server_user(core, "zed@acme.test")
        .await
        .expect("on the server");
    assert_eq!(created.displayname, "Zed Quill");
    let found = core
        .users_page(UserQuery {
            search: "QUILL".into(),
            ..q(10)
        })
        .await
        .expect("search");
    assert_eq!(found.total, 1, "the new user is in the list at once");

    // A duplicate: the server's reason comes back.
    let dup = core
        .user_create(UserDraft {
            im: "zed".into(),
            password: "tide-pool-7".into(),
            ..UserDraft::default()
        })
        .await
        .expect_err("duplicate");
    assert!(!dup.to_string().is_empty());

    // Update, disable, enable, new password.
    core.user_update(
        "zed@acme.test",
        UserChanges {
            display_name: Some("Zed Q. Quill".into()),
            email: Some("zq@mail.test".into()),
            ..UserChanges::default()
        },
    )
    .await
    .expect("update");
    let updated = server_user(core, "zed@acme.test").await.expect("there");
    assert_eq!(
        (updated.displayname.as_str(), updated.email.as_str()),
        ("Zed Q. Quill", "zq@mail.test")
    );
    assert!(
        core.user_update(
            "zed@acme.test",
            UserChanges {
                email: Some("not-an-email".into()),
                ..UserChanges::default()
            }
        )
        .await
        .is_err(),
        "bad e-mail refused"
    );

    let row = core
        .user_set_disabled("zed@acme.test", true)
        .await
        .expect("disable");
    assert!(row.disabled);
    let on = server_user(core, "zed@acme.test").await.expect("kept");
    assert!(
        on.flags.contains(UserFlags::DISABLED),
        "flag 0x1 on the server"
    );
    assert_eq!(
        on.displayname, "Zed Q. Quill",
        "disabled users keep their data"
    );
    core.user_set_disabled("zed@acme.test", false)
        .await
        .expect("enable");
    assert!(
        !server_user(core, "zed@acme.test")
            .await
            .expect("there")
            .is_disabled()
    );

    let password = core
        .user_reset_password("zed@acme.test")
        .await
        .expect("password");
    assert_eq!(password.len(), 16);

    // Delete: the address must be typed.
    let refused = core
        .user_delete("zed@acme.test", "zed")
        .await
        .expect_err("confirmation");
    assert_eq!(refused.code(), ErrorCode::Invalid);
    assert!(
        server_user(core, "zed@acme.test").await.is_some(),
        "not deleted"
    );
    core.user_delete("zed@acme.test", "zed@acme.test")
        .await
        .expect("delete");
    assert!(
        server_user(core, "zed@acme.test").await.is_none(),
        "gone from the server"
    );
    let gone = core
        .users_page(UserQuery {
            search: "quill".into(),
            ..q(10)
        })
        .await
        .expect("search");
    assert_eq!(gone.total, 0, "gone from the list");

    let journal = core.journal(50).expect("journal");
    for action in [
        "user.create",
        "user.update",
        "user.disable",
        "user.password",
        "user.delete",
    ] {
        assert!(
            journal.iter().any(|e| e.action == action),
            "{action} journalled"
        );
    }
    assert!(
        journal
            .iter()
            .all(|e| !format!("{e:?}").contains(&password)),
        "a password never reaches the journal"
    );
    s.sandbox.shutdown().await;
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, y| {
        Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("png");
    out
}

#[tokio::test]
async fn avatars_are_squared_locally_then_set_read_and_deleted() {
    let s = setup(false).await;
    let core = &s.core;
    core.user_create(UserDraft {
        im: "ava".into(),
        password: "tide-pool-7".into(),
        ..UserDraft::default()
    })
    .await
    .expect("create");
    assert_eq!(
        core.avatar_get("ava@acme.test").await.expect("get"),
        None,
        "none yet"
    );

    let sent = core
        .avatar_set("ava@acme.test", png(900, 400))
        .await
        .expect("set");
    let client = core.active_client().await.expect("client");
    let stored = client
        .users()
        .avatar("ava@acme.test")
        .get()
        .await
        .expect("server avatar");
    assert_eq!(stored.bytes, sent, "the server holds the PNG we made");
    let img = image::load_from_memory(&stored.bytes).expect("a PNG");
    assert_eq!((img.width(), img.height()), (256, 256), "square, resized");

    let shown = core
        .avatar_get("ava@acme.test")
        .await
        .expect("get")
        .expect("some");
    assert!(
        shown.starts_with(b"\x89PNG"),
        "decoded and re-encoded for the UI"
    );

    // Junk never reaches the server.
    let err = core
        .avatar_set("ava@acme.test", b"GIF89a broken".to_vec())
        .await
        .expect_err("junk");
    assert_eq!(err.code(), ErrorCode::Invalid);
    let still = client
        .users()
        .avatar("ava@acme.test")
        .get()
        .await
        .expect("server avatar");
    assert_eq!(still.bytes, sent, "unchanged");

    core.avatar_delete("ava@acme.test").await.expect("delete");
    assert_eq!(core.avatar_get("ava@acme.test").await.expect("get"), None);
    s.sandbox.shutdown().await;
}

fn import_csv(good: usize) -> String {
    let mut csv = String::from("User,Display Name,E-mail,Password,Group\n");
    for i in 0..good {
        csv.push_str(&format!(
            "new{i:03},New Person {i},new{i}@mail.test,tide-pool-{i}x,\n"
        ));
    }
    csv.push_str("bad name,Bad,bad@mail.test,tide-pool-7,\n"); // address
    csv.push_str("weak,Weak,weak@mail.test,pw,\n"); // password
    csv.push_str("nomail,No Mail,not-an-email,tide-pool-7,\n"); // e-mail
    csv.push_str("lost,Lost,lost@mail.test,tide-pool-7,No Such Group\n"); // group
    csv.push_str("new000,Again,again@mail.test,tide-pool-7,\n"); // listed twice
    csv
}

#[tokio::test]
async fn csv_import_checks_rows_dry_runs_cancels_and_reruns_without_duplicates() {
    let s = setup(false).await;
    let core = &s.core;
    let good = 60;
    let csv = import_csv(good);
    let before = server_count(core).await;

    let preview = core
        .users_import_preview(csv.as_bytes(), None, false)
        .await
        .expect("preview");
    assert_eq!(
        preview.mapping.im,
        Some(0),
        "mapping guessed from the headers"
    );
    assert_eq!(preview.mapping.password, Some(3));
    assert_eq!(
        (
            preview.total,
            preview.new,
            preview.invalid,
            preview.existing
        ),
        (good + 5, good, 4, 1)
    );
    let lost = preview
        .rows
        .iter()
        .find(|r| r.address == "lost@acme.test")
        .expect("row");
    assert_eq!(lost.state, RowState::Invalid);
    assert!(
        lost.problems.iter().any(|p| p.contains("No Such Group")),
        "{:?}",
        lost.problems
    );

    let options = ImportOptions {
        mapping: preview.mapping.clone(),
        ..ImportOptions::default()
    };
    let dry = core
        .users_import(
            csv.as_bytes(),
            ImportOptions {
                dry_run: true,
                ..options.clone()
            },
            Cancel::new(),
            |_| {},
        )
        .await
        .expect("dry run");
    assert_eq!(dry.succeeded(), good, "would be created");
    assert_eq!(dry.failed(), 4);
    assert_eq!(server_count(core).await, before, "a dry run sends nothing");

    // Interrupted: cancel after 10 rows have finished.
    let cancel = Cancel::new();
    let mut events = 0;
    let first = core
        .users_import(csv.as_bytes(), options.clone(), cancel.clone(), |_| {
            events += 1;
            if events == 10 {
                cancel.cancel();
            }
        })
        .await
        .expect("first run");
    assert!(first.cancelled, "the run stopped");
    assert!(first.not_started() > 0, "rows left for later");
    let created_first = first.succeeded();
    assert!(
        created_first >= 1 && created_first < good,
        "{created_first} created"
    );
    assert_eq!(
        server_count(core).await,
        before + created_first,
        "what was reported is there"
    );

    // Re-run: the rest is created, nothing twice.
    let second = core
        .users_import(csv.as_bytes(), options.clone(), Cancel::new(), |_| {})
        .await
        .expect("second run");
    assert!(!second.cancelled);
    assert_eq!(
        second.succeeded(),
        good - created_first,
        "only the missing ones"
    );
    assert_eq!(
        second.skipped(),
        created_first + 1,
        "existing ones and the repeated row"
    );
    assert_eq!(second.failed(), 4, "bad rows fail again, with reasons");
    let all = core.users().await.expect("list");
    assert_eq!(all.len(), before + good, "every good row once");
    let mut names: Vec<&str> = all.iter().map(|u| u.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len(), "no duplicates");
    let s2 = statuses(&second);
    assert_eq!(s2.len(), good + 5, "a result per row");
    let weak = second
        .items
        .iter()
        .find(|i| i.item.contains("weak@"))
        .expect("weak row reported");
    match &weak.outcome {
        Outcome::Failed { message, .. } => assert!(message.contains("password"), "{message}"),
        other => panic!("weak row: {other:?}"),
    }
    let report = trillian_core::user::import::report_csv(&second).expect("report");
    assert_eq!(report.lines().count(), good + 6, "header + a line per row");

    // The imported users are in the list the screen pages through.
    let page = core
        .users_page(UserQuery {
            search: "new person".into(),
            ..q(100)
        })
        .await
        .expect("page");
    assert_eq!(page.total, good);
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn bulk_actions_report_each_user_and_export_follows_the_view() {
    let s = setup(true).await;
    let core = &s.core;
    let facets = core.users_load(true).await.expect("load");
    let page = core
        .users_page(UserQuery {
            disabled: Some(false),
            ..q(3)
        })
        .await
        .expect("page");
    let mut targets: Vec<String> = page.rows.iter().map(|r| r.address.clone()).collect();
    let already = core
        .users_page(UserQuery {
            disabled: Some(true),
            ..q(1)
        })
        .await
        .expect("a disabled user");
    targets.push(already.rows[0].address.clone());

    let mut events = Vec::new();
    let report = core
        .users_bulk(
            BulkAction::Disable,
            targets.clone(),
            "",
            Cancel::new(),
            |p| events.push(p),
        )
        .await
        .expect("disable");
    assert_eq!(statuses(&report), ["done", "done", "done", "skipped"]);
    assert_eq!(events.len(), 4, "progress per user");
    for im in &targets {
        let u = server_user(core, im).await.expect("kept");
        assert!(u.is_disabled(), "{im} disabled on the server");
    }

    let group = facets
        .groups
        .iter()
        .find(|g| g.users > 0 && g.id != page.rows[0].group)
        .expect("another group")
        .id;
    let moved = core
        .users_bulk(
            BulkAction::MoveToGroup { group },
            targets.clone(),
            "",
            Cancel::new(),
            |_| {},
        )
        .await
        .expect("move");
    assert_eq!(moved.failed(), 0);
    for im in &targets {
        assert_eq!(
            server_user(core, im).await.expect("there").group,
            group,
            "{im} moved"
        );
    }
    assert!(
        core.users_bulk(
            BulkAction::MoveToGroup { group: 999_999 },
            targets.clone(),
            "",
            Cancel::new(),
            |_| {}
        )
        .await
        .is_err(),
        "unknown group refused before any request"
    );

    // Export of the current view: the disabled users, as CSV.
    let csv = core
        .users_export(UserQuery {
            disabled: Some(true),
            ..UserQuery::default()
        })
        .await
        .expect("export");
    let disabled_now = core
        .users()
        .await
        .expect("list")
        .iter()
        .filter(|u| u.is_disabled())
        .count();
    assert_eq!(
        csv.lines().count(),
        disabled_now + 1,
        "header + the view's rows"
    );
    assert!(csv.starts_with("address,display name,email,group,policy,disabled,status,created"));

    // Delete: the phrase names the count; re-running skips what is gone.
    let wrong = core
        .users_bulk(
            BulkAction::Delete,
            targets.clone(),
            "delete 3 users",
            Cancel::new(),
            |_| {},
        )
        .await
        .expect_err("wrong phrase");
    assert_eq!(wrong.code(), ErrorCode::Invalid);
    assert!(
        server_user(core, &targets[0]).await.is_some(),
        "nothing deleted"
    );
    let deleted = core
        .users_bulk(
            BulkAction::Delete,
            targets.clone(),
            "delete 4 users",
            Cancel::new(),
            |_| {},
        )
        .await
        .expect("delete");
    assert_eq!(deleted.succeeded(), 4);
    for im in &targets {
        assert!(server_user(core, im).await.is_none(), "{im} gone");
    }
    let again = core
        .users_bulk(
            BulkAction::Delete,
            targets.clone(),
            "delete 4 users",
            Cancel::new(),
            |_| {},
        )
        .await
        .expect("re-run");
    assert_eq!(again.skipped(), 4, "already gone");
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn presence_table_clients_and_setting_a_status() {
    let s = setup(true).await;
    let core = &s.core;
    let view = core.presence_view().await.expect("presence");
    let raw = core.presence().await.expect("raw");
    assert_eq!(view.rows.len(), raw.len());
    let with_device = raw
        .iter()
        .find(|p| !p.devices.is_empty())
        .expect("a device");
    let row = view
        .rows
        .iter()
        .find(|r| r.address == with_device.name)
        .expect("row");
    assert_eq!(
        row.devices[0].ip,
        with_device.devices[0].ip_dotted(),
        "dotted IP"
    );
    assert!(row.devices[0].ip.split('.').count() == 4);
    let devices: usize = raw.iter().map(|p| p.devices.len()).sum();
    assert_eq!(
        view.clients.iter().map(|c| c.devices).sum::<usize>(),
        devices
    );

    core.users_load(true).await.expect("load");
    let im = with_device.name.clone();
    core.presence_set(&im, 3, "In the lab".into())
        .await
        .expect("set");
    let after = core.presence_view().await.expect("presence");
    let row = after.rows.iter().find(|r| r.address == im).expect("row");
    assert_eq!(
        (row.status, row.status_label.as_str(), row.message.as_str()),
        (3, "Do not disturb", "In the lab")
    );
    let dnd = core
        .users_page(UserQuery {
            status: Some(3),
            search: im.clone(),
            ..q(10)
        })
        .await
        .expect("page");
    assert_eq!(dnd.total, 1, "the users list sees the new status");
    let bad = core
        .presence_set(&im, 42, String::new())
        .await
        .expect_err("status 42");
    assert_eq!(bad.code(), ErrorCode::Invalid);
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_profiles_own_account_is_never_deleted_or_disabled() {
    let s = setup(true).await;
    let core = &s.core;
    core.users_load(true).await.expect("load");
    let page = core
        .users_page(UserQuery {
            disabled: Some(false),
            ..q(2)
        })
        .await
        .expect("two enabled users");
    let (own, other) = (page.rows[0].address.clone(), page.rows[1].address.clone());
    let active = core.active_profile().expect("active profile");
    let local = own.split('@').next().unwrap_or_default().to_owned();
    core.save_profile(ProfileDraft {
        id: Some(active.id.clone()),
        name: active.name.clone(),
        base_url: active.base_url.clone(),
        domain: DOMAIN.into(),
        ca_cert_pem: None,
        post_for_updates: false,
        own_address: Some(local),
    })
    .expect("profile with an own address");
    assert_eq!(
        core.active_profile().and_then(|p| p.own_address),
        Some(own.clone()),
        "a bare name gets the domain"
    );

    let refused = core.user_delete(&own, &own).await.expect_err("own account");
    assert_eq!(refused.code(), ErrorCode::Invalid);
    assert!(
        refused.to_string().contains("your own account"),
        "{refused}"
    );
    let refused = core
        .user_set_disabled(&own, true)
        .await
        .expect_err("own account");
    assert_eq!(refused.code(), ErrorCode::Invalid);
    let kept = server_user(core, &own).await.expect("still there");
    assert!(!kept.is_disabled(), "and still enabled");

    let report = core
        .users_bulk(
            BulkAction::Delete,
            vec![own.clone(), other.clone()],
            &trillian_core::user::bulk_delete_phrase(2),
            Cancel::new(),
            |_| {},
        )
        .await
        .expect("bulk delete");
    assert_eq!(statuses(&report), ["skipped", "done"]);
    assert!(server_user(core, &own).await.is_some(), "own account kept");
    assert!(
        server_user(core, &other).await.is_none(),
        "the other deleted"
    );
}

//! Sandbox mode against the real embedded sandbox (HTTP on 127.0.0.1, SQLite in data_dir).

use trillian_api::{Client, Token};
use trillian_core::{ConnectionReport, ErrorCode, ProfileKind, SANDBOX_DOMAIN, StoreKind};
use trillian_sandbox::{AppState, Config, Owner, Sandbox};

use crate::{Fixture, files_containing};

/// An administrator token for the sandbox database of `fx`, issued through a second handle on
/// the file: the test's own way in, independent of trillian-core.
fn side_token(fx: &Fixture) -> (String, String) {
    let config = Config::new(SANDBOX_DOMAIN).db_path(fx.paths().data_dir.join("sandbox.sqlite3"));
    let state = AppState::open(&config, "http://127.0.0.1").expect("open the sandbox file");
    let issued = state
        .issue_token(SANDBOX_DOMAIN, Owner::Admin)
        .expect("issue");
    let admin = state.admin_token(SANDBOX_DOMAIN).expect("admin token");
    (issued, admin)
}

#[tokio::test]
async fn sandbox_mode_serves_the_demo_domain_as_the_active_profile() {
    let fx = Fixture::new();
    let core = fx.core(StoreKind::SessionOnly);
    let profile = core.start_sandbox().await.expect("start");
    assert_eq!(profile.kind, ProfileKind::Sandbox);
    assert_eq!(profile.domain, SANDBOX_DOMAIN);
    assert!(
        profile.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        profile.base_url
    );
    assert_eq!(
        core.active_profile().map(|p| p.id),
        Some(profile.id.clone())
    );
    assert!(
        core.has_token(&profile.id).await.expect("has"),
        "the running sandbox has a token"
    );

    // The dashboard agrees with the lists, and with an independent sandbox of the same seed.
    let dash = core.dashboard().await.expect("dashboard");
    let users = core.users().await.expect("users");
    assert!(!users.is_empty(), "the demo domain has users");
    assert_eq!(dash.counts.users, users.len());
    assert_eq!(
        dash.counts.groups,
        core.groups().await.expect("groups").len()
    );
    assert_eq!(
        dash.counts.policies,
        core.policies().await.expect("policies").len()
    );
    assert_eq!(
        dash.counts.groupchats,
        core.groupchats().await.expect("chats").len()
    );
    let presence = core.presence().await.expect("presence");
    let online = presence.iter().filter(|p| p.status.code() != 0).count();
    assert_eq!(dash.counts.online, online);
    assert_eq!(
        dash.presence.iter().map(|s| s.count).sum::<usize>(),
        users.len()
    );
    let devices: usize = presence.iter().map(|p| p.devices.len()).sum();
    assert_eq!(dash.clients.iter().map(|c| c.count).sum::<usize>(), devices);

    let other = Sandbox::start(Config::new(SANDBOX_DOMAIN).demo(true))
        .await
        .expect("other");
    let client = Client::builder(
        other.url(),
        SANDBOX_DOMAIN,
        Token::new(other.admin_token(SANDBOX_DOMAIN)),
    )
    .build()
    .expect("client");
    assert_eq!(
        client.users().list().await.expect("users").len(),
        dash.counts.users
    );
    assert_eq!(
        client.policies().list().await.expect("policies").len(),
        dash.counts.policies
    );
    other.shutdown().await;

    match core.test_connection(&profile.id).await.expect("test") {
        ConnectionReport::Ok { counts } => assert_eq!(counts, dash.counts),
        other => panic!("sandbox connection: {other:?}"),
    }

    // The sandbox's token is in none of our files (the sandbox's own database is the server).
    let (_, admin) = side_token(&fx);
    assert!(
        files_containing(&fx.paths().config_dir, &admin).is_empty(),
        "config holds no token"
    );
    let ours: Vec<String> = files_containing(&fx.paths().data_dir, &admin)
        .into_iter()
        .filter(|f| !f.contains("sandbox.sqlite3"))
        .collect();
    assert!(
        ours.is_empty(),
        "only the sandbox's database holds its token: {ours:?}"
    );
    core.stop_sandbox().await.expect("stop");
}

#[tokio::test]
async fn sandbox_data_is_kept_between_runs_and_reset_restores_it() {
    let fx = Fixture::new();
    let core = fx.core(StoreKind::SessionOnly);
    let first = core.start_sandbox().await.expect("start");
    let before = core.users().await.expect("users");

    // Change the data through the running server, with a token of our own.
    let (token, _) = side_token(&fx);
    let client = Client::builder(&first.base_url, SANDBOX_DOMAIN, Token::new(token))
        .build()
        .expect("client");
    let victim = before.last().expect("a user").name.clone();
    client.users().delete(&victim).await.expect("delete a user");
    assert_eq!(core.users().await.expect("users").len(), before.len() - 1);

    // Stop, start: same data (the database lives in data_dir), a new port.
    core.stop_sandbox().await.expect("stop");
    assert!(!core.sandbox_running().await);
    let second = core.start_sandbox().await.expect("restart");
    assert_eq!(
        core.users().await.expect("users").len(),
        before.len() - 1,
        "data kept"
    );
    assert_eq!(second.id, first.id, "the same profile, updated");
    assert_eq!(core.profiles().len(), 1);

    // Using the sandbox profile while it is stopped (the app restarted) starts it on demand.
    core.stop_sandbox().await.expect("stop");
    assert!(
        core.has_token(&second.id).await.expect("has"),
        "a token comes with the sandbox"
    );
    assert_eq!(
        core.users().await.expect("started on demand").len(),
        before.len() - 1
    );
    assert!(core.sandbox_running().await);
    let third = core.active_profile().expect("active");
    assert_eq!(
        third.base_url,
        core.profile(&second.id).expect("profile").base_url
    );

    core.reset_sandbox().await.expect("reset");
    let after = core.users().await.expect("users");
    assert_eq!(after.len(), before.len(), "the demo data is back");
    assert!(after.iter().any(|u| u.name == victim));

    // Removing the sandbox profile stops it.
    core.remove_profile(&second.id).await.expect("remove");
    assert!(!core.sandbox_running().await);
    assert!(core.profiles().is_empty());
    assert_eq!(
        core.users().await.expect_err("no active profile").code(),
        ErrorCode::NotFound
    );
    let actions: Vec<String> = core
        .journal(10)
        .expect("journal")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"sandbox.reset".to_owned()), "{actions:?}");
}

//! Profiles through `Core`, with tokens in the real keyring: never a token in a file.

use trillian_core::{ErrorCode, ProfileDraft, ProfileKind, StoreKind, Token};

use crate::{Fixture, files_containing, require_session, secret_tool_lookup, sentinel};

fn draft(name: &str) -> ProfileDraft {
    ProfileDraft {
        id: None,
        name: name.into(),
        base_url: "https://im.example.com".into(),
        domain: "example.com".into(),
        ca_cert_pem: None,
        post_for_updates: false,
        own_address: None,
    }
}

#[tokio::test]
async fn token_lives_in_the_keychain_only_through_save_update_restart_remove() {
    require_session();
    let fx = Fixture::new();
    let secret = sentinel();
    let no_token_in_files = |when: &str| {
        let hits = files_containing(fx.dir.path(), &secret);
        assert!(hits.is_empty(), "token found in files {when}: {hits:?}");
    };

    let core = fx.core(StoreKind::SecretService);
    let p = core.save_profile(draft("Office")).expect("save");
    assert_eq!(p.kind, ProfileKind::Server);
    assert!(!core.has_token(&p.id).await.expect("has"), "no token yet");
    core.set_token(&p.id, Token::new(secret.clone()))
        .await
        .expect("set token");
    assert!(core.has_token(&p.id).await.expect("has"));
    assert_eq!(
        secret_tool_lookup(&fx.service, &p.id).as_deref(),
        Some(secret.as_str())
    );
    no_token_in_files("after save + set_token");

    let mut update = draft("Office (renamed)");
    update.id = Some(p.id.clone());
    update.post_for_updates = true;
    let p2 = core.save_profile(update).expect("update");
    assert_eq!(p2.id, p.id, "update keeps the id");
    assert!(p2.post_for_updates);
    core.set_active(&p.id).expect("activate");
    no_token_in_files("after update");

    // Restart: a new Core over the same folders and a new keychain handle.
    drop(core);
    let core = fx.core(StoreKind::SecretService);
    let again = core.profile(&p.id).expect("profile persisted");
    assert_eq!(again.name, "Office (renamed)");
    assert_eq!(
        core.active_profile().map(|a| a.id),
        Some(p.id.clone()),
        "active persisted"
    );
    assert!(
        core.has_token(&p.id).await.expect("has"),
        "token survives a restart"
    );

    core.clear_token(&p.id).await.expect("logout");
    assert!(!core.has_token(&p.id).await.expect("has"));
    assert_eq!(
        secret_tool_lookup(&fx.service, &p.id),
        None,
        "logout deletes the entry"
    );

    core.set_token(&p.id, Token::new(secret.clone()))
        .await
        .expect("set again");
    core.remove_profile(&p.id).await.expect("remove");
    assert_eq!(
        secret_tool_lookup(&fx.service, &p.id),
        None,
        "removal deletes the entry"
    );
    assert!(core.profiles().is_empty());
    assert!(
        core.active_profile().is_none(),
        "the removed profile is no longer active"
    );
    no_token_in_files("after remove");

    let journal = core.journal(100).expect("journal");
    let actions: Vec<&str> = journal.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "profile.remove",
            "token.set",
            "token.clear",
            "profile.save",
            "token.set",
            "profile.save"
        ],
        "the journal lists each action, newest first"
    );
    no_token_in_files("after journaling");
}

#[tokio::test]
async fn bad_drafts_are_refused_and_nothing_is_written() {
    let fx = Fixture::new();
    let core = fx.core(StoreKind::SessionOnly);
    let mut d = draft("x");
    d.base_url = "http://im.example.com".into();
    let e = core
        .save_profile(d)
        .expect_err("plain http to a remote host");
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert!(e.to_string().contains("https"), "{e}");
    let mut d = draft("x");
    d.domain = " ".into();
    assert_eq!(
        core.save_profile(d).expect_err("empty domain").code(),
        ErrorCode::Invalid
    );
    let mut d = draft("x");
    d.id = Some("nope".into());
    assert_eq!(
        core.save_profile(d).expect_err("unknown id").code(),
        ErrorCode::NotFound
    );
    assert!(core.profiles().is_empty());
    assert_eq!(
        core.set_token("nope", Token::new("t"))
            .await
            .expect_err("unknown profile")
            .code(),
        ErrorCode::NotFound
    );
    let p = core.save_profile(draft("ok")).expect("save");
    assert_eq!(
        core.set_token(&p.id, Token::new("  "))
            .await
            .expect_err("empty token")
            .code(),
        ErrorCode::Invalid
    );
}

#[tokio::test]
async fn profiles_file_is_written_atomically_and_holds_no_token() {
    let fx = Fixture::new();
    let core = fx.core(StoreKind::SessionOnly);
    let secret = sentinel();
    for n in 0..20 {
        let p = core.save_profile(draft(&format!("p{n}"))).expect("save");
        core.set_token(&p.id, Token::new(secret.clone()))
            .await
            .expect("set");
    }
    let file = fx.paths().config_dir.join("profiles.json");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("valid JSON");
    assert_eq!(doc["profiles"].as_array().map(Vec::len), Some(20));
    let leftovers: Vec<String> = std::fs::read_dir(fx.paths().config_dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "profiles.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temp files left behind: {leftovers:?}"
    );
    assert!(files_containing(fx.dir.path(), &secret).is_empty());
}

#[tokio::test]
async fn two_processes_sharing_the_profiles_lose_no_update() {
    // The app and the CLI each hold a Core over the same folders.
    let fx = Fixture::new();
    let app = fx.core(StoreKind::SessionOnly);
    let cli = fx.core(StoreKind::SessionOnly);
    let a = app.save_profile(draft("from the app")).expect("app saves");
    assert!(cli.profile(&a.id).is_ok(), "the CLI sees the app's profile");
    // mtime granularity: make sure the next write is seen as a change even on coarse clocks.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let b = cli
        .save_profile(draft("from the CLI (a longer name)"))
        .expect("cli saves");
    cli.set_active(&b.id).expect("cli activates");
    let names: Vec<String> = app.profiles().into_iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        ["from the app", "from the CLI (a longer name)"],
        "nothing lost"
    );
    assert_eq!(
        app.active_profile().map(|p| p.id),
        Some(b.id),
        "the app sees the CLI's choice"
    );
}

#[test]
fn os_paths_are_the_shared_app_folders() {
    // scripts/test-env.sh points XDG_CONFIG_HOME / XDG_DATA_HOME at throw-away folders.
    crate::require_session();
    let paths = trillian_core::Paths::from_os().expect("paths");
    let config_home = std::env::var("XDG_CONFIG_HOME").expect("XDG_CONFIG_HOME is set");
    let data_home = std::env::var("XDG_DATA_HOME").expect("XDG_DATA_HOME is set");
    assert_eq!(
        paths.config_dir,
        std::path::Path::new(&config_home).join("trillian-server-admin"),
        "the app and the CLI share this folder"
    );
    assert_eq!(
        paths.data_dir,
        std::path::Path::new(&data_home).join("trillian-server-admin")
    );
}

//! The keychain against the real stores.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trillian_core::{ErrorCode, Keychain, KeychainStatus, StoreKind, Token};

use crate::{Fixture, require_session, secret_tool_lookup, sentinel, test_service};

#[tokio::test]
async fn secret_service_is_real_shared_and_deletable() {
    require_session();
    let service = test_service();
    let writer =
        Keychain::with_options(StoreKind::SecretService, &service, Duration::from_secs(10));
    let secret = sentinel();
    writer
        .set("p1", &Token::new(secret.clone()))
        .await
        .expect("set");

    // A second, independent handle (its own D-Bus connection) sees it.
    let reader =
        Keychain::with_options(StoreKind::SecretService, &service, Duration::from_secs(10));
    assert!(
        reader.has("p1").await.expect("has"),
        "a second Keychain instance reads the entry"
    );
    assert!(
        !reader.has("p2").await.expect("has"),
        "no entry for another profile"
    );

    // Another process (secret-tool, through libsecret) finds the very secret in the store.
    assert_eq!(
        secret_tool_lookup(&service, "p1").as_deref(),
        Some(secret.as_str()),
        "the Secret Service holds the token under service/username"
    );

    // Replacing keeps one entry with the new value.
    let second = sentinel();
    writer
        .set("p1", &Token::new(second.clone()))
        .await
        .expect("replace");
    assert_eq!(
        secret_tool_lookup(&service, "p1").as_deref(),
        Some(second.as_str())
    );

    writer.delete("p1").await.expect("delete");
    assert!(
        !reader.has("p1").await.expect("has"),
        "deleted for every handle"
    );
    assert_eq!(
        secret_tool_lookup(&service, "p1"),
        None,
        "the store no longer has it"
    );
    writer
        .delete("p1")
        .await
        .expect("deleting an absent entry is fine");

    match writer.status().await {
        KeychainStatus::Available {
            store, persistent, ..
        } => {
            assert_eq!(store, StoreKind::SecretService);
            assert!(persistent);
        }
        other => panic!("status: {other:?}"),
    }
}

#[tokio::test]
async fn keyutils_store_round_trips() {
    require_session();
    let service = test_service();
    let a = Keychain::with_options(StoreKind::Keyutils, &service, Duration::from_secs(10));
    let b = Keychain::with_options(StoreKind::Keyutils, &service, Duration::from_secs(10));
    a.set("p1", &Token::new(sentinel()))
        .await
        .expect("set in keyutils");
    assert!(
        b.has("p1").await.expect("has"),
        "another handle sees the kernel key"
    );
    a.delete("p1").await.expect("delete");
    assert!(!b.has("p1").await.expect("has"), "deleted");
    assert!(matches!(
        a.status().await,
        KeychainStatus::Available {
            store: StoreKind::Keyutils,
            ..
        }
    ));
}

#[tokio::test]
async fn session_only_never_touches_the_os_store() {
    require_session();
    let fx = Fixture::new();
    let kc = fx.keychain(StoreKind::SecretService);
    kc.use_session_only();
    assert_eq!(kc.kind(), StoreKind::SessionOnly);
    kc.set("p1", &Token::new(sentinel()))
        .await
        .expect("set in memory");
    assert!(kc.has("p1").await.expect("has"));
    assert_eq!(
        secret_tool_lookup(&fx.service, "p1"),
        None,
        "nothing reached the keyring"
    );
    let fresh = fx.keychain(StoreKind::SecretService);
    assert!(
        !fresh.has("p1").await.expect("has"),
        "another instance (a restart) has nothing"
    );
    assert!(matches!(
        kc.status().await,
        KeychainStatus::Available {
            store: StoreKind::SessionOnly,
            persistent: false,
            ..
        }
    ));
}

#[test]
fn debug_output_never_shows_a_token() {
    let secret = sentinel();
    let token = Token::new(secret.clone());
    let kc = Keychain::session_only();
    let text = format!("{token:?} {kc:?}");
    assert!(!text.contains(&secret), "{text}");
}

/// A Secret Service that hangs: the session bus address points at a socket that accepts
/// connections and never says a word. Runs in a child process (the bus address is read from
/// the environment, which a test must not change in its own, multi-threaded process).
#[test]
fn hung_secret_service_gives_a_typed_error_quickly() {
    if std::env::var_os("TRILLIAN_CORE_HANG_CHILD").is_some() {
        hung_child();
        return;
    }
    // The child listens on this socket itself, so that it can also hang up (recovery).
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("bus");
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([
        "keychain::hung_secret_service_gives_a_typed_error_quickly",
        "--exact",
        "--nocapture",
    ])
    .env("TRILLIAN_CORE_HANG_CHILD", &socket)
    .env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", socket.display()),
    );
    let (ok, text) = run_child(cmd, Duration::from_secs(60));
    assert!(ok && text.contains("HANG-CHILD-OK"), "child:\n{text}");
}

/// A "bus" that accepts connections and never says a word, until `hang_up` closes them.
fn silent_bus(socket: &std::path::Path) -> impl Fn() {
    let listener = std::os::unix::net::UnixListener::bind(socket).expect("bind");
    let held = Arc::new(Mutex::new(Vec::new()));
    let open = Arc::new(AtomicBool::new(true));
    let (h, o) = (Arc::clone(&held), Arc::clone(&open));
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            if o.load(Ordering::SeqCst) {
                h.lock().expect("held").push(conn); // accept, never answer
            }
        }
    });
    move || {
        open.store(false, Ordering::SeqCst);
        held.lock().expect("held").clear(); // close: the stuck caller gets EOF
    }
}

fn hung_child() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("rt");
    let socket = std::env::var_os("TRILLIAN_CORE_HANG_CHILD").expect("socket path");
    let hang_up = silent_bus(std::path::Path::new(&socket));
    let outcome = runtime.block_on(catch(async {
        let fx = Fixture::new();
        let kc = Keychain::with_options(
            StoreKind::SecretService,
            &fx.service,
            Duration::from_millis(500),
        );
        let core = trillian_core::Core::new(fx.paths(), kc.clone()).expect("core");
        let started = Instant::now();
        let status = core.keychain_status().await;
        let took = started.elapsed();
        match &status {
            KeychainStatus::Unavailable { reason, hint, .. } => {
                assert!(reason.contains("did not answer"), "reason: {reason}");
                assert!(
                    hint.contains("session-only"),
                    "hint offers session-only: {hint}"
                );
            }
            other => panic!("a hung store is unavailable, got {other:?}"),
        }
        assert!(took < Duration::from_secs(3), "the timeout fired: {took:?}");

        // Other commands keep working, and later keychain calls fail at once while the first
        // one is stuck, instead of each waiting out the timeout.
        assert!(core.profiles().is_empty());
        let started = Instant::now();
        let err = kc.has("p1").await.expect_err("hung store");
        assert_eq!(err.code(), ErrorCode::Keychain);
        assert!(err.to_string().contains("still not answering"), "{err}");
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(
            core.keychain_status().await,
            KeychainStatus::Unavailable { .. }
        ));

        // When the stuck call finally returns (the bus hangs up), calls are tried again.
        hang_up();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let err = kc.has("p1").await.expect_err("no bus now");
            if !err.to_string().contains("still not answering") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the stuck call was never released: {err}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // Session-only mode rescues the user.
        core.use_session_only();
        kc.set("p1", &Token::new("t"))
            .await
            .expect("session-only works");
        println!("HANG-CHILD-OK");
    }));
    // The stuck keychain thread never returns; dropping the runtime would wait for it forever
    // (an app must exit the same way: not wait on blocking keychain threads).
    runtime.shutdown_background();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Runs `fut`, turning a panic into an `Err`, so that the runtime can be shut down without
/// waiting for stuck keychain threads before the panic is re-raised.
async fn catch(fut: impl std::future::Future<Output = ()>) -> std::thread::Result<()> {
    use futures_util::FutureExt;
    std::panic::AssertUnwindSafe(fut).catch_unwind().await
}

#[tokio::test]
async fn no_secret_service_gives_a_fix_hint() {
    // Only meaningful with a session, so that we know the failure is the address we give.
    if std::env::var_os("TRILLIAN_CORE_NOBUS_CHILD").is_some() {
        let kc = Keychain::with_options(
            StoreKind::SecretService,
            &test_service(),
            Duration::from_secs(5),
        );
        match kc.status().await {
            KeychainStatus::Unavailable { hint, .. } => {
                assert!(
                    hint.contains("gnome-keyring") && hint.contains("session-only"),
                    "{hint}"
                );
                println!("NOBUS-CHILD-OK");
            }
            other => panic!("no bus must be unavailable: {other:?}"),
        }
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new(exe)
        .args([
            "keychain::no_secret_service_gives_a_fix_hint",
            "--exact",
            "--nocapture",
        ])
        .env("TRILLIAN_CORE_NOBUS_CHILD", "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", dir.path().join("nothing").display()),
        )
        .env_remove("DISPLAY")
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains("NOBUS-CHILD-OK"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A locked keyring (the login collection locked, no one to answer the unlock prompt): storing
/// a token fails with a typed keychain error, in bounded time, with a hint. Runs in a fresh test
/// session of its own (locking the shared one would disturb the other tests).
#[test]
fn locked_keyring_gives_a_typed_error_with_a_hint() {
    if std::env::var_os("TRILLIAN_CORE_LOCKED_CHILD").is_some() {
        locked_child();
        return;
    }
    require_session();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-env.sh");
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = std::process::Command::new(script);
    cmd.arg(exe)
        .args([
            "keychain::locked_keyring_gives_a_typed_error_with_a_hint",
            "--exact",
            "--nocapture",
        ])
        .env_remove("TEST_ENV_INNER")
        .env("TRILLIAN_CORE_LOCKED_CHILD", "1");
    let (ok, text) = run_child(cmd, Duration::from_secs(90));
    assert!(ok && text.contains("LOCKED-CHILD-OK"), "child:\n{text}");
}

/// Runs `cmd` with its output in files (a daemon it starts may keep pipes open), killing it
/// after `limit`. Returns whether it succeeded in time, and its output.
fn run_child(mut cmd: std::process::Command, limit: Duration) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("out");
    let out = std::fs::File::create(&out_path).expect("out file");
    let err = out.try_clone().expect("clone");
    let mut child = cmd.stdout(out).stderr(err).spawn().expect("child starts");
    let deadline = Instant::now() + limit;
    let ok = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status.success(),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break false;
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    (ok, std::fs::read_to_string(&out_path).unwrap_or_default())
}

fn locked_child() {
    // Lock the login collection through the Secret Service API itself.
    let status = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("dbus-send");
    assert!(status.success(), "locked the login collection");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("rt");
    let outcome = runtime.block_on(catch(async {
        let kc = Keychain::with_options(
            StoreKind::SecretService,
            &test_service(),
            Duration::from_secs(3),
        );
        let started = Instant::now();
        let status = kc.status().await;
        println!(
            "status of a locked keyring: {status:?} after {:?}",
            started.elapsed()
        );
        let started = Instant::now();
        let result = kc.set("p1", &Token::new(sentinel())).await;
        println!(
            "set in a locked keyring: {result:?} after {:?}",
            started.elapsed()
        );
        let err = result.expect_err("a locked keyring cannot store");
        assert_eq!(err.code(), ErrorCode::Keychain);
        assert!(err.to_string().contains("session-only"), "hint: {err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "bounded by the timeout"
        );
        match status {
            KeychainStatus::Unavailable { hint, .. } => {
                // Either the unlock prompt fails at once ("locked: unlock it") or it hangs
                // until the timeout ("waiting for an unlock prompt"): both say to unlock.
                assert!(
                    hint.contains("unlock") && hint.contains("session-only"),
                    "{hint}"
                )
            }
            other => panic!("a locked keyring is not available for storing: {other:?}"),
        }
        println!("LOCKED-CHILD-OK");
    }));
    runtime.shutdown_background();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

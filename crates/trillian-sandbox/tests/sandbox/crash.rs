//! Crash safety: `kill -9` the real binary in the middle of a stream of writes, restart it on the
//! same file, and find the database intact with every answered write in it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::seg;

const DOMAIN: &str = "crash.test";

/// Starts `trillian-sandbox serve` on `db`; returns the child, its URL and admin token.
fn serve(db: &std::path::Path) -> (Child, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trillian-sandbox"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--domain",
            DOMAIN,
            "--print-admin-token",
            "--db",
        ])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the sandbox binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let url = first
        .strip_prefix("listening on ")
        .expect("first line is `listening on URL`")
        .to_owned();
    let second = lines.next().and_then(Result::ok).unwrap_or_default();
    let token = second
        .rsplit(' ')
        .next()
        .expect("admin-token line")
        .to_owned();
    (child, url, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_writes_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("sandbox.db");
    let (mut child, url, token) = serve(&db);
    let users_url = format!("{url}/v2/{DOMAIN}/users/?token={}", seg(&token));
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, url, acked) = (client.clone(), users_url.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let im = format!("w{w}-{i}");
                let r = client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!("im={im}&password=p&displayname=Writer+{w}"))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == 201 => {
                        if let Ok(mut a) = acked.lock() {
                            a.push(format!("{im}@{DOMAIN}"));
                        }
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Kill in the middle of the stream: once 50 writes were answered (and some are in flight).
    while acked.lock().map(|a| a.len()).unwrap_or(0) < 50 {
        assert!(Instant::now() < deadline, "writes did not get going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
    let _ = child.wait();
    for w in writers {
        w.await.expect("writer task");
    }
    let acked = acked.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(
        acked.len() >= 50,
        "the stream of writes was under way: {} acknowledged",
        acked.len()
    );

    {
        let conn = rusqlite::Connection::open(&db).expect("open after kill");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok", "integrity after kill -9");
    }

    let (mut child, url, token2) = serve(&db);
    assert_eq!(token2, token, "the administrator token survives a restart");
    let body = client
        .get(format!("{url}/v2/{DOMAIN}/users/?token={}", seg(&token)))
        .send()
        .await
        .expect("list after restart")
        .text()
        .await
        .expect("body");
    let missing: Vec<&String> = acked
        .iter()
        .filter(|im| !body.contains(&format!("name=\"{im}\"")))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged users missing after restart: {missing:?}",
        missing.len()
    );
    // Clean shutdown on SIGTERM.
    let pid = child.id();
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            assert!(status.success(), "clean exit on SIGTERM: {status:?}");
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("no exit within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_an_upload_leaves_no_row_and_the_restart_removes_the_temporary_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("sandbox.db");
    let media_dir = dir.path().join("sandbox.db.media");
    let (mut child, url, token) = serve(&db);
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{url}/v2/{DOMAIN}/users/?token={}", seg(&token)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("im=owner&password=p")
        .send()
        .await
        .expect("create the owner");
    assert_eq!(r.status().as_u16(), 201);
    let media = format!(
        "{url}/v2/{DOMAIN}/users/{}/media/?token={}",
        seg(&format!("owner@{DOMAIN}")),
        seg(&token)
    );
    // A body that keeps coming until the server is killed.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let upload = tokio::spawn({
        let client = client.clone();
        let media = media.clone();
        async move {
            let stream = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            });
            client
                .post(&media)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(reqwest::Body::wrap_stream(stream))
                .send()
                .await
        }
    });
    let _ = tx.send(Ok(b"name=cut.bin&data=".to_vec())).await;
    let temporaries = || {
        std::fs::read_dir(&media_dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with(".upload-"))
                    .count()
            })
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let chunk = "QUJD".repeat(16 * 1024).into_bytes();
    while temporaries() == 0 {
        assert!(
            Instant::now() < deadline,
            "the upload did not reach a temporary file"
        );
        let _ = tx.send(Ok(chunk.clone())).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    drop(tx);
    let answer = upload.await.expect("upload task");
    assert!(
        answer.is_err(),
        "no answer from a killed server: {answer:?}"
    );
    assert_eq!(
        temporaries(),
        1,
        "the killed upload left its temporary file"
    );

    let (mut child, url, token) = serve(&db);
    assert_eq!(temporaries(), 0, "removed at start");
    let media = format!(
        "{url}/v2/{DOMAIN}/users/{}/media/?token={}",
        seg(&format!("owner@{DOMAIN}")),
        seg(&token)
    );
    let list = client
        .get(&media)
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("body");
    assert!(
        !list.contains("<media"),
        "no row for the cut upload: {list}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn token_command_prints_only_a_working_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("t.db");
    let out = Command::new(env!("CARGO_BIN_EXE_trillian-sandbox"))
        .args(["token", "--domain", DOMAIN, "--owner", "admin", "--db"])
        .arg(&db)
        .output()
        .expect("run token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the token: {stdout:?}");
    let token = lines[0].to_owned();

    let bad = Command::new(env!("CARGO_BIN_EXE_trillian-sandbox"))
        .args([
            "token",
            "--domain",
            DOMAIN,
            "--owner",
            "nobody@crash.test",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("run token");
    assert!(!bad.status.success(), "unknown user refused");
    assert!(bad.stdout.is_empty(), "nothing on stdout when refused");

    let sandbox =
        trillian_sandbox::Sandbox::start(trillian_sandbox::Config::new(DOMAIN).db_path(&db))
            .await
            .expect("start on the same file");
    let r = reqwest::get(format!(
        "{}/v2/{DOMAIN}/users/?token={}",
        sandbox.url(),
        seg(&token)
    ))
    .await
    .expect("request");
    assert_eq!(r.status().as_u16(), 200, "the printed token works");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_user_list_sees_writes_from_another_handle_on_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("shared.db");
    let sandbox =
        trillian_sandbox::Sandbox::start(trillian_sandbox::Config::new(DOMAIN).db_path(&db))
            .await
            .expect("start");
    let url = format!(
        "{}/v2/{DOMAIN}/users/?token={}",
        sandbox.url(),
        seg(&sandbox.admin_token(DOMAIN))
    );
    let count = |body: String| body.matches("<user ").count();
    let before = count(
        reqwest::get(&url)
            .await
            .expect("get")
            .text()
            .await
            .expect("body"),
    );
    assert_eq!(before, 0);
    // Another process (here: another handle) writes to the same file.
    let other = trillian_sandbox::AppState::open(
        &trillian_sandbox::Config::new(DOMAIN).db_path(&db),
        "http://elsewhere",
    )
    .expect("second handle");
    other.seed_users(DOMAIN, "side", 3).expect("seed");
    let after = count(
        reqwest::get(&url)
            .await
            .expect("get")
            .text()
            .await
            .expect("body"),
    );
    assert_eq!(after, 3, "the cached list was not served stale");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn reset_at_start_restores_the_demo_and_keeps_the_admin_token() {
    use trillian_sandbox::{Config, Sandbox};
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let users = |sandbox: &Sandbox| {
        format!(
            "{}/v2/{DOMAIN}/users/?token={}",
            sandbox.url(),
            seg(&sandbox.admin_token(DOMAIN))
        )
    };
    let count = |body: String| body.matches("<user ").count();
    let first = Sandbox::start(Config::new(DOMAIN).db_path(&db).demo(true))
        .await
        .expect("start");
    let token = first.admin_token(DOMAIN);
    let demo = count(
        reqwest::get(users(&first))
            .await
            .expect("get")
            .text()
            .await
            .expect("body"),
    );
    let client = reqwest::Client::new();
    let r = client
        .post(users(&first))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("im=extra&password=x")
        .send()
        .await
        .expect("create");
    assert_eq!(r.status().as_u16(), 201);
    first.shutdown().await;

    let second = Sandbox::start(Config::new(DOMAIN).db_path(&db).demo(true).reset(true))
        .await
        .expect("restart");
    assert_eq!(
        second.admin_token(DOMAIN),
        token,
        "administrator token kept"
    );
    let body = reqwest::get(users(&second))
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert_eq!(count(body.clone()), demo, "back to the demo users");
    assert!(!body.contains("extra@"), "the added user is gone");
    second.shutdown().await;
}

//! End-to-end tests of the real desktop app: the built binary (WebKitGTK web view + Rust) driven
//! through WebDriver (tauri-driver -> WebKitWebDriver) under Xvfb, against the sandbox over HTTP,
//! with the real OS keychain (gnome-keyring in a private D-Bus session).
//!
//! Needs the app built with embedded assets, then runs inside the test session:
//!   npm run build -w ui && cargo build -p trillian-admin --features custom-protocol
//!   scripts/test-env.sh cargo test -p trillian-tests --test e2e -- --include-ignored
//! Screenshots: `target/e2e/<test>-failure.png` on failure, `target/e2e/dashboard.png` (README).

mod group;
mod groupchat;
mod harness;
mod media;
mod user;

use harness::{App, Home, server_counts};
use trillian_sandbox::{Config, Sandbox};

/// A sandbox of our own on 127.0.0.1:0 with the demo company.
async fn start_sandbox(domain: &str) -> Sandbox {
    Sandbox::start(Config::new(domain).demo(true))
        .await
        .expect("sandbox starts")
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn sandbox_mode_dashboard_matches_the_sandbox() {
    let home = Home::new();
    let app = App::launch("sandbox_mode", &home, &[]).await;
    app.check(app.click("Explore the sandbox").await).await;
    let shown = app.check(app.dashboard_counts().await).await;

    // What the app's embedded sandbox holds, asked directly over HTTP.
    let (url, domain, token) = app.check(sandbox_of_app(&home)).await;
    let truth = server_counts(&url, &domain, &token).await;
    if shown != truth {
        app.fail_now(&format!(
            "dashboard shows {shown:?}, the sandbox has {truth:?}"
        ))
        .await;
    }
    if truth.users == 0 || truth.groups == 0 {
        app.fail_now(&format!("the demo domain looks empty: {truth:?}"))
            .await;
    }
    let header = app
        .check(
            app.wait_text("#active-profile", "active profile", |t| !t.is_empty())
                .await,
        )
        .await;
    assert!(!header.is_empty());
    app.screenshot("dashboard").await;

    // A long job through a Tauri channel: reset the demo data, watch the progress area.
    app.check(app.click_link("Settings").await).await;
    app.check(app.click("Reset demo data").await).await;
    let done = app
        .wait_text("section[aria-label='Jobs']", "reset job", |t| {
            t.contains("Demo data restored")
        })
        .await;
    app.check(done).await;
    app.screenshot("reset-job").await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn every_area_lists_the_sandbox_data() {
    let home = Home::new();
    let app = App::launch("areas", &home, &["--sandbox"]).await;
    // `--sandbox` opens the dashboard directly.
    app.check(app.dashboard_counts().await).await;
    for (link, shot) in [
        ("Users", "users"),
        ("Groups", "groups"),
        ("Policies", "policies"),
        ("Group chats", "groupchats"),
        ("Presence", "presence"),
    ] {
        app.check(app.click_link(link).await).await;
        let heading = format!("//h1[normalize-space()='{link}']");
        app.check(
            app.wait_for(fantoccini::Locator::XPath(&heading), link)
                .await,
        )
        .await;
        // Whatever the screen looks like, it loads and shows no error.
        app.check(app.settled(link).await).await;
        app.screenshot(shot).await;
    }
    app.check(app.click_link("Settings").await).await;
    let journal = app.wait_text("table.data tbody", "journal", |t| {
        t.contains("sandbox.start")
    });
    app.check(journal.await).await;
    app.screenshot("settings").await;
    let (sandbox_url, _, _) = app.check(sandbox_of_app(&home)).await;
    app.check(web_view_is_fenced(&app, &sandbox_url).await)
        .await;
    app.quit().await;
}

/// The security frame seen from inside the real web view: the CSP blocks network access and
/// inline scripts, the navigation guard keeps the window on the app, the IPC has no file access.
async fn web_view_is_fenced(app: &App, reachable_url: &str) -> harness::Step {
    let js = |e: fantoccini::error::CmdError| format!("script: {e}");
    // connect-src: only IPC. A fetch to the running sandbox (reachable) must be blocked.
    let fetched = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], { mode: 'no-cors' }).then(() => done('reached'), () => done('blocked'));",
            vec![serde_json::Value::String(format!("{reachable_url}/v2/"))],
        )
        .await
        .map_err(js)?;
    if fetched != "blocked" {
        return Err(format!(
            "the web view could fetch from the network: {fetched}"
        ));
    }
    // script-src: an injected inline script does not run.
    let inline = app
        .client
        .execute(
            "const s = document.createElement('script'); s.textContent = 'window.__pwned = 1';
             document.body.appendChild(s); return window.__pwned === 1;",
            vec![],
        )
        .await
        .map_err(js)?;
    if inline != serde_json::Value::Bool(false) {
        return Err("an inline script ran despite the CSP".into());
    }
    // A plugin command the capability does not grant is refused.
    let refused = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('plugin:dialog|open', { options: {} })
               .then(() => done('allowed'), (e) => done('refused: ' + e));",
            vec![],
        )
        .await
        .map_err(js)?;
    if !refused.as_str().is_some_and(|r| r.starts_with("refused")) {
        return Err(format!(
            "the web view may open a file dialog itself: {refused}"
        ));
    }
    // Links leave the app only as https, through the OS browser: anything else is refused.
    let external = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('open_external', { url: 'file:///etc/passwd' })
               .then(() => done('opened'), (e) => done('refused: ' + e.code));",
            vec![],
        )
        .await
        .map_err(js)?;
    if external != "refused: invalid_input" {
        return Err(format!("open_external accepted a file URL: {external}"));
    }
    // Navigation away from the app is cancelled.
    app.client
        .execute("window.location.href = 'https://example.com/';", vec![])
        .await
        .map_err(js)?;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let url = app
        .client
        .current_url()
        .await
        .map_err(|e| format!("url: {e}"))?;
    if url.scheme() != "tauri" {
        return Err(format!("the main window navigated to {url}"));
    }
    Ok(())
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn a_profile_and_its_token_survive_a_restart() {
    let sandbox = start_sandbox("e2e.example").await;
    let token = sandbox.admin_token("e2e.example");
    let truth = server_counts(sandbox.url(), "e2e.example", &token).await;
    let home = Home::new();

    let app = App::launch("profile_restart", &home, &[]).await;
    app.check(add_profile(&app, "E2E server", sandbox.url(), "e2e.example", &token).await)
        .await;
    let outcome = app.check(test_connection(&app).await).await;
    if outcome != "ok" {
        app.fail_now(&format!("first connection test: {outcome}"))
            .await;
    }
    let text = app
        .check(
            app.wait_text("#connection-result", "counts", |t| t.contains("users"))
                .await,
        )
        .await;
    if !text.contains(&format!("{} users", truth.users)) {
        app.fail_now(&format!(
            "connection test counts {text:?}, the sandbox has {truth:?}"
        ))
        .await;
    }
    app.screenshot("connect").await;
    app.quit().await;

    // Same folders, same keyring: the profile and its token are still there.
    let app = App::launch("profile_restart", &home, &[]).await;
    app.check(app.click("Edit E2E server").await).await;
    let state = app
        .check(
            app.wait_text("[data-testid='token-state']", "token state", |t| {
                !t.is_empty()
            })
            .await,
        )
        .await;
    if state != "stored" {
        app.fail_now(&format!("after restart the token shows {state:?}"))
            .await;
    }
    let outcome = app.check(test_connection(&app).await).await;
    if outcome != "ok" {
        app.fail_now(&format!("connection test after restart: {outcome}"))
            .await;
    }
    app.check(app.click("Open E2E server").await).await;
    let shown = app.check(app.dashboard_counts().await).await;
    if shown != truth {
        app.fail_now(&format!(
            "dashboard after restart {shown:?}, sandbox {truth:?}"
        ))
        .await;
    }
    app.quit().await;

    // No file the app wrote holds the token.
    for file in walk(home.config()).into_iter().chain(walk(home.data())) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let found = bytes.windows(token.len()).any(|w| w == token.as_bytes());
        assert!(!found, "{} contains the token", file.display());
    }
    sandbox.shutdown().await;
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn a_wrong_token_is_reported_as_such() {
    let sandbox = start_sandbox("wrong.example").await;
    let home = Home::new();
    let app = App::launch("wrong_token", &home, &[]).await;
    app.check(
        add_profile(
            &app,
            "Wrong token",
            sandbox.url(),
            "wrong.example",
            "not-the-token",
        )
        .await,
    )
    .await;
    let outcome = app.check(test_connection(&app).await).await;
    let text = app
        .check(
            app.wait_text("#connection-result", "message", |t| !t.is_empty())
                .await,
        )
        .await;
    if outcome != "wrong_token" || !text.contains("Wrong token") {
        app.fail_now(&format!(
            "expected the wrong-token message, got {outcome}: {text:?}"
        ))
        .await;
    }
    app.quit().await;
    sandbox.shutdown().await;
}

/// Fills the "Add profile" form, token included, and saves it.
async fn add_profile(app: &App, name: &str, url: &str, domain: &str, token: &str) -> harness::Step {
    app.click("Add profile").await?;
    app.fill("Name", name).await?;
    app.fill("Base URL", url).await?;
    app.fill("Domain", domain).await?;
    app.fill("API token", token).await?;
    app.screenshot("profile-form").await;
    app.click("Save profile").await?;
    app.wait_text(
        "[role='status']:not(#keychain-status)",
        "save notice",
        |t| t.contains("token stored"),
    )
    .await?;
    Ok(())
}

/// Clicks "Test connection" and returns the outcome shown.
async fn test_connection(app: &App) -> harness::Step<String> {
    app.click("Test connection").await?;
    app.wait_for(
        fantoccini::Locator::Css("#connection-result"),
        "connection result",
    )
    .await?;
    app.attr("#connection-result", "data-outcome")
        .await?
        .ok_or_else(|| "connection result without an outcome".to_owned())
}

/// The embedded sandbox the app started: its URL and domain from the app's profiles file, its
/// administrator token from the sandbox's database in the app's data folder.
fn sandbox_of_app(home: &Home) -> harness::Step<(String, String, String)> {
    let profiles_file = home.config().join("trillian-server-admin/profiles.json");
    let text = std::fs::read_to_string(&profiles_file)
        .map_err(|e| format!("reading {}: {e}", profiles_file.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("profiles.json: {e}"))?;
    let sandbox = doc["profiles"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["kind"] == "sandbox"))
        .ok_or("no sandbox profile in profiles.json")?;
    let url = sandbox["baseUrl"]
        .as_str()
        .ok_or("sandbox profile without baseUrl")?
        .to_owned();
    let domain = sandbox["domain"]
        .as_str()
        .ok_or("sandbox profile without domain")?
        .to_owned();
    let db = home.data().join("trillian-server-admin/sandbox.sqlite3");
    let state = trillian_sandbox::AppState::open(&Config::new(domain.clone()).db_path(&db), &url)
        .map_err(|e| format!("opening {}: {e}", db.display()))?;
    let token = state
        .admin_token(&domain)
        .map_err(|e| format!("admin token: {e}"))?;
    Ok((url, domain, token))
}

fn walk(dir: std::path::PathBuf) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

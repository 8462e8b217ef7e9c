//! Tests of the security frame (RELIABILITY.md 1–5): they read the very files Tauri builds the
//! app from, so loosening any of them fails here.

use std::path::Path;

use serde_json::Value;

use crate::commands::NAMES;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"))
}

fn capability_files() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn build_rs_puts_every_command_under_the_acl() {
    let build = read("build.rs");
    assert!(
        build.contains("AppManifest::new().commands(COMMANDS)"),
        "build.rs must declare commands"
    );
    assert!(
        build.contains(r#"include!("src/commands/names.rs")"#),
        "build.rs must use names.rs"
    );
    // What tauri-build generated from it: the app manifest lists an allow- permission per command.
    let acl = json("gen/schemas/acl-manifests.json");
    let app = &acl["__app-acl__"]["permissions"];
    for name in NAMES {
        let id = format!("allow-{}", name.replace('_', "-"));
        assert!(
            app.get(&id).is_some(),
            "{id} missing from the generated app ACL manifest"
        );
    }
}

#[test]
fn one_capability_for_the_main_window_with_explicit_permissions() {
    assert_eq!(
        capability_files(),
        ["main.json"],
        "exactly one capability file"
    );
    let cap = json("capabilities/main.json");
    assert_eq!(
        cap["windows"],
        serde_json::json!(["main"]),
        "only the main window"
    );
    assert!(cap.get("webviews").is_none(), "no webview list");
    assert!(
        cap.get("remote").is_none(),
        "no remote URLs may call commands"
    );
    assert!(cap.get("platforms").is_none() || cap["platforms"].is_array());
    let perms: Vec<&str> = cap["permissions"]
        .as_array()
        .expect("permissions array")
        .iter()
        .map(|p| {
            p.as_str()
                .expect("permissions are plain identifiers, no scoped objects")
        })
        .collect();
    for p in &perms {
        assert!(!p.contains('*'), "{p}: no globs");
        assert!(
            !p.ends_with(":default") && *p != "default",
            "{p}: no default sets"
        );
        for banned in ["fs:", "shell:", "http:", "opener:", "dialog:", "core:"] {
            assert!(
                !p.starts_with(banned),
                "{p}: the web view gets no {banned} permission"
            );
        }
    }
    let mut granted: Vec<String> = perms.iter().map(|p| (*p).to_owned()).collect();
    granted.sort();
    let mut wanted: Vec<String> = NAMES
        .iter()
        .map(|n| format!("allow-{}", n.replace('_', "-")))
        .collect();
    wanted.sort();
    assert_eq!(
        granted, wanted,
        "the capability grants exactly the app's commands"
    );
}

#[test]
fn the_csp_is_strict() {
    let conf = json("tauri.conf.json");
    let security = &conf["app"]["security"];
    let csp = security["csp"]
        .as_object()
        .expect("csp is set (an object of directives)");
    let directive = |k: &str| {
        csp.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(directive("default-src"), "'self'");
    assert_eq!(
        directive("script-src"),
        "'self'",
        "scripts from the app only"
    );
    for (k, v) in csp {
        let v = v.as_str().unwrap_or_default();
        assert!(!v.contains("unsafe-eval"), "{k}: no unsafe-eval");
        assert!(!v.contains('*'), "{k}: no wildcard sources");
        if k.starts_with("script-src") || k == "default-src" {
            assert!(!v.contains("unsafe-inline"), "{k}: no inline scripts");
        }
    }
    assert_eq!(
        directive("connect-src"),
        "ipc: http://ipc.localhost",
        "the web view reaches IPC only"
    );
    assert_eq!(directive("frame-src"), "'none'");
    assert_eq!(directive("object-src"), "'none'");
    assert!(
        security
            .get("dangerousDisableAssetCspModification")
            .is_none()
    );
    assert_eq!(
        security["assetProtocol"]["enable"],
        Value::Bool(false),
        "asset protocol off"
    );
    assert_eq!(security["freezePrototype"], Value::Bool(true));
    assert_ne!(
        conf["app"]["withGlobalTauri"],
        Value::Bool(true),
        "no window.__TAURI__"
    );
}

#[test]
fn the_app_names_itself_and_loads_only_its_own_assets() {
    let conf = json("tauri.conf.json");
    assert_eq!(conf["productName"], "Trillian Server Admin");
    let windows = conf["app"]["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0]["label"], "main");
    assert_eq!(windows[0]["title"], "Trillian Server Admin");
    assert!(
        windows[0].get("url").is_none(),
        "the window opens the embedded app, not a URL"
    );
    assert_eq!(conf["build"]["frontendDist"], "../ui/build");
}

#[test]
fn no_plugin_gives_the_web_view_files_shell_or_network() {
    let manifest = read("Cargo.toml");
    for banned in [
        "tauri-plugin-fs",
        "tauri-plugin-shell",
        "tauri-plugin-http",
        "tauri-plugin-opener",
    ] {
        assert!(
            !manifest.contains(banned),
            "{banned} must not be a dependency"
        );
    }
}

#[test]
fn no_command_takes_a_path_or_returns_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bindings.ts");
    crate::commands::export_bindings(&path).unwrap();
    let ts = std::fs::read_to_string(&path).unwrap();
    let lower = ts.to_lowercase();
    for word in [
        "path:",
        "path?:",
        "path,",
        "path)",
        "dir:",
        "url: string, path",
    ] {
        // `fileName` of a picked certificate is a label, not a path.
        assert!(
            !lower.contains(word),
            "bindings carry {word:?}: no file path crosses the IPC"
        );
    }
    // A token appears only as an argument going in: the profile's (token_set) and an
    // identity's, a user to send messages as (identity_token_set). None comes back.
    let mentions: Vec<&str> = ts.lines().filter(|l| l.contains("token:")).collect();
    assert_eq!(
        mentions.len(),
        2,
        "token appears only as token_set's and identity_token_set's argument: {mentions:?}"
    );
    for m in &mentions {
        let m = m.trim_start();
        assert!(
            m.starts_with("tokenSet: (") || m.starts_with("identityTokenSet: ("),
            "{m}"
        );
    }
}

/// A mock-runtime app with the real generated context (capabilities from tauri-build), the
/// given handler, and a core on throw-away folders with a session-only keychain.
fn mock_app(
    handler: impl Fn(tauri::ipc::Invoke<tauri::test::MockRuntime>) -> bool + Send + Sync + 'static,
) -> (tempfile::TempDir, tauri::App<tauri::test::MockRuntime>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = trillian_core::Paths {
        config_dir: dir.path().join("config"),
        data_dir: dir.path().join("data"),
    };
    let core = trillian_core::Core::new(paths, trillian_core::Keychain::session_only()).unwrap();
    let app = tauri::test::mock_builder()
        .manage(crate::state::AppState::new(core, false))
        .invoke_handler(handler)
        .build(tauri::generate_context!())
        .expect("mock app");
    (dir, app)
}

fn invoke(cmd: &str, body: Value) -> tauri::webview::InvokeRequest {
    tauri::webview::InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: tauri::test::INVOKE_KEY.to_string(),
    }
}

/// RELIABILITY 10 and 12 at the IPC edge: a token goes in through token_set and never comes back
/// out — not in an answer, not in an error, not in a file the app wrote.
#[test]
fn the_token_never_comes_back_over_ipc_or_lands_in_a_file() {
    use crate::commands::{keychain, profile};
    const SENTINEL: &str = "SENTINEL-7f3a9c-TOKEN";
    let (dir, app) = mock_app(tauri::generate_handler![
        profile::profiles_list,
        profile::profile_save,
        keychain::token_set,
        keychain::token_clear,
    ]);
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let call = |cmd: &str, body: Value| -> String {
        match tauri::test::get_ipc_response(&main, invoke(cmd, body)) {
            Ok(body) => body.deserialize::<Value>().unwrap().to_string(),
            Err(e) => e.to_string(),
        }
    };
    // Refused: no such profile. The error must not echo the token.
    let refused = call(
        "token_set",
        serde_json::json!({"profileId": "nope", "token": SENTINEL}),
    );
    assert!(
        refused.contains("nope"),
        "an error names the profile: {refused}"
    );
    assert!(
        !refused.contains(SENTINEL),
        "error echoes the token: {refused}"
    );

    let saved = call(
        "profile_save",
        serde_json::json!({"input": {"id": null, "name": "Acme", "baseUrl": "https://chat.acme.example",
            "domain": "acme.example", "caCertificate": {"kind": "keep"}, "postForUpdates": false}}),
    );
    let saved: Value = serde_json::from_str(&saved).expect("profile_save answers a profile");
    let id = saved["id"].as_str().expect("profile id").to_owned();
    let stored = call(
        "token_set",
        serde_json::json!({"profileId": id, "token": SENTINEL}),
    );
    assert_eq!(stored, "null", "token_set answers nothing");
    let listed = call("profiles_list", serde_json::json!({}));
    assert!(listed.contains("\"tokenStored\":true"), "{listed}");
    assert!(
        !listed.contains(SENTINEL),
        "profiles_list leaks the token: {listed}"
    );

    let mut files = vec![dir.path().to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .filter_map(|e| e.ok())
                    .map(|e| e.path()),
            );
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(
                !text.contains(SENTINEL),
                "{} holds the token",
                path.display()
            );
        }
    }
    assert_eq!(
        call("token_clear", serde_json::json!({"profileId": id})),
        "null"
    );
    assert!(call("profiles_list", serde_json::json!({})).contains("\"tokenStored\":false"));
}

/// RELIABILITY 1: with the app's real context (capabilities compiled by tauri-build), the main
/// window may call the app's commands and a webview with any other label is refused.
#[test]
fn only_the_main_window_may_invoke_commands() {
    let (_dir, app) = mock_app(tauri::generate_handler![crate::commands::app::app_info]);
    let request = || invoke("app_info", serde_json::json!({}));
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    let answer =
        tauri::test::get_ipc_response(&main, request()).expect("the main window may call app_info");
    let info: serde_json::Value = answer.deserialize().unwrap();
    assert_eq!(info["name"], "Trillian Server Admin");

    let other = tauri::WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("second window");
    let refused = tauri::test::get_ipc_response(&other, request());
    assert!(
        refused.is_err(),
        "a window not named in the capability must be refused"
    );

    // Remote content in the main window is refused too.
    let mut remote = request();
    remote.url = "https://evil.example/".parse().unwrap();
    assert!(
        tauri::test::get_ipc_response(&main, remote).is_err(),
        "remote origins have no capability"
    );
}

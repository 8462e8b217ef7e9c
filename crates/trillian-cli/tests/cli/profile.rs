//! `trillian profile …` with the token in the real OS keychain, then used by later commands.
//! Needs a Secret Service: run inside `scripts/test-env.sh` with `-- --include-ignored`.

use crate::common::{Invocation, server};

/// Runs with an isolated config folder, no one-off URL and no token in the environment.
fn local(dir: &std::path::Path) -> Invocation {
    Invocation {
        env: Vec::new(),
        prefix: Vec::new(),
        secrets: vec![server().admin_token.clone()],
        stdin: None,
    }
    .isolated_config(Some(dir))
}

#[test]
#[ignore = "needs the OS keychain: scripts/test-env.sh cargo test -p trillian-cli -- --include-ignored"]
fn profile_add_through_stdin_then_use_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = local(dir.path());
    let s = server();
    let boss = crate::common::unique("boss");

    inv.clone()
        .stdin(format!("{}\n", s.admin_token))
        .run(&[
            "profile",
            "add",
            "lab",
            "--url",
            &s.url,
            "--domain",
            "example.com",
            "--token-stdin",
            "--own-address",
            &boss,
        ])
        .ok();
    let list = inv
        .run(&["--output", "json", "profile", "list"])
        .ok()
        .json();
    let lab = &list[0];
    assert_eq!(lab["name"], "lab");
    assert_eq!(lab["domain"], "example.com");
    assert_eq!(
        lab["token_stored"], true,
        "the token is in the keychain: {list}"
    );
    assert_eq!(lab["active"], false, "not active until `use`");
    let boss = format!("{boss}@example.com");
    assert_eq!(
        lab["own_address"],
        boss.as_str(),
        "a bare name gets the domain"
    );

    // A later command uses the stored token: the app's connection test, through trillian-core.
    let test = inv
        .run(&["--output", "json", "profile", "test", "lab"])
        .ok()
        .json();
    assert_eq!(test["result"], "ok", "the stored token works: {test}");
    assert!(
        test["counts"]["groups"].as_u64().unwrap_or(0) >= 1,
        "counts: {test}"
    );
    // Any command, with the profile by name (its token from the keychain, lent by core).
    let name = crate::common::unique("prof");
    let created = inv
        .run(&[
            "--profile",
            "lab",
            "--output",
            "json",
            "groups",
            "create",
            "--displayname",
            "P",
            "--name",
            &name,
        ])
        .ok()
        .json();
    assert_eq!(created["name"], name.as_str());
    // No active profile yet: commands without --profile say so (usage).
    inv.run(&["groups", "list"]).code(2);
    inv.run(&["profile", "use", "lab"]).ok();
    let list = inv
        .run(&["--output", "json", "profile", "list"])
        .ok()
        .json();
    assert_eq!(list[0]["active"], true);
    let groups = inv.run(&["--output", "json", "groups", "list"]).ok().json();
    assert!(
        groups
            .as_array()
            .expect("array")
            .iter()
            .any(|g| g["name"] == name.as_str()),
        "the active profile reaches the same server"
    );
    inv.run(&["--timeout", "5", "users", "list"]).ok();
    // The profile's own account: never deleted or disabled, as in the app.
    inv.clone()
        .stdin("tide-pool-7\n")
        .run(&["users", "create", &boss, "--password-stdin"])
        .ok();
    let refused = inv.run(&["users", "delete", &boss, "--yes"]).code(2);
    assert!(
        refused.stderr.contains("your own account"),
        "{}",
        refused.stderr
    );
    inv.run(&["users", "update", &boss, "--disable"]).code(2);
    let kept = inv
        .run(&["--output", "json", "users", "get", &boss])
        .ok()
        .json();
    assert_eq!(kept["flags"], 0, "still there and enabled: {kept}");
    // --output xml through a profile: the server's own answer (and never the stored token)
    let xml = inv.run(&["--output", "xml", "groups", "list"]).ok();
    assert!(
        xml.stdout.contains("<group") && xml.stdout.contains(&name),
        "the server's XML: {}",
        xml.stdout
    );
    assert!(!xml.stdout.contains(&s.admin_token), "no token in the XML");

    // A second profile with a wrong token: auth error, and the sentinel never printed.
    let mut wrong = inv
        .clone()
        .stdin(format!("{}\n", crate::common::SENTINEL_TOKEN));
    wrong.secrets.push(crate::common::SENTINEL_TOKEN.to_owned());
    wrong
        .run(&[
            "profile",
            "add",
            "bad",
            "--url",
            &s.url,
            "--domain",
            "example.com",
            "--token-stdin",
        ])
        .ok();
    let mut bad = inv.clone();
    bad.secrets.push(crate::common::SENTINEL_TOKEN.to_owned());
    let test = bad
        .run(&["--output", "json", "profile", "test", "bad"])
        .code(3)
        .json();
    assert_eq!(test["result"], "wrong_token", "{test}");
    bad.run(&["--profile", "bad", "users", "list"]).code(3);
    bad.run(&["profile", "remove", "bad"]).ok();
    bad.run(&["--profile", "bad", "users", "list"]).code(2);

    // The app's journal of admin actions has the CLI's change, under the profile.
    let journal = walk(dir.path())
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "journal.jsonl"))
        .expect("a journal in the data folder");
    let journal = std::fs::read_to_string(&journal).expect("journal");
    let entry = journal
        .lines()
        .find(|l| l.contains("groups.create"))
        .unwrap_or_else(|| panic!("groups.create journaled: {journal}"));
    assert!(entry.contains(&name), "the target is named: {entry}");

    // The tokens are in no file: profiles, journal, anything else under the folders.
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&s.admin_token)
                && !String::from_utf8_lossy(&bytes).contains(crate::common::SENTINEL_TOKEN),
            "token written to {}",
            entry.display()
        );
    }

    inv.run(&["profile", "remove", "lab"]).ok();
    let list = inv
        .run(&["--output", "json", "profile", "list"])
        .ok()
        .json();
    assert_eq!(list, serde_json::json!([]), "no profile left");
}

#[test]
fn profile_add_refuses_to_prompt_without_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = server();
    let run = local(dir.path())
        .run(&[
            "profile",
            "add",
            "lab",
            "--url",
            &s.url,
            "--domain",
            "example.com",
        ])
        .code(2);
    assert!(
        run.stderr.contains("--token-stdin"),
        "says how: {}",
        run.stderr
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

//! `trillian policies …`, items decoded from the Base64 data.

use crate::common::{Invocation, unique};

#[test]
fn policy_lifecycle_and_items() {
    let inv = Invocation::admin();
    let name = unique("pol");
    let created = inv
        .run(&[
            "--output",
            "json",
            "policies",
            "create",
            "--name",
            &name,
            "--set",
            "trillian.plugin.msn=0",
            "--set",
            "trillian.history.cloud=1",
        ])
        .ok()
        .json();
    assert_eq!(created["name"], name.as_str());
    let id = created["id"].as_u64().expect("id").to_string();

    // By name or by id, the items come back decoded, in order.
    let items = inv
        .run(&["--output", "json", "policies", "items", &name])
        .ok()
        .json();
    assert_eq!(
        items,
        serde_json::json!([
            { "key": "trillian.plugin.msn", "value": "0" },
            { "key": "trillian.history.cloud", "value": "1" },
        ]),
        "items of the new policy"
    );
    let table = inv.run(&["policies", "items", &id]).ok();
    assert!(
        table.stdout.contains("trillian.history.cloud  1"),
        "table: {}",
        table.stdout
    );

    // Update edits items in place, removes and appends.
    inv.run(&[
        "policies",
        "update",
        &id,
        "--set",
        "trillian.history.cloud=0",
        "--unset",
        "trillian.plugin.msn",
        "--set",
        "trillian.filetransfer=server",
    ])
    .ok();
    let items = inv
        .run(&["--output", "json", "policies", "items", &id])
        .ok()
        .json();
    assert_eq!(
        items,
        serde_json::json!([
            { "key": "trillian.history.cloud", "value": "0" },
            { "key": "trillian.filetransfer", "value": "server" },
        ]),
        "items after the update"
    );

    let got = inv
        .run(&["--output", "json", "policies", "get", &name])
        .ok()
        .json();
    assert_eq!(got["id"].as_u64().map(|n| n.to_string()), Some(id.clone()));
    assert!(
        got["data"].is_string(),
        "the raw Base64 is there too: {got}"
    );

    let list = inv
        .run(&["--output", "json", "policies", "list"])
        .ok()
        .json();
    assert!(
        list.as_array()
            .expect("array")
            .iter()
            .any(|p| p["name"] == name.as_str())
    );

    inv.run(&["policies", "delete", &id, "--yes"]).ok();
    inv.run(&["policies", "get", &id]).code(1);
    inv.run(&["policies", "items", "no-such-policy-name"])
        .code(1);
}

#[test]
fn items_file_replaces_all_items_and_reads_standard_input() {
    let inv = Invocation::admin();
    let name = unique("polf");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("items.txt");
    std::fs::write(&file, "trillian.plugin.irc 0\nmotd Hello  there\n").expect("write");
    let created = inv
        .run(&[
            "--output",
            "json",
            "policies",
            "create",
            "--name",
            &name,
            "--items-file",
            file.to_str().expect("utf-8"),
        ])
        .ok()
        .json();
    assert_eq!(
        created["items"],
        serde_json::json!([
            { "key": "trillian.plugin.irc", "value": "0" },
            { "key": "motd", "value": "Hello  there" },
        ]),
        "values keep their inner spaces"
    );
    let id = created["id"].to_string();
    let updated = inv
        .clone()
        .stdin("trillian.plugin.xmpp 1\n")
        .run(&[
            "--output",
            "json",
            "policies",
            "update",
            &id,
            "--items-file",
            "-",
        ])
        .ok()
        .json();
    assert_eq!(
        updated["items"],
        serde_json::json!([{ "key": "trillian.plugin.xmpp", "value": "1" }]),
        "--items-file replaces every item"
    );
    assert_eq!(updated["name"], name.as_str(), "name unchanged");
    inv.run(&["policies", "update", &id]).code(2);
    inv.run(&["policies", "delete", &name, "--yes"]).ok();
}

//! `trillian groups …` and `groups peers …`.

use serde_json::Value;

use crate::common::{Invocation, on_a_terminal, unique};

fn id_of(v: &Value) -> String {
    v["id"].as_u64().expect("a numeric id").to_string()
}

#[test]
fn group_lifecycle_and_peers() {
    let inv = Invocation::admin();
    let name = unique("grp");
    let created = inv
        .run(&[
            "--output",
            "json",
            "groups",
            "create",
            "--displayname",
            "QA",
            "--name",
            &name,
        ])
        .ok()
        .json();
    assert_eq!(created["displayname"], "QA");
    assert_eq!(created["name"], name.as_str());
    let id = id_of(&created);

    let got = inv
        .run(&["--output", "json", "groups", "get", &id])
        .ok()
        .json();
    assert_eq!(got["name"], name.as_str(), "get returns the created group");
    for field in [
        "id",
        "displayname",
        "name",
        "parent",
        "policy",
        "priority",
        "type",
        "peers",
    ] {
        assert!(got.get(field).is_some(), "group JSON has `{field}`: {got}");
    }

    let list = inv.run(&["--output", "json", "groups", "list"]).ok().json();
    let ids: Vec<String> = list.as_array().expect("array").iter().map(id_of).collect();
    assert!(ids.contains(&id), "list has the new group");

    let updated = inv
        .run(&[
            "--output",
            "json",
            "groups",
            "update",
            &id,
            "--displayname",
            "QA team",
        ])
        .ok()
        .json();
    assert_eq!(updated["displayname"], "QA team");
    assert_eq!(updated["name"], name.as_str(), "unchanged fields stay");

    // Peers: the group sees itself (a new group may start with peers of its own).
    let peer_ids = |v: &Value| -> Vec<u64> {
        v.as_array()
            .expect("array")
            .iter()
            .filter_map(|p| p["id"].as_u64())
            .collect()
    };
    let own = got["id"].as_u64().expect("id");
    let before = peer_ids(
        &inv.run(&["--output", "json", "groups", "peers", "list", &id])
            .ok()
            .json(),
    );
    inv.run(&["groups", "peers", "add", &id, &id]).ok();
    let peers = inv
        .run(&["--output", "json", "groups", "peers", "list", &id])
        .ok()
        .json();
    assert!(
        peer_ids(&peers).contains(&own),
        "peer list after adding itself: {peers}"
    );
    let expanded = inv
        .run(&["--output", "json", "groups", "get", &id, "--peers"])
        .ok()
        .json();
    assert!(
        expanded["peers"]
            .as_array()
            .expect("peers")
            .contains(&got["id"]),
        "--peers expands: {expanded}"
    );
    inv.run(&["groups", "peers", "remove", &id, &id]).ok();
    let after = peer_ids(
        &inv.run(&["--output", "json", "groups", "peers", "list", &id])
            .ok()
            .json(),
    );
    assert!(
        !after.contains(&own),
        "peer list after removing itself: {after:?}"
    );
    assert_eq!(
        after,
        before.into_iter().filter(|p| *p != own).collect::<Vec<_>>()
    );

    // Table output is readable: a header and the group's row.
    let table = inv.run(&["groups", "list"]).ok();
    assert!(
        table.stdout.starts_with("ID"),
        "header first: {}",
        table.stdout
    );
    assert!(table.stdout.contains("QA team"));

    // Deleting without --yes and without a terminal is refused (usage), then done with --yes.
    inv.run(&["groups", "delete", &id]).code(2);
    let done = inv
        .run(&["--output", "json", "groups", "delete", &id, "--yes"])
        .ok()
        .json();
    assert_eq!(done["status"], "ok");
    inv.run(&["groups", "get", &id]).code(1);
}

#[test]
fn xml_output_prints_the_servers_own_answer() {
    let inv = Invocation::admin();
    let im = format!("{}@{}", unique("xml"), crate::common::DOMAIN);
    inv.clone()
        .stdin("s3cret-pass\n")
        .run(&["users", "create", &im, "--password-stdin"])
        .ok();
    let got = inv.run(&["--output", "xml", "users", "get", &im]).ok();
    assert!(
        got.stdout.contains(&format!("<user name=\"{im}\"")),
        "the server's XML: {}",
        got.stdout
    );
    assert!(
        got.stdout.trim_start().starts_with('<'),
        "nothing but XML on stdout: {}",
        got.stdout
    );

    // a 204 has no XML to show: said so, and the change is still made
    let name = unique("xml");
    let created = inv
        .run(&[
            "--output",
            "json",
            "groups",
            "create",
            "--displayname",
            "X",
            "--name",
            &name,
        ])
        .ok()
        .json();
    let id = created["id"].to_string();
    let deleted = inv
        .run(&["--output", "xml", "groups", "delete", &id, "--yes"])
        .ok();
    assert!(deleted.stdout.is_empty(), "no XML: {}", deleted.stdout);
    assert!(
        deleted.stderr.contains("not XML"),
        "says the answer is not XML: {}",
        deleted.stderr
    );
    inv.run(&["groups", "get", &id]).code(1);
}

#[test]
fn deleting_on_a_terminal_asks_to_type_the_name() {
    let inv = Invocation::admin();
    let name = unique("ask");
    let created = inv
        .run(&[
            "--output",
            "json",
            "groups",
            "create",
            "--displayname",
            "Ask",
            "--name",
            &name,
        ])
        .ok()
        .json();
    let id = id_of(&created);
    let (code, screen) = on_a_terminal(&inv, &["groups", "delete", &id], "yes\n");
    assert_eq!(code, 2, "a plain yes is not the name: {screen}");
    assert!(
        screen.contains(&format!("Type {id} to confirm")),
        "names what to type: {screen}"
    );
    inv.run(&["groups", "get", &id]).ok();
    let (code, screen) = on_a_terminal(&inv, &["groups", "delete", &id], &format!("{id}\n"));
    assert_eq!(code, 0, "typed the id: {screen}");
    inv.run(&["groups", "get", &id]).code(1);
}

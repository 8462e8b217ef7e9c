//! `trillian groupchats …`: the chat, members, media and messages.

use crate::common::{DOMAIN, Invocation, server, unique};

fn new_user(inv: &Invocation) -> String {
    let im = format!("{}@{DOMAIN}", unique("gc"));
    inv.clone()
        .stdin("s3cret-pass\n")
        .run(&["users", "create", &im, "--password-stdin"])
        .ok();
    im
}

#[test]
fn groupchat_lifecycle_members_media_messages() {
    let admin = Invocation::admin();
    let created = admin
        .run(&[
            "--output",
            "json",
            "groupchats",
            "create",
            "--displayname",
            "Sales",
            "--flags",
            "disable-topic-set,disable-list",
        ])
        .ok()
        .json();
    let name = created["name"].as_str().expect("name").to_owned();
    assert!(
        name.starts_with('#'),
        "group chat names start with #: {name}"
    );
    assert_eq!(created["displayname"], "Sales");
    assert_eq!(created["flags"], 0x600, "named flags combine");

    let updated = admin
        .run(&[
            "--output",
            "json",
            "groupchats",
            "update",
            &name,
            "--topic",
            "Q3 goals",
            "--flags",
            "0",
        ])
        .ok()
        .json();
    assert_eq!(updated["topic"], "Q3 goals");
    assert_eq!(updated["flags"], 0);
    assert_eq!(updated["displayname"], "Sales", "unchanged");

    let list = admin
        .run(&["--output", "json", "groupchats", "list"])
        .ok()
        .json();
    assert!(
        list.as_array()
            .expect("array")
            .iter()
            .any(|g| g["name"] == name.as_str())
    );

    // Members.
    let alice = new_user(&admin);
    let member = admin
        .run(&[
            "--output",
            "json",
            "groupchats",
            "members",
            "add",
            &name,
            &alice,
            "--flags",
            "op",
        ])
        .ok()
        .json();
    assert_eq!(member["im"], alice.as_str());
    assert_eq!(member["op"], true);
    let members = admin
        .run(&["--output", "json", "groupchats", "members", "list", &name])
        .ok()
        .json();
    assert_eq!(
        members,
        serde_json::json!([{ "im": alice, "flags": 1, "op": true, "voice": false }]),
        "member list after adding alice as op"
    );
    let got = admin
        .run(&["--output", "json", "groupchats", "get", &name, "--members"])
        .ok()
        .json();
    assert_eq!(got["members"][0]["im"], alice.as_str(), "--members expands");

    // Messages, sent with alice's own token.
    let as_alice = Invocation::one_off(&server().url, &server().user_token(&alice));
    let sent = as_alice
        .run(&[
            "--output",
            "json",
            "groupchats",
            "messages",
            "send",
            &name,
            "--from",
            &alice,
            "Hello",
        ])
        .ok()
        .json();
    assert_eq!(sent["text"], "Hello");
    let weeks = admin
        .run(&["--output", "json", "groupchats", "messages", "weeks", &name])
        .ok()
        .json();
    let week = &weeks[0];
    let (conv, year, wk) = (
        week["conversation"]
            .as_str()
            .expect("conversation")
            .to_owned(),
        week["year"].to_string(),
        week["week"].to_string(),
    );
    let messages = admin
        .run(&[
            "--output",
            "json",
            "groupchats",
            "messages",
            "week",
            &name,
            &conv,
            &year,
            &wk,
        ])
        .ok()
        .json();
    assert_eq!(messages[0]["text"], "Hello");
    assert_eq!(messages[0]["from"], alice.as_str());
    admin
        .run(&[
            "groupchats",
            "messages",
            "delete",
            &name,
            &conv,
            &year,
            &wk,
            "--yes",
        ])
        .ok();
    let messages = admin
        .run(&[
            "--output",
            "json",
            "groupchats",
            "messages",
            "week",
            &name,
            &conv,
            &year,
            &wk,
        ])
        .ok()
        .json();
    assert_eq!(
        messages,
        serde_json::json!([]),
        "the week is empty after deleting it"
    );

    // Media.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"minutes").expect("write");
    let item = admin
        .run(&[
            "--output",
            "json",
            "groupchats",
            "media",
            "upload",
            &name,
            file.to_str().expect("p"),
        ])
        .ok()
        .json();
    let id = item["id"].as_str().expect("id").to_owned();
    assert_eq!(item["owner"], name.as_str());
    let media = admin
        .run(&["--output", "json", "groupchats", "media", "list", &name])
        .ok()
        .json();
    assert_eq!(media[0]["id"], id.as_str());
    let body = admin.run(&["groupchats", "media", "get", &name, &id]).ok();
    assert_eq!(body.stdout, "minutes");
    admin
        .run(&["groupchats", "media", "delete", &name, &id])
        .ok();
    admin
        .run(&["groupchats", "media", "get", &name, &id])
        .code(1);

    admin
        .run(&["groupchats", "members", "remove", &name, &alice])
        .ok();
    let members = admin
        .run(&["--output", "json", "groupchats", "members", "list", &name])
        .ok()
        .json();
    assert_eq!(
        members,
        serde_json::json!([]),
        "member list after removing alice"
    );
}

#[test]
fn bad_flag_name_is_a_usage_error() {
    let run = Invocation::admin()
        .run(&["groupchats", "create", "--flags", "disable-everything"])
        .code(2);
    assert!(
        run.stderr.contains("disable-topic-set"),
        "lists the known names: {}",
        run.stderr
    );
}

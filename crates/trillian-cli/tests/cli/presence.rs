//! `trillian presence …`.

use crate::common::{Invocation, unique};

#[test]
fn set_then_list_presence() {
    let inv = Invocation::admin();
    let im = format!("{}@{}", unique("pres"), crate::common::DOMAIN);
    inv.clone()
        .stdin("pw-12345\n")
        .run(&["users", "create", &im, "--password-stdin"])
        .ok();

    inv.run(&[
        "presence",
        "set",
        &im,
        "--status",
        "away",
        "--message",
        "At lunch",
    ])
    .ok();
    let list = inv
        .run(&["--output", "json", "presence", "list"])
        .ok()
        .json();
    let mine = list
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["im"] == im.as_str())
        .unwrap_or_else(|| panic!("{im} in presence list: {list}"));
    assert_eq!(mine["status"], 2, "away is 2");
    assert_eq!(mine["status_name"], "away");
    assert_eq!(mine["message"], "At lunch");
    assert!(mine["devices"].is_array());

    let table = inv.run(&["presence", "list"]).ok();
    assert!(table.stdout.contains(&im), "table lists the user");
}

#[test]
fn status_by_number_and_message_only() {
    let inv = Invocation::admin();
    let im = format!("{}@{}", unique("pres"), crate::common::DOMAIN);
    inv.clone()
        .stdin("pw-12345\n")
        .run(&["users", "create", &im, "--password-stdin"])
        .ok();
    inv.run(&["presence", "set", &im, "--status", "5"]).ok();
    inv.run(&["presence", "set", &im, "--message", "Heads down"])
        .ok();
    let list = inv
        .run(&["--output", "json", "presence", "list"])
        .ok()
        .json();
    let mine = list
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["im"] == im.as_str())
        .unwrap_or_else(|| panic!("{im} in presence list: {list}"));
    assert_eq!(
        mine["status_name"], "idle",
        "5 is idle, kept when only the message changes"
    );
    assert_eq!(mine["message"], "Heads down");
    inv.run(&["presence", "set", &im]).code(2);
}

//! `trillian users …`: the user itself, avatar, media, messages, import and export.

use std::io::Cursor;

use serde_json::Value;

use crate::common::{DOMAIN, Invocation, server, unique};

fn new_user(inv: &Invocation) -> String {
    let im = format!("{}@{DOMAIN}", unique("u"));
    inv.clone()
        .stdin("s3cret-pass\n")
        .run(&["users", "create", &im, "--password-stdin"])
        .ok();
    im
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 99]));
    let mut bytes = Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode png");
    bytes.into_inner()
}

#[test]
fn user_lifecycle() {
    let inv = Invocation::admin();
    let im = format!("{}@{DOMAIN}", unique("life"));
    let created = inv
        .clone()
        .stdin("s3cret-pass\n")
        .run(&[
            "--output",
            "json",
            "users",
            "create",
            &im,
            "--password-stdin",
            "--displayname",
            "Kim W",
            "--email",
            "kim@example.com",
        ])
        .ok()
        .json();
    assert_eq!(created["im"], im.as_str());
    assert_eq!(created["displayname"], "Kim W");
    let got = inv
        .run(&["--output", "json", "users", "get", &im])
        .ok()
        .json();
    for field in [
        "im",
        "displayname",
        "email",
        "group",
        "policy",
        "flags",
        "disabled",
        "created_at",
    ] {
        assert!(got.get(field).is_some(), "user JSON has `{field}`: {got}");
    }
    assert_eq!(got["email"], "kim@example.com");
    assert_eq!(got["disabled"], false);

    let disabled = inv
        .run(&["--output", "json", "users", "update", &im, "--disable"])
        .ok()
        .json();
    assert_eq!(disabled["disabled"], true, "--disable sets USER_DISABLED");
    assert_eq!(disabled["displayname"], "Kim W", "other fields unchanged");
    let enabled = inv
        .run(&[
            "--output",
            "json",
            "users",
            "update",
            &im,
            "--enable",
            "--displayname",
            "Kim",
        ])
        .ok()
        .json();
    assert_eq!(enabled["disabled"], false);
    assert_eq!(enabled["displayname"], "Kim");

    let list = inv.run(&["--output", "json", "users", "list"]).ok().json();
    assert!(
        list.as_array()
            .expect("array")
            .iter()
            .any(|u| u["im"] == im.as_str())
    );
    let table = inv.run(&["users", "list"]).ok();
    assert!(
        table.stdout.starts_with("IM"),
        "table header: {}",
        table.stdout
    );
    let found = inv
        .run(&["--output", "json", "users", "list", "--search", "KIM"])
        .ok()
        .json();
    let found = found.as_array().expect("array");
    assert!(
        found.iter().any(|u| u["im"] == im.as_str()),
        "search finds the user"
    );
    assert!(
        found.iter().all(|u| {
            format!("{}{}{}", u["im"], u["displayname"], u["email"])
                .to_lowercase()
                .contains("kim")
        }),
        "search keeps only matches: {found:?}"
    );
    let enabled = inv
        .run(&["--output", "json", "users", "list", "--enabled"])
        .ok()
        .json();
    assert!(
        enabled
            .as_array()
            .expect("array")
            .iter()
            .all(|u| u["disabled"] == false)
    );
    let group = inv
        .run(&["--output", "json", "users", "list", "--group", "999999"])
        .ok()
        .json();
    assert_eq!(
        group,
        serde_json::json!([]),
        "no user in a group that does not exist"
    );

    inv.run(&["users", "delete", &im]).code(2);
    let deleted = inv
        .run(&["--output", "json", "users", "delete", &im, "--yes"])
        .ok()
        .json();
    assert_eq!(deleted["im"], im.as_str(), "delete prints the deleted user");
    inv.run(&["users", "get", &im]).code(1);
}

#[test]
fn avatar_set_get_delete() {
    let inv = Invocation::admin();
    let im = new_user(&inv);
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("face.png");
    std::fs::write(&src, png(40, 30)).expect("write png");
    inv.run(&["users", "avatar", "set", &im, src.to_str().expect("utf-8")])
        .ok();

    let out = dir.path().join("got.png");
    inv.run(&[
        "users",
        "avatar",
        "get",
        &im,
        "--file",
        out.to_str().expect("utf-8"),
    ])
    .ok();
    let got = std::fs::read(&out).expect("downloaded");
    assert!(got.starts_with(b"\x89PNG"), "an image came back");
    // Made as the app makes avatars: cropped square (40×30 → 30×30), PNG.
    let avatar = image::load_from_memory(&got).expect("a decodable avatar");
    assert_eq!(
        (avatar.width(), avatar.height()),
        (30, 30),
        "cropped square"
    );
    // Not an image: refused locally, before any request.
    let text = dir.path().join("notes.png");
    std::fs::write(&text, b"not really a picture").expect("write");
    let refused = inv
        .run(&["users", "avatar", "set", &im, text.to_str().expect("p")])
        .code(2);
    assert!(
        refused.stderr.contains("image"),
        "says why: {}",
        refused.stderr
    );
    // To standard output, byte for byte the same.
    let run = inv.run(&["users", "avatar", "get", &im]).ok();
    assert_eq!(
        run.stdout.len(),
        String::from_utf8_lossy(&got).len(),
        "stdout carries the bytes"
    );

    inv.run(&["users", "avatar", "delete", &im]).ok();
    inv.run(&["users", "avatar", "get", &im]).code(1);
}

#[test]
fn user_media_upload_list_get_delete() {
    let inv = Invocation::admin();
    let im = new_user(&inv);
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("Sales Goals.txt");
    std::fs::write(&text, b"goals!").expect("write");
    let item = inv
        .run(&[
            "--output",
            "json",
            "users",
            "media",
            "upload",
            &im,
            text.to_str().expect("utf-8"),
        ])
        .ok()
        .json();
    assert_eq!(item["name"], "Sales Goals.txt");
    assert_eq!(item["type"], "text/plain");
    assert_eq!(item["size"], 6);
    let id = item["id"].as_str().expect("media id").to_owned();

    let image = dir.path().join("mock.png");
    std::fs::write(&image, png(300, 200)).expect("write");
    let uploaded = inv
        .run(&[
            "--output",
            "json",
            "users",
            "media",
            "upload",
            &im,
            image.to_str().expect("p"),
        ])
        .ok()
        .json();
    assert_eq!(uploaded["type"], "image/png", "type sniffed from the bytes");
    assert!(
        !uploaded["thumbnail"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "a thumbnail was made locally and sent: {uploaded}"
    );
    let image_id = uploaded["id"].as_str().expect("id").to_owned();
    let thumb = dir.path().join("thumb");
    inv.run(&[
        "users",
        "media",
        "get",
        &im,
        &image_id,
        "--thumbnail",
        "-f",
        thumb.to_str().expect("p"),
    ])
    .ok();
    let thumb = image::load_from_memory(&std::fs::read(&thumb).expect("thumbnail"))
        .expect("a decodable thumbnail");
    assert!(
        thumb.width() <= 256 && thumb.height() <= 256 && thumb.width() > thumb.height(),
        "scaled down, aspect kept: {}×{}",
        thumb.width(),
        thumb.height()
    );

    let list = inv
        .run(&["--output", "json", "users", "media", "list", &im])
        .ok()
        .json();
    let names: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Sales Goals.txt") && names.contains(&"mock.png"),
        "{names:?}"
    );

    let out = dir.path().join("back.txt");
    inv.run(&[
        "users",
        "media",
        "get",
        &im,
        &id,
        "-f",
        out.to_str().expect("utf-8"),
    ])
    .ok();
    assert_eq!(
        std::fs::read(&out).expect("downloaded"),
        b"goals!",
        "download = upload"
    );
    let stdout = inv.run(&["users", "media", "get", &im, &id]).ok();
    assert_eq!(stdout.stdout, "goals!", "streams to stdout");

    inv.run(&["users", "media", "delete", &im, &id]).ok();
    let list = inv
        .run(&["--output", "json", "users", "media", "list", &im])
        .ok()
        .json();
    assert!(
        !list
            .as_array()
            .expect("array")
            .iter()
            .any(|m| m["id"] == id.as_str()),
        "deleted"
    );
}

#[test]
fn user_messages_send_weeks_week_delete() {
    let admin = Invocation::admin();
    let alice = new_user(&admin);
    let bob = new_user(&admin);
    let as_alice = Invocation::one_off(&server().url, &server().user_token(&alice));

    let sent = as_alice
        .run(&[
            "--output", "json", "users", "messages", "send", &bob, "--from", &alice, "Hi Bob",
        ])
        .ok()
        .json();
    assert_eq!(sent["from"], alice.as_str());
    assert_eq!(sent["text"], "Hi Bob");
    as_alice
        .run(&[
            "users", "messages", "send", &bob, "--from", &alice, "Second",
        ])
        .ok();
    // Sending as someone else than the token's owner is refused by the server (auth).
    as_alice
        .run(&[
            "users", "messages", "send", &alice, "--from", &bob, "forged",
        ])
        .code(3);

    let weeks = admin
        .run(&["--output", "json", "users", "messages", "weeks", &bob])
        .ok()
        .json();
    let week: &Value = weeks
        .as_array()
        .expect("array")
        .iter()
        .find(|w| w["messages"].as_u64().unwrap_or(0) >= 2)
        .unwrap_or_else(|| panic!("a week with both messages: {weeks}"));
    let conv = week["conversation"]
        .as_str()
        .expect("conversation")
        .to_owned();
    let year = week["year"].to_string();
    let wk = week["week"].to_string();

    let messages = admin
        .run(&[
            "--output", "json", "users", "messages", "week", &bob, &conv, &year, &wk,
        ])
        .ok()
        .json();
    let texts: Vec<&str> = messages
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"Hi Bob") && texts.contains(&"Second"),
        "{texts:?}"
    );
    let ts = sent["timestamp"].to_string();

    // Delete just the first message (a block), then the rest of the conversation.
    admin
        .run(&[
            "users",
            "messages",
            "delete",
            &bob,
            &conv,
            &year,
            &wk,
            "--timestamp",
            &ts,
            "--yes",
        ])
        .ok();
    let messages = admin
        .run(&[
            "--output", "json", "users", "messages", "week", &bob, &conv, &year, &wk,
        ])
        .ok()
        .json();
    let texts: Vec<&str> = messages
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, vec!["Second"], "only the chosen message went");

    // On a terminal, deleting history names the word to type and offers an export first.
    let (code, screen) = crate::common::on_a_terminal(
        &admin,
        &["users", "messages", "delete", &bob, &conv],
        "no\n",
    );
    assert_eq!(code, 2, "not confirmed: {screen}");
    assert!(
        screen.contains("messages export"),
        "offers an export first: {screen}"
    );

    // The whole history exported, with a checksum file beside it.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bob.jsonl");
    let path = file.to_str().expect("utf-8");
    admin
        .run(&["users", "messages", "export", &bob, "-f", path])
        .ok();
    let exported = std::fs::read_to_string(&file).expect("export");
    let lines: Vec<serde_json::Value> = exported
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "the message left: {exported}");
    assert_eq!(lines[0]["text"], "Second");
    assert_eq!(
        (lines[0]["year"].is_i64(), lines[0]["week"].is_u64()),
        (true, true)
    );
    // trillian-core's manifest, in `sha256sum -c` format
    let sums = std::fs::read_to_string(dir.path().join("bob.manifest.sha256")).expect("manifest");
    assert!(
        sums.ends_with("  bob.jsonl\n") && sums.len() == 64 + 2 + 9 + 1,
        "{sums:?}"
    );
    let csv = admin
        .run(&["users", "messages", "export", &bob, "--format", "csv"])
        .ok();
    assert_eq!(
        csv.stdout.lines().next(),
        Some("year,week,conversation_with,timestamp_ms,time_utc,from,text"),
        "CSV to stdout: {}",
        csv.stdout
    );
    assert!(csv.stdout.contains(",Second"), "{}", csv.stdout);
    let html = admin
        .run(&["users", "messages", "export", &bob, "--format", "html"])
        .ok();
    assert!(
        html.stdout.starts_with("<!DOCTYPE html>") && html.stdout.contains("Second"),
        "HTML to stdout: {}",
        html.stdout
    );

    admin
        .run(&["users", "messages", "delete", &bob, &conv])
        .code(2);
    admin
        .run(&["users", "messages", "delete", &bob, &conv, "--yes"])
        .ok();
}

#[test]
fn import_dry_run_then_real_with_per_row_results_and_export() {
    let inv = Invocation::admin();
    let a = format!("{}@{DOMAIN}", unique("imp"));
    let b = format!("{}@{DOMAIN}", unique("imp"));
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("hr.csv");
    std::fs::write(
        &csv,
        format!(
            "im,password,email,displayname\n\
             {a},pw-one-1,a@example.com,Ann\n\
             ,pw-two-2,,No Address\n\
             {b},pw-three,b@example.com,\"Bee, B.\"\n"
        ),
    )
    .expect("write csv");
    let path = csv.to_str().expect("utf-8");

    let dry = inv
        .run(&["--output", "json", "users", "import", path, "--dry-run"])
        .code(1)
        .json();
    assert_eq!(dry["dry_run"], true);
    let rows = dry["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3, "one result per row: {dry}");
    assert_eq!(rows[0]["status"], "ok");
    assert_eq!(rows[1]["status"], "failed", "row without an IM address");
    inv.run(&["users", "get", &a]).code(1);

    let real = inv
        .run(&[
            "--output",
            "json",
            "users",
            "import",
            path,
            "--concurrency",
            "2",
        ])
        .code(1)
        .json();
    let rows = real["rows"].as_array().expect("rows");
    assert_eq!(rows[0]["status"], "created", "{real}");
    assert_eq!(rows[2]["status"], "created");
    assert_eq!(rows[1]["status"], "failed");
    assert_eq!(real["created"], 2);
    assert_eq!(real["failed"], 1);
    let bee = inv
        .run(&["--output", "json", "users", "get", &b])
        .ok()
        .json();
    assert_eq!(bee["displayname"], "Bee, B.", "quoted CSV field");

    // Importing the same file again skips who exists (a safe re-run), one result per row.
    let again = inv
        .run(&["--output", "json", "users", "import", path])
        .code(1)
        .json();
    assert_eq!(again["created"], 0);
    assert_eq!(again["skipped"], 2, "{again}");
    assert_eq!(again["rows"][0]["status"], "skipped");
    assert_eq!(
        again["rows"][1]["status"], "failed",
        "the row without an address, again"
    );

    let export = inv.run(&["users", "export"]).ok();
    let mut reader = csv::Reader::from_reader(export.stdout.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "im",
            "displayname",
            "email",
            "group",
            "policy",
            "flags",
            "created_at"
        ]
    );
    let ims: Vec<String> = reader
        .records()
        .filter_map(|r| r.ok())
        .map(|r| r[0].to_owned())
        .collect();
    assert!(
        ims.contains(&a) && ims.contains(&b),
        "export has the imported users"
    );

    let file = dir.path().join("out.csv");
    inv.run(&["users", "export", "--file", file.to_str().expect("utf-8")])
        .ok();
    let written = std::fs::read_to_string(&file).expect("export file");
    assert!(
        written.starts_with("im,displayname,"),
        "same CSV in the file: {written}"
    );
    assert!(
        written.contains(&a),
        "other tests add users meanwhile; ours are there"
    );
}

#[test]
fn import_from_standard_input_and_password_change() {
    let inv = Invocation::admin();
    let im = format!("{}@{DOMAIN}", unique("stdin"));
    let report = inv
        .clone()
        .stdin(format!("im,password,group\n{im},first-pass,1\n"))
        .run(&["--output", "json", "users", "import", "-"])
        .ok()
        .json();
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["rows"][0]["line"], 2);
    let user = inv
        .run(&["--output", "json", "users", "get", &im])
        .ok()
        .json();
    assert_eq!(user["group"], 1);

    // The new password comes from standard input, never from an argument; nothing else changes.
    let updated = inv
        .clone()
        .stdin("second-pass\n")
        .run(&[
            "--output",
            "json",
            "users",
            "update",
            &im,
            "--password-stdin",
        ])
        .ok()
        .json();
    assert_eq!(updated["im"], im.as_str());
    assert!(
        !inv.run(&["users", "update", &im]).code(2).stderr.is_empty(),
        "nothing to change"
    );
    // An empty password is refused before any request.
    inv.clone()
        .stdin("\n")
        .run(&["users", "update", &im, "--password-stdin"])
        .code(2);
}

#[test]
fn user_messages_weeks_and_export_cover_every_conversation() {
    let admin = Invocation::admin();
    let (alice, bob, carol) = (new_user(&admin), new_user(&admin), new_user(&admin));
    // no history at all: an empty list, not an error
    let none = admin
        .run(&["--output", "json", "users", "messages", "weeks", &alice])
        .ok()
        .json();
    assert_eq!(none, serde_json::json!([]), "no history is empty");
    // alice writes to bob and to carol: two conversations in alice's history
    let as_alice = Invocation::one_off(&server().url, &server().user_token(&alice));
    for to in [&bob, &carol] {
        as_alice
            .run(&["users", "messages", "send", to, "--from", &alice, "hello"])
            .ok();
    }
    let weeks = admin
        .run(&["--output", "json", "users", "messages", "weeks", &alice])
        .ok()
        .json();
    let mut convs: Vec<&str> = weeks
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|w| w["conversation"].as_str())
        .collect();
    convs.dedup();
    assert_eq!(convs.len(), 2, "both conversations listed: {weeks}");
    let csv = admin
        .run(&["users", "messages", "export", &alice, "--format", "csv"])
        .ok();
    assert_eq!(
        csv.stdout.matches(",hello").count(),
        2,
        "both conversations exported: {}",
        csv.stdout
    );
}

#[test]
fn import_follows_the_apps_rules_bare_names_password_rules_duplicates_generated_passwords() {
    let inv = Invocation::admin();
    let bare = unique("bare");
    let weak = format!("{}@{DOMAIN}", unique("weak"));
    let twice = format!("{}@{DOMAIN}", unique("twice"));
    let generated = format!("{}@{DOMAIN}", unique("gen"));
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("rules.csv");
    std::fs::write(
        &csv,
        format!(
            "im,password\n\
             {bare},tide-pool-7\n\
             {weak},short\n\
             {twice},tide-pool-8\n\
             {twice},tide-pool-9\n\
             {generated},\n"
        ),
    )
    .expect("write csv");
    let path = csv.to_str().expect("utf-8");
    let out = inv
        .run(&[
            "--output",
            "json",
            "users",
            "import",
            path,
            "--generate-passwords",
        ])
        .code(1)
        .json();
    let rows = out["rows"].as_array().expect("rows");
    let status: Vec<&str> = rows
        .iter()
        .map(|r| r["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        status,
        ["created", "failed", "created", "skipped", "created"],
        "{out}"
    );
    assert!(
        rows[1]["message"]
            .as_str()
            .unwrap_or("")
            .contains("password"),
        "the rule that refused the row: {out}"
    );
    assert!(
        rows[3]["message"]
            .as_str()
            .unwrap_or("")
            .contains("earlier in the file"),
        "{out}"
    );
    let shown = rows[4]["message"].as_str().unwrap_or("");
    assert!(
        shown.contains("password: "),
        "a generated password is shown once: {out}"
    );
    inv.run(&["users", "get", &format!("{bare}@{DOMAIN}")]).ok();
    inv.run(&["users", "get", &weak]).code(1);
}

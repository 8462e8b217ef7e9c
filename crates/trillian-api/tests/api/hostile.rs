//! Documents a real server, a proxy or an attacker could send: each decodes right or gives a
//! typed `Decode` error naming the operation — never a panic, never a hang.

use std::time::{Duration, Instant};

use trillian_api::xml::{decode_list, decode_messages, decode_one};
use trillian_api::*;

fn decode_err<T: std::fmt::Debug>(r: Result<T>) -> (String, String) {
    match r {
        Err(Error::Decode { what, excerpt }) => (what, excerpt),
        other => panic!("expected a Decode error, got {other:?}"),
    }
}

#[test]
fn attributes_in_another_order_and_unknown_ones() {
    let body = br#"<response><messages><message from="a@d" extra="1" timestamp="12">hi</message>
        </messages></response>"#;
    let m = decode_messages(body, "op").expect("decodes");
    assert_eq!(
        m,
        vec![Message {
            timestamp: 12,
            from: "a@d".into(),
            text: "hi".into()
        }]
    );
    let body = br#"<response><presence timestamp="5" zz="q" message="m" status="9" name="n">
        <devices><device build="b" version="v" platform="p" name="dn" ip="16777343" new="x"/>
        </devices></presence></response>"#;
    let p: Vec<Presence> = decode_list(body, "op").expect("decodes");
    assert_eq!(
        p[0].status,
        PresenceStatus::Unknown(9),
        "unknown status kept"
    );
    assert_eq!(p[0].timestamp, 5);
    assert_eq!(p[0].devices[0].ip_dotted(), "127.0.0.1");
    assert_eq!(p[0].devices[0].build, "b");
}

#[test]
fn unknown_elements_whitespace_comments_and_declaration() {
    let body = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hello -->\n<response>\n  \
        <future a=\"1\"><deep><deeper>text</deeper></deep></future>\n  <user name=\"u@d\">\n    \
        <displayname>U</displayname>\n    <newThing><x/><y>1</y></newThing>\n    \
        <!-- c --><group>\n 7 \n</group>\n  </user>\n  <?pi data?>\n</response>\n";
    let users: Vec<User> = decode_list(body.as_bytes(), "op").expect("decodes");
    assert_eq!(users.len(), 1, "unknown <future> skipped");
    assert_eq!(users[0].name, "u@d");
    assert_eq!(users[0].displayname, "U");
    assert_eq!(users[0].group, 7, "numbers trimmed");
    assert_eq!(users[0].email, "", "missing optional element is empty");
    assert_eq!(users[0].addressbook_href, None);
}

#[test]
fn entities_and_cdata_in_text() {
    let body = br##"<response><groupchat name="#a&amp;b@d"><displayname>A &amp; B &lt;&#233;&#x263A;&gt; &quot;&apos;</displayname><topic><![CDATA[<b>bold</b> & more]]> tail</topic></groupchat></response>"##;
    let g: GroupChat = decode_one(body, "op").expect("decodes");
    assert_eq!(g.name, "#a&b@d", "entity in an attribute");
    assert_eq!(
        g.displayname, "A & B <\u{e9}\u{263a}> \"'",
        "entities joined back"
    );
    assert_eq!(g.topic, "<b>bold</b> & more tail", "CDATA and text joined");
}

#[test]
fn empty_elements() {
    let body = br#"<response><groupchat name="x"/><groupchat name="y"><displayname/><flags/><topic></topic><members/></groupchat></response>"#;
    let list: Vec<GroupChat> = decode_list(body, "op").expect("decodes");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].name, "x");
    assert_eq!(list[1].flags, GroupChatFlags::empty(), "<flags/> is 0");
    assert_eq!(list[1].displayname, "");
    let empty: Vec<User> = decode_list(b"<response/>", "op").expect("decodes");
    assert!(empty.is_empty(), "<response/> is an empty list");
}

#[test]
fn doctype_and_entity_bomb_are_refused() {
    let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><response><user name="&lol3;"/></response>"#;
    let (what, excerpt) = decode_err(decode_list::<User>(bomb, "users.list"));
    assert_eq!(what, "users.list", "names the operation");
    assert!(excerpt.contains("DOCTYPE"), "says why: {excerpt}");
    let plain = b"<!DOCTYPE response><response/>";
    decode_err(decode_list::<User>(plain, "users.list"));
}

#[test]
fn unknown_entity_is_refused() {
    let body = br#"<response><user name="a"><displayname>&xxe;</displayname></user></response>"#;
    let (_, excerpt) = decode_err(decode_list::<User>(body, "users.list"));
    assert!(excerpt.contains("xxe"), "{excerpt}");
}

#[test]
fn deep_nesting_is_refused_quickly() {
    let n = 100_000;
    let mut body = String::from("<response><user name=\"a\">");
    body.push_str(&"<x>".repeat(n));
    body.push_str(&"</x>".repeat(n));
    body.push_str("</user></response>");
    let started = Instant::now();
    let (_, excerpt) = decode_err(decode_list::<User>(body.as_bytes(), "users.list"));
    assert!(excerpt.contains("nested"), "{excerpt}");
    assert!(started.elapsed() < Duration::from_secs(2), "fails fast");
    // the same without a closing: truncated and deep
    let open_only = format!("<response>{}", "<a>".repeat(n));
    decode_err(decode_list::<User>(open_only.as_bytes(), "users.list"));
}

#[test]
fn invalid_utf8_is_a_decode_error_with_the_operation() {
    let mut body = b"<response><user name=\"".to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0x80]);
    body.extend_from_slice(b"\"/></response>");
    let (what, excerpt) = decode_err(decode_list::<User>(&body, "users.list"));
    assert_eq!(what, "users.list");
    assert!(excerpt.contains("UTF-8"), "{excerpt}");
    // in text, in a comment, between elements, in a name
    for (before, after) in [
        (
            "<response><user name=\"a\"><email>x",
            "</email></user></response>",
        ),
        ("<response><!-- ", " --><user name=\"a\"/></response>"),
        (
            "<response><user name=\"a\"/>",
            "<user name=\"b\"/></response>",
        ),
        ("<response><us", "er name=\"a\"/></response>"),
    ] {
        let mut body = before.as_bytes().to_vec();
        body.push(0xc3);
        body.extend_from_slice(after.as_bytes());
        let (_, excerpt) = decode_err(decode_list::<User>(&body, "users.list"));
        assert!(!excerpt.is_empty(), "{before}");
    }
}

#[test]
fn truncated_html_empty_and_garbage_bodies() {
    let full = crate::fixture("reference/groupchats_list.xml");
    for cut in [1, 10, full.len() / 2, full.len() - 12] {
        let r = decode_list::<GroupChat>(&full[..cut], "groupchats.list");
        let (what, _) = decode_err(r);
        assert_eq!(what, "groupchats.list", "cut at {cut}");
    }
    let html = b"<!doctype html><html><head><title>502 Bad Gateway</title></head></html>";
    decode_err(decode_list::<User>(html, "users.list"));
    let html = b"<html><body>Proxy error</body></html>";
    let (_, excerpt) = decode_err(decode_list::<User>(html, "users.list"));
    assert!(
        excerpt.contains("HTML"),
        "says it is an HTML page: {excerpt}"
    );
    let (_, excerpt) = decode_err(decode_list::<User>(b"", "users.list"));
    assert!(excerpt.contains("empty"), "{excerpt}");
    decode_err(decode_list::<User>(b"   \n", "users.list"));
    decode_err(decode_list::<User>(b"Service Unavailable", "users.list"));
    decode_err(decode_list::<User>(b"{\"json\": true}", "users.list"));
    decode_err(decode_list::<User>(
        b"<response><user></response>",
        "users.list",
    ));
    // a duplicated attribute: the first one wins or it is an error, never a panic
    let dup = decode_list::<User>(b"<response><user name='a' name='b'/></response>", "x");
    assert!(dup.as_ref().map_or(true, |u| u[0].name == "a"), "{dup:?}");
}

#[test]
fn bad_numbers_and_missing_single_items() {
    let body = b"<response><user name=\"a\"><group>seven</group></user></response>";
    let (_, excerpt) = decode_err(decode_list::<User>(body, "users.list"));
    assert!(excerpt.contains("group"), "{excerpt}");
    let body = b"<response><peer/></response>";
    decode_err(trillian_api::xml::decode_peer(body, "groups.peers.add"));
    let (_, excerpt) = decode_err(decode_one::<User>(b"<response></response>", "users.get"));
    assert!(excerpt.contains("<user>"), "{excerpt}");
    let body = b"<response><policy id=\"1\"><data>!!notbase64</data></policy></response>";
    decode_err(decode_list::<Policy>(body, "policies.list"));
}

/// A cheap fuzz pass: every prefix and many mutations of every reference document decode or
/// fail with a typed error (a panic fails the test).
#[test]
fn mutations_of_reference_documents_never_panic() {
    let dir = format!("{}/tests/fixtures/reference", env!("CARGO_MANIFEST_DIR"));
    let mut rng = fastrand::Rng::with_seed(42);
    let entries = std::fs::read_dir(&dir).expect("fixtures dir");
    for e in entries {
        let path = e.expect("entry").path();
        let doc = std::fs::read(&path).expect("fixture");
        for _ in 0..300 {
            let mut m = doc.clone();
            for _ in 0..rng.usize(1..4) {
                let i = rng.usize(..m.len());
                match rng.u8(..3) {
                    0 => m[i] = rng.u8(..),
                    1 => {
                        m.remove(i);
                    }
                    _ => m.insert(i, b"<>&;/\"'=#![x"[rng.usize(..12)]),
                }
            }
            let _ = decode_list::<GroupChat>(&m, "f");
            let _ = decode_list::<User>(&m, "f");
            let _ = decode_list::<Group>(&m, "f");
            let _ = decode_list::<Policy>(&m, "f");
            let _ = decode_list::<Presence>(&m, "f");
            let _ = decode_list::<MediaItem>(&m, "f");
            let _ = decode_one::<MessageHistory>(&m, "f");
            let _ = decode_messages(&m, "f");
            let _ = trillian_api::xml::decode_members(&m, "f");
            let _ = trillian_api::xml::decode_peers(&m, "f");
            let _ = trillian_api::xml::decode_error(&m);
        }
    }
}

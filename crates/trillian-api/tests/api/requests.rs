//! Request building of every operation (method, raw path with encoded segments, query, body),
//! checked on a loopback capture server that answers with the reference's documents.

use std::sync::{Arc, Mutex};

use trillian_api::*;

use crate::TOKEN;
use crate::capture::{CaptureServer, Captured, Reply};

const D: &str = "/v2/ceruleanstudios.com";
const CHAT: &str = "#e777b98d42ae25754f3ae6bd2847dc8967ae8c5c@ceruleanstudios.com";
const CHAT_ENC: &str = "%23e777b98d42ae25754f3ae6bd2847dc8967ae8c5c%40ceruleanstudios.com";
const ITEM: &str = "ZZQbFbiyRJ1IJdlIkaQkIwXkDFa2K8NKmC+3pwjR7wU=";
const ITEM_ENC: &str = "ZZQbFbiyRJ1IJdlIkaQkIwXkDFa2K8NKmC%2B3pwjR7wU%3D";
const ITEM2: &str = "oaoE1007PaKuresDf88IEcxJ6xsFWS/SuLWP/kzzIjs=";
const ITEM2_ENC: &str = "oaoE1007PaKuresDf88IEcxJ6xsFWS%2FSuLWP%2FkzzIjs%3D";
const IM: &str = "smw@ceruleanstudios.com";
const IM_ENC: &str = "smw%40ceruleanstudios.com";
const CONV: &str = "c798b870f797b37878fe19cf05198f50d88273dd";

async fn setup() -> (CaptureServer, Client) {
    crate::captured_logs();
    let s = CaptureServer::start().await;
    let c = s.client();
    (s, c)
}

/// Checks one captured request; `form` is compared as decoded pairs, in order.
fn check(c: &Captured, method: &str, path: &str, query: &[(&str, &str)], form: &[(&str, &str)]) {
    assert_eq!(c.method, method, "method of {}", c.target);
    assert_eq!(c.path, path, "raw path (segments encoded one by one)");
    assert_eq!(c.query_value("token"), Some(TOKEN), "token in the query");
    let q: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(c.query_without_token(), q, "query of {path}");
    let f: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(c.form(), f, "form body of {method} {path}");
    if !form.is_empty() {
        assert_eq!(
            c.header("content-type"),
            Some("application/x-www-form-urlencoded"),
            "form content type"
        );
    }
}

fn user_doc() -> Reply {
    Reply::fixture(200, "decisions/user.xml")
}

// ----- group chats ---------------------------------------------------------------------------

#[tokio::test]
async fn groupchats_list() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/groupchats_list.xml"));
    let chats = c
        .groupchats()
        .list(Expand::GROUPS | Expand::MEMBERS)
        .await
        .expect("list");
    assert_eq!(chats.len(), 2);
    check(
        &s.last(),
        "GET",
        &format!("{D}/groupchats/"),
        &[("groups", "1"), ("members", "1")],
        &[],
    );
    s.push(Reply::fixture(200, "reference/groupchats_list.xml"));
    c.groupchats().list(Expand::PEERS).await.expect("list");
    check(&s.last(), "GET", &format!("{D}/groupchats/"), &[], &[]);
}

#[tokio::test]
async fn groupchats_get() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/groupchats_get.xml"));
    let g = c
        .groupchats()
        .get(CHAT, Expand::MEMBERS)
        .await
        .expect("get");
    assert_eq!(g.name, CHAT);
    check(
        &s.last(),
        "GET",
        &format!("{D}/groupchats/{CHAT_ENC}/"),
        &[("members", "1")],
        &[],
    );
}

#[tokio::test]
async fn groupchats_create() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(201, "reference/groupchats_create.xml"));
    let new = NewGroupChat {
        displayname: Some("Sales & Co".into()),
        flags: Some(GroupChatFlags::DISABLE_LIST),
    };
    let g = c.groupchats().create(&new).await.expect("create");
    assert_eq!(g.displayname, "Sales");
    let last = s.last();
    check(
        &last,
        "POST",
        &format!("{D}/groupchats/"),
        &[],
        &[("displayname", "Sales & Co"), ("flags", "1024")],
    );
    assert_eq!(
        String::from_utf8_lossy(&last.body),
        "displayname=Sales%20%26%20Co&flags=1024"
    );
}

#[tokio::test]
async fn groupchats_update() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/groupchats_update.xml"));
    let up = GroupChatUpdate {
        topic: Some("This is a brand new topic!".into()),
        ..Default::default()
    };
    let g = c.groupchats().update(CHAT, &up).await.expect("update");
    assert_eq!(g.topic, "This is a brand new topic!");
    check(
        &s.last(),
        "PATCH",
        &format!("{D}/groupchats/{CHAT_ENC}/"),
        &[],
        &[("topic", "This is a brand new topic!")],
    );
}

#[tokio::test]
async fn updates_use_post_when_asked() {
    let s = CaptureServer::start().await;
    let c = s
        .builder(TOKEN)
        .post_for_updates(true)
        .build()
        .expect("client");
    s.push(Reply::fixture(200, "reference/groupchats_update.xml"));
    let up = GroupChatUpdate {
        flags: Some(GroupChatFlags::from_bits_retain(7936)),
        ..Default::default()
    };
    c.groupchats().update(CHAT, &up).await.expect("update");
    check(
        &s.last(),
        "POST",
        &format!("{D}/groupchats/{CHAT_ENC}/"),
        &[],
        &[("flags", "7936")],
    );
    s.push(Reply::fixture(200, "reference/policies_update.xml"));
    c.policies()
        .update(
            3,
            &PolicyUpdate {
                name: Some("x".into()),
                data: None,
            },
        )
        .await
        .expect("p");
    assert_eq!(s.last().method, "POST");
    s.push(Reply::fixture(200, "decisions/user.xml"));
    c.users()
        .update(IM, &UserUpdate::default())
        .await
        .expect("u");
    assert_eq!(s.last().method, "POST");
    s.push(Reply::empty(204));
    c.presence()
        .update(IM, &PresenceUpdate::default())
        .await
        .expect("pr");
    assert_eq!(s.last().method, "POST");
}

// ----- group chat media ----------------------------------------------------------------------

#[tokio::test]
async fn groupchats_media_list() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/groupchats_media_list.xml"));
    let items = c.groupchats().media(CHAT).list().await.expect("list");
    assert_eq!(items.len(), 2);
    check(
        &s.last(),
        "GET",
        &format!("{D}/groupchats/{CHAT_ENC}/media/"),
        &[],
        &[],
    );
}

#[tokio::test]
async fn groupchats_media_get() {
    let (s, c) = setup().await;
    s.push(Reply::new(200, "image/jpeg", b"JPEGDATA".to_vec()).header(
        "Content-Disposition",
        "attachment; filename=\"Stage 3 Mockup.jpg\"",
    ));
    let mut out = Vec::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let progress: ProgressFn = Arc::new(move |done, total| {
        if let Ok(mut v) = seen2.lock() {
            v.push((done, total));
        }
    });
    let info = c
        .groupchats()
        .media(CHAT)
        .download(ITEM, &mut out, Some(progress))
        .await
        .expect("get");
    assert_eq!(out, b"JPEGDATA");
    assert_eq!(info.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(info.content_length, Some(8));
    assert_eq!(info.filename.as_deref(), Some("Stage 3 Mockup.jpg"));
    assert_eq!(
        seen.lock().expect("p").last(),
        Some(&(8, Some(8))),
        "progress reached the end"
    );
    check(
        &s.last(),
        "GET",
        &format!("{D}/groupchats/{CHAT_ENC}/media/{ITEM_ENC}/"),
        &[],
        &[],
    );
    // in memory, and the thumbnail
    s.push(Reply::new(200, "text/plain", b"abc".to_vec()));
    let got = c.groupchats().media(CHAT).get(ITEM2).await.expect("get");
    assert_eq!(got.bytes, b"abc");
    check(
        &s.last(),
        "GET",
        &format!("{D}/groupchats/{CHAT_ENC}/media/{ITEM2_ENC}/"),
        &[],
        &[],
    );
    s.push(Reply::new(200, "image/jpeg", b"thumb".to_vec()));
    let t = c
        .groupchats()
        .media(CHAT)
        .thumbnail(ITEM2)
        .await
        .expect("thumb");
    assert_eq!(t.bytes, b"thumb");
    check(
        &s.last(),
        "GET",
        &format!("{D}/groupchats/{CHAT_ENC}/media/{ITEM2_ENC}/"),
        &[("thumbnail", "1")],
        &[],
    );
}

#[tokio::test]
async fn groupchats_media_head() {
    let (s, c) = setup().await;
    s.push(
        Reply::new(200, "text/plain", Vec::new())
            .header("Content-Disposition", "inline; filename=\"a.txt\""),
    );
    let info = c.groupchats().media(CHAT).head(ITEM2).await.expect("head");
    assert_eq!(info.content_type.as_deref(), Some("text/plain"));
    assert_eq!(info.filename.as_deref(), Some("a.txt"));
    check(
        &s.last(),
        "HEAD",
        &format!("{D}/groupchats/{CHAT_ENC}/media/{ITEM2_ENC}/"),
        &[],
        &[],
    );
}

#[tokio::test]
async fn groupchats_media_create() {
    let (s, c) = setup().await;
    let media = crate::fixture("reference/groupchats_media_list.xml");
    s.push(Reply::xml(201, media));
    let data: Vec<u8> = (0u8..=255).cycle().take(1000).collect();
    let upload = MediaUpload::from_bytes("Sales Goals.txt", "text/plain", data.clone())
        .with_thumbnail(vec![1, 2, 3, 0xfb, 0xff])
        .with_dimensions(640, 480);
    let item = c
        .groupchats()
        .media(CHAT)
        .upload(upload, None)
        .await
        .expect("upload");
    assert_eq!(item.map(|i| i.size), Some(6), "first <media> of the answer");
    use base64::Engine as _;
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let last = s.last();
    check(
        &last,
        "POST",
        &format!("{D}/groupchats/{CHAT_ENC}/media/"),
        &[],
        &[
            ("data", &b64(&data)),
            ("name", "Sales Goals.txt"),
            ("type", "text/plain"),
            ("thumbnail", &b64(&[1, 2, 3, 0xfb, 0xff])),
            ("imagewidth", "640"),
            ("imageheight", "480"),
        ],
    );
    assert_eq!(
        last.header("content-length"),
        Some(&*last.body.len().to_string()),
        "exact length"
    );
    // an answer with no body is `None`
    s.push(Reply::empty(201));
    let empty = MediaUpload::from_bytes("e", "a/b", Vec::new());
    let none = c
        .users()
        .media(IM)
        .upload(empty, None)
        .await
        .expect("upload");
    assert_eq!(none, None);
    check(
        &s.last(),
        "POST",
        &format!("{D}/users/{IM_ENC}/media/"),
        &[],
        &[("data", ""), ("name", "e"), ("type", "a/b")],
    );
}

#[tokio::test]
async fn groupchats_media_delete() {
    let (s, c) = setup().await;
    s.push(Reply::empty(204));
    c.groupchats()
        .media(CHAT)
        .delete(ITEM)
        .await
        .expect("delete");
    check(
        &s.last(),
        "DELETE",
        &format!("{D}/groupchats/{CHAT_ENC}/media/{ITEM_ENC}/"),
        &[],
        &[],
    );
}

// ----- group chat members --------------------------------------------------------------------

#[tokio::test]
async fn groupchats_members_list() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/groupchats_members_list.xml"));
    let m = c.groupchats().members(CHAT).list().await.expect("list");
    assert_eq!(m.len(), 2);
    check(
        &s.last(),
        "GET",
        &format!("{D}/groupchats/{CHAT_ENC}/members/"),
        &[],
        &[],
    );
}

#[tokio::test]
async fn groupchats_members_add() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(201, "reference/groupchats_members_add.xml"));
    let m = c
        .groupchats()
        .members(CHAT)
        .add("kwk@ceruleanstudios.com", None)
        .await
        .expect("add");
    assert_eq!(m.name, "kwk@ceruleanstudios.com");
    check(
        &s.last(),
        "POST",
        &format!("{D}/groupchats/{CHAT_ENC}/members/kwk%40ceruleanstudios.com/"),
        &[],
        &[],
    );
    s.push(Reply::fixture(200, "reference/groupchats_members_add.xml"));
    let flags = Some(MemberFlags::OP | MemberFlags::VOICE);
    c.groupchats()
        .members(CHAT)
        .add(IM, flags)
        .await
        .expect("add");
    check(
        &s.last(),
        "POST",
        &format!("{D}/groupchats/{CHAT_ENC}/members/{IM_ENC}/"),
        &[],
        &[("flags", "3")],
    );
}

#[tokio::test]
async fn groupchats_members_remove() {
    let (s, c) = setup().await;
    s.push(Reply::empty(204));
    c.groupchats()
        .members(CHAT)
        .remove(IM)
        .await
        .expect("remove");
    check(
        &s.last(),
        "DELETE",
        &format!("{D}/groupchats/{CHAT_ENC}/members/{IM_ENC}/"),
        &[],
        &[],
    );
}

// ----- messages (group chats and users share the code; both are checked) ---------------------

async fn messages_ops(s: &CaptureServer, api: MessagesApi<'_>, base: &str) {
    s.push(Reply::fixture(
        200,
        "reference/groupchats_messages_weeks.xml",
    ));
    let h = api.weeks().await.expect("weeks");
    assert_eq!(h.weeks.len(), 1);
    check(&s.last(), "GET", &format!("{base}/messages/"), &[], &[]);

    s.push(Reply::fixture(
        200,
        "reference/groupchats_messages_week.xml",
    ));
    let week = api.week(CONV, 2016, 20).await.expect("week");
    assert_eq!(week.len(), 3);
    check(
        &s.last(),
        "GET",
        &format!("{base}/messages/{CONV}/2016/20/"),
        &[],
        &[],
    );

    s.push(Reply::fixture(
        200,
        "reference/groupchats_messages_send.xml",
    ));
    let sent = api.send(IM, "Hello from the API!").await.expect("send");
    assert_eq!(sent.text, "Hello from the API!");
    check(
        &s.last(),
        "POST",
        &format!("{base}/messages/"),
        &[],
        &[("from", IM), ("message", "Hello from the API!")],
    );

    s.push(Reply::empty(204));
    api.delete_messages(CONV, 2016, 20, &week[..2])
        .await
        .expect("delete block");
    let last = s.last();
    let form = last.form();
    assert_eq!(form.len(), 1);
    assert_eq!(form[0].0, "block");
    use base64::Engine as _;
    let block = base64::engine::general_purpose::STANDARD
        .decode(&form[0].1)
        .expect("Base64");
    let back =
        trillian_api::xml::decode_message_block(&block, "block").expect("a <messages> block");
    assert_eq!(
        back,
        week[..2].to_vec(),
        "the block holds the two messages as returned"
    );
    check(
        &last,
        "DELETE",
        &format!("{base}/messages/{CONV}/2016/20/"),
        &[],
        &[("block", &form[0].1)],
    );

    s.push(Reply::empty(204));
    api.delete_week(CONV, 2016, 20).await.expect("delete week");
    check(
        &s.last(),
        "DELETE",
        &format!("{base}/messages/{CONV}/2016/20/"),
        &[],
        &[],
    );

    s.push(Reply::empty(204));
    api.delete_all(CONV).await.expect("delete all");
    check(
        &s.last(),
        "DELETE",
        &format!("{base}/messages/{CONV}/"),
        &[],
        &[],
    );
}

#[tokio::test]
async fn groupchats_messages() {
    let (s, c) = setup().await;
    messages_ops(
        &s,
        c.groupchats().messages(CHAT),
        &format!("{D}/groupchats/{CHAT_ENC}"),
    )
    .await;
}

#[tokio::test]
async fn users_messages() {
    let (s, c) = setup().await;
    messages_ops(&s, c.users().messages(IM), &format!("{D}/users/{IM_ENC}")).await;
    // a user's history holds one <messages> per conversation partner
    let one = String::from_utf8(crate::fixture("reference/groupchats_messages_weeks.xml"))
        .expect("utf-8");
    let inner = one
        .trim()
        .trim_start_matches("<response>")
        .trim_end_matches("</response>");
    let two = format!(
        "<response>{inner}{}</response>",
        inner.replace("c798b870", "0000aaaa")
    );
    s.push(Reply::xml(200, two));
    let convs = c
        .users()
        .messages(IM)
        .conversations()
        .await
        .expect("conversations");
    assert_eq!(convs.len(), 2, "both conversations");
    assert_eq!(
        convs[1].conversation,
        "0000aaaaf797b37878fe19cf05198f50d88273dd"
    );
    check(
        &s.last(),
        "GET",
        &format!("{D}/users/{IM_ENC}/messages/"),
        &[],
        &[],
    );
    s.push(Reply::xml(200, "<response/>"));
    let none = c
        .users()
        .messages(IM)
        .conversations()
        .await
        .expect("no history");
    assert!(none.is_empty(), "no history is an empty list");
}

// ----- groups and peers ----------------------------------------------------------------------

#[tokio::test]
async fn groups_list_and_get() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/groups_list.xml"));
    assert_eq!(c.groups().list(Expand::PEERS).await.expect("list").len(), 3);
    check(
        &s.last(),
        "GET",
        &format!("{D}/groups/"),
        &[("peers", "1")],
        &[],
    );
    s.push(Reply::fixture(200, "reference/groups_get.xml"));
    assert_eq!(c.groups().get(1, Expand::empty()).await.expect("get").id, 1);
    check(&s.last(), "GET", &format!("{D}/groups/1/"), &[], &[]);
}

#[tokio::test]
async fn groups_create_update_delete() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/groups_create.xml"));
    let new = NewGroup {
        displayname: "Development".into(),
        name: "f7ff9e8b7bb2e09b70935a5d785e0cc5d9d0abf0".into(),
        parent: Some(0),
        policy: Some(1),
        priority: Some(0),
        kind: Some(0),
    };
    assert_eq!(
        c.groups().create(&new).await.expect("create").peers,
        vec![1, 2, 3, 4]
    );
    check(
        &s.last(),
        "POST",
        &format!("{D}/groups/"),
        &[],
        &[
            ("displayname", "Development"),
            ("name", "f7ff9e8b7bb2e09b70935a5d785e0cc5d9d0abf0"),
            ("parent", "0"),
            ("policy", "1"),
            ("priority", "0"),
            ("type", "0"),
        ],
    );
    s.push(Reply::fixture(200, "reference/groups_update.xml"));
    let up = GroupUpdate {
        policy: Some(2),
        ..Default::default()
    };
    assert_eq!(c.groups().update(3, &up).await.expect("update").policy, 2);
    check(
        &s.last(),
        "POST",
        &format!("{D}/groups/3/"),
        &[],
        &[("policy", "2")],
    );
    s.push(Reply::empty(204));
    c.groups().delete(3).await.expect("delete");
    check(&s.last(), "DELETE", &format!("{D}/groups/3/"), &[], &[]);
}

#[tokio::test]
async fn groups_peers() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/groups_peers_list.xml"));
    assert_eq!(
        c.groups().peers(4).list().await.expect("list"),
        vec![1, 2, 3, 4]
    );
    check(&s.last(), "GET", &format!("{D}/groups/4/peers/"), &[], &[]);
    s.push(Reply::fixture(201, "reference/groups_peers_add.xml"));
    assert_eq!(c.groups().peers(4).add(4).await.expect("add"), 4);
    check(
        &s.last(),
        "POST",
        &format!("{D}/groups/4/peers/4/"),
        &[],
        &[],
    );
    s.push(Reply::empty(204));
    c.groups().peers(4).remove(2).await.expect("remove");
    check(
        &s.last(),
        "DELETE",
        &format!("{D}/groups/4/peers/2/"),
        &[],
        &[],
    );
}

// ----- policies ------------------------------------------------------------------------------

#[tokio::test]
async fn policies_all_operations() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/policies_list.xml"));
    let list = c.policies().list().await.expect("list");
    check(&s.last(), "GET", &format!("{D}/policies/"), &[], &[]);
    s.push(Reply::fixture(200, "reference/policies_get.xml"));
    assert_eq!(c.policies().get(1).await.expect("get").id, 1);
    check(&s.last(), "GET", &format!("{D}/policies/1/"), &[], &[]);

    s.push(Reply::fixture(201, "reference/policies_create.xml"));
    let new = NewPolicy {
        name: "Marketing".into(),
        data: list[0].data.clone(),
    };
    assert_eq!(c.policies().create(&new).await.expect("create").id, 3);
    let b64 = list[0].data.to_base64();
    check(
        &s.last(),
        "POST",
        &format!("{D}/policies/"),
        &[],
        &[("data", &b64), ("name", "Marketing")],
    );

    s.push(Reply::fixture(200, "reference/policies_update.xml"));
    let mut items = list[0].data.clone();
    items.set("trillian.plugin.msn", "1");
    let up = PolicyUpdate {
        name: Some("Marketing and HR".into()),
        data: Some(items.clone()),
    };
    assert_eq!(
        c.policies().update(3, &up).await.expect("update").name,
        "Marketing and HR"
    );
    check(
        &s.last(),
        "PATCH",
        &format!("{D}/policies/3/"),
        &[],
        &[("data", &items.to_base64()), ("name", "Marketing and HR")],
    );

    s.push(Reply::empty(204));
    c.policies().delete(3).await.expect("delete");
    check(&s.last(), "DELETE", &format!("{D}/policies/3/"), &[], &[]);
}

// ----- presence ------------------------------------------------------------------------------

#[tokio::test]
async fn presence_list_and_update() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "reference/presence_list.xml"));
    assert_eq!(
        c.presence().list().await.expect("list")[0].devices[0].ip_dotted(),
        "192.168.1.138"
    );
    check(&s.last(), "GET", &format!("{D}/presence/"), &[], &[]);
    s.push(Reply::empty(204));
    let up = PresenceUpdate {
        status: Some(PresenceStatus::DoNotDisturb),
        message: Some("Busy".into()),
    };
    c.presence().update(IM, &up).await.expect("update");
    check(
        &s.last(),
        "PATCH",
        &format!("{D}/presence/{IM_ENC}/"),
        &[],
        &[("message", "Busy"), ("status", "3")],
    );
}

// ----- users ---------------------------------------------------------------------------------

#[tokio::test]
async fn users_all_operations() {
    let (s, c) = setup().await;
    s.push(Reply::fixture(200, "decisions/users_list.xml"));
    assert_eq!(c.users().list().await.expect("list").len(), 2);
    check(&s.last(), "GET", &format!("{D}/users/"), &[], &[]);

    s.push(user_doc());
    assert_eq!(c.users().get(IM).await.expect("get").name, IM);
    check(&s.last(), "GET", &format!("{D}/users/{IM_ENC}/"), &[], &[]);

    s.push(user_doc().header("X-Status", "created"));
    let new = NewUser {
        im: IM.into(),
        password: "xhTTrDc#p\\8P9=4B".into(),
        email: Some(IM.into()),
        displayname: None,
        group: Some(2),
        policy: None,
    };
    c.users().create(&new).await.expect("create");
    let last = s.last();
    check(
        &last,
        "POST",
        &format!("{D}/users/"),
        &[],
        &[
            ("im", IM),
            ("password", "xhTTrDc#p\\8P9=4B"),
            ("email", IM),
            ("group", "2"),
        ],
    );
    assert!(
        String::from_utf8_lossy(&last.body).contains("password=xhTTrDc%23p%5C8P9%3D4B"),
        "the reference's own example encoding"
    );
    assert!(
        !format!("{new:?}").contains("xhTTrDc"),
        "password redacted in Debug"
    );

    s.push(user_doc());
    let up = UserUpdate {
        flags: Some(UserFlags::DISABLED),
        displayname: Some("S W".into()),
        ..Default::default()
    };
    c.users().update(IM, &up).await.expect("update");
    check(
        &s.last(),
        "PATCH",
        &format!("{D}/users/{IM_ENC}/"),
        &[],
        &[("displayname", "S W"), ("flags", "1")],
    );

    s.push(user_doc());
    assert_eq!(
        c.users().delete(IM).await.expect("delete").name,
        IM,
        "deleted user's XML"
    );
    check(
        &s.last(),
        "DELETE",
        &format!("{D}/users/{IM_ENC}/"),
        &[],
        &[],
    );
}

#[tokio::test]
async fn users_avatar() {
    let (s, c) = setup().await;
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    s.push(Reply::new(200, "image/png", png.clone()));
    let got = c.users().avatar(IM).get().await.expect("get");
    assert_eq!(got.bytes, png);
    assert_eq!(got.info.content_type.as_deref(), Some("image/png"));
    check(
        &s.last(),
        "GET",
        &format!("{D}/users/{IM_ENC}/addressbook/avatar/"),
        &[],
        &[],
    );

    s.push(Reply::new(200, "image/png", png.clone()));
    let mut out = Vec::new();
    c.users()
        .avatar(IM)
        .download(&mut out, None)
        .await
        .expect("download");
    assert_eq!(out, png);

    s.push(Reply::empty(201));
    c.users()
        .avatar(IM)
        .set(png.clone(), "image/png")
        .await
        .expect("set");
    let last = s.last();
    assert_eq!(last.method, "PUT");
    assert_eq!(last.path, format!("{D}/users/{IM_ENC}/addressbook/avatar/"));
    assert_eq!(last.header("content-type"), Some("image/png"));
    assert_eq!(last.body, png, "raw bytes");
    assert!(
        matches!(
            c.users().avatar(IM).set(png, "text/html").await,
            Err(Error::Config(_))
        ),
        "only image/* types"
    );

    s.push(Reply::empty(204));
    c.users().avatar(IM).delete().await.expect("delete");
    check(
        &s.last(),
        "DELETE",
        &format!("{D}/users/{IM_ENC}/addressbook/avatar/"),
        &[],
        &[],
    );

    s.push(Reply::xml(
        404,
        "<response><error>no avatar</error></response>",
    ));
    match c.users().avatar(IM).get().await {
        Err(Error::NotFound { message }) => assert!(message.contains("no avatar"), "{message}"),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn users_media() {
    let (s, c) = setup().await;
    let base = format!("{D}/users/{IM_ENC}/media");
    s.push(Reply::fixture(200, "reference/groupchats_media_list.xml"));
    assert_eq!(c.users().media(IM).list().await.expect("list").len(), 2);
    check(&s.last(), "GET", &format!("{base}/"), &[], &[]);
    s.push(Reply::new(200, "text/plain", b"hello".to_vec()));
    let mut out = Vec::new();
    c.users()
        .media(IM)
        .download(ITEM2, &mut out, None)
        .await
        .expect("get");
    assert_eq!(out, b"hello");
    check(&s.last(), "GET", &format!("{base}/{ITEM2_ENC}/"), &[], &[]);
    s.push(Reply::new(200, "text/plain", Vec::new()));
    c.users().media(IM).head(ITEM2).await.expect("head");
    check(&s.last(), "HEAD", &format!("{base}/{ITEM2_ENC}/"), &[], &[]);
    s.push(Reply::fixture(201, "reference/groupchats_media_list.xml"));
    let up = MediaUpload::from_bytes("n.bin", "application/octet-stream", vec![0xfb; 10]);
    c.users().media(IM).upload(up, None).await.expect("upload");
    check(
        &s.last(),
        "POST",
        &format!("{base}/"),
        &[],
        &[
            ("data", "+/v7+/v7+/v7+w=="),
            ("name", "n.bin"),
            ("type", "application/octet-stream"),
        ],
    );
    assert!(
        String::from_utf8_lossy(&s.last().body)
            .starts_with("data=%2B%2Fv7%2B%2Fv7%2B%2Fv7%2Bw%3D%3D&"),
        "Base64 percent-encoded"
    );
    s.push(Reply::empty(204));
    c.users().media(IM).delete(ITEM2).await.expect("delete");
    check(
        &s.last(),
        "DELETE",
        &format!("{base}/{ITEM2_ENC}/"),
        &[],
        &[],
    );
}

#[tokio::test]
async fn dot_segments_are_refused() {
    let (_s, c) = setup().await;
    for bad in ["..", ".", ""] {
        assert!(
            matches!(c.users().get(bad).await, Err(Error::Config(_))),
            "{bad:?} refused"
        );
    }
}

#[tokio::test]
async fn area_futures_borrow_only_the_client() {
    let (s, c) = setup().await;
    // one document holding both lists answers both requests, whichever arrives first
    let inner = |name: &str| {
        let doc = String::from_utf8(crate::fixture(name)).expect("utf-8");
        doc.trim()
            .trim_start_matches("<response>")
            .trim_end_matches("</response>")
            .to_owned()
    };
    let both = format!(
        "<response>{}{}</response>",
        inner("decisions/users_list.xml"),
        inner("reference/groups_list.xml")
    );
    s.push(Reply::xml(200, both.clone()));
    s.push(Reply::xml(200, both));
    // the handles are temporaries: their futures must not borrow them
    let users = c.users().list();
    let groups = c.groups().list(Expand::empty());
    let (users, groups) = tokio::try_join!(users, groups).expect("both");
    assert_eq!((users.len(), groups.len()), (2, 3));
}

#[tokio::test]
async fn user_weeks_without_history_is_empty_and_several_conversations_error_clearly() {
    let (s, c) = setup().await;
    // the sandbox answers a user with no history with an empty <response/>
    s.push(Reply::xml(200, "<response/>"));
    let none = c.users().messages(IM).weeks().await.expect("no history");
    assert!(none.weeks.is_empty(), "no history is an empty history");
    assert!(none.conversation.is_empty(), "no conversation");

    // several correspondents: weeks() must not silently keep only the first
    let one = String::from_utf8(crate::fixture("reference/groupchats_messages_weeks.xml"))
        .expect("utf-8");
    let inner = one
        .trim()
        .trim_start_matches("<response>")
        .trim_end_matches("</response>");
    let two = format!(
        "<response>{inner}{}</response>",
        inner.replace("c798b870", "0000aaaa")
    );
    s.push(Reply::xml(200, two));
    let err = c
        .users()
        .messages(IM)
        .weeks()
        .await
        .expect_err("two conversations are not one history");
    let text = err.to_string();
    assert!(text.contains("2 conversations"), "{text}");
    assert!(text.contains("conversations()"), "{text}");
}

//! Every API operation through the real client (`trillian-api`) against the sandbox on a real
//! socket (`Sandbox::start` on 127.0.0.1:0), including ids with `/`, `+`, `=`, `#`, `?`, `%2F`,
//! spaces and non-ASCII characters round-tripping.

mod soak;

use trillian_api::{
    Client, Error, Expand, GroupChatFlags, GroupChatUpdate, GroupUpdate, MediaUpload, MemberFlags,
    NewGroup, NewGroupChat, NewPolicy, NewUser, PolicyItems, PolicyUpdate, PresenceStatus,
    PresenceUpdate, Token, UserFlags, UserUpdate,
};
use trillian_sandbox::{Config, Owner, Sandbox};

const DOMAIN: &str = "kestrel.test";

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0a, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Odd local parts of IM addresses that must round-trip through paths and XML.
const ODD: &[&str] = &[
    "a/b",
    "plus+sign",
    "eq=ual",
    "hash#tag",
    "ques?tion",
    "pct%2Fslash",
    "sp ace",
    "ünï-çødé",
    "amp&lt<x>\"q'",
];

fn client(sandbox: &Sandbox, token: &str) -> Client {
    Client::builder(sandbox.url(), sandbox.domain(), Token::new(token))
        .build()
        .expect("client for the loopback sandbox")
}

async fn start() -> (Sandbox, Client) {
    let sandbox = Sandbox::start(Config::new(DOMAIN).domain("other.test"))
        .await
        .expect("start");
    let admin = client(&sandbox, &sandbox.admin_token(DOMAIN));
    (sandbox, admin)
}

fn new_user(im: &str) -> NewUser {
    NewUser {
        im: im.to_owned(),
        password: "correct horse".to_owned(),
        displayname: Some(format!("{im} <&>\"'")),
        ..NewUser::default()
    }
}

#[tokio::test]
async fn users_with_odd_ids_round_trip() {
    let (sandbox, api) = start().await;
    for local in ODD {
        let im = format!("{local}@{DOMAIN}");
        let created = api.users().create(&new_user(&im)).await.expect("create");
        assert_eq!(created.name, im, "created name of {local:?}");
        assert_eq!(
            created.displayname,
            format!("{im} <&>\"'"),
            "escaped display name"
        );
        let got = api.users().get(&im).await.expect("get by odd id");
        assert_eq!(got, created, "get returns what create returned for {im:?}");
        let media = api
            .users()
            .media(&im)
            .list()
            .await
            .expect("media of odd id");
        assert!(media.is_empty());
    }
    let all = api.users().list().await.expect("list");
    assert_eq!(all.len(), ODD.len());
    let disabled = api
        .users()
        .update(
            &format!("{}@{DOMAIN}", ODD[0]),
            &UserUpdate {
                flags: Some(UserFlags::DISABLED),
                email: Some("x@y.z".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert!(disabled.is_disabled());
    assert_eq!(disabled.email, "x@y.z");
    let renamed = api
        .users()
        .update(
            &format!("{}@{DOMAIN}", ODD[1]),
            &UserUpdate {
                im: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .expect("rename");
    assert_eq!(renamed.name, format!("renamed@{DOMAIN}"));
    let deleted = api
        .users()
        .delete(&format!("{}@{DOMAIN}", ODD[2]))
        .await
        .expect("delete");
    assert_eq!(
        deleted.name,
        format!("{}@{DOMAIN}", ODD[2]),
        "delete answers the user"
    );
    let gone = api.users().get(&deleted.name).await;
    assert!(matches!(gone, Err(Error::NotFound { .. })), "{gone:?}");
    let dup = api
        .users()
        .create(&new_user(&format!("{}@{DOMAIN}", ODD[3])))
        .await;
    assert!(
        matches!(dup, Err(Error::Api { status: 400, .. })),
        "duplicate: {dup:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn updates_through_post_work_too() {
    let (sandbox, _) = start().await;
    let api = Client::builder(
        sandbox.url(),
        DOMAIN,
        Token::new(sandbox.admin_token(DOMAIN)),
    )
    .post_for_updates(true)
    .build()
    .expect("client");
    api.users().create(&new_user("post")).await.expect("create");
    let u = api
        .users()
        .update(
            "post@kestrel.test",
            &UserUpdate {
                displayname: Some("Via POST".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update through POST");
    assert_eq!(u.displayname, "Via POST");
    let g = api
        .groups()
        .update(
            1,
            &GroupUpdate {
                priority: Some(5),
                ..Default::default()
            },
        )
        .await
        .expect("group");
    assert_eq!(g.priority, 5);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn avatar_set_get_delete() {
    let (sandbox, api) = start().await;
    let im = format!("{}@{DOMAIN}", ODD[0]);
    api.users().create(&new_user(&im)).await.expect("create");
    api.users()
        .avatar(&im)
        .set(PNG.to_vec(), "image/png")
        .await
        .expect("set");
    let got = api.users().avatar(&im).get().await.expect("get");
    assert_eq!(got.bytes, PNG);
    assert_eq!(got.info.content_type.as_deref(), Some("image/png"));
    api.users().avatar(&im).delete().await.expect("delete");
    assert!(matches!(
        api.users().avatar(&im).get().await,
        Err(Error::NotFound { .. })
    ));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn groups_and_peers() {
    let (sandbox, api) = start().await;
    let root = api.groups().list(Expand::empty()).await.expect("list");
    assert_eq!(root.len(), 1, "a new domain has its root group");
    let sales = api
        .groups()
        .create(&NewGroup {
            displayname: "Sales".into(),
            name: "sales".into(),
            ..Default::default()
        })
        .await
        .expect("create");
    assert!(
        sales.peers.contains(&sales.id),
        "a new group sees itself: {:?}",
        sales.peers
    );
    let dev = api
        .groups()
        .create(&NewGroup {
            displayname: "Dev".into(),
            name: "dev".into(),
            parent: Some(sales.id),
            policy: Some(1),
            ..Default::default()
        })
        .await
        .expect("create child");
    assert_eq!(dev.parent, sales.id);
    let got = api.groups().get(dev.id, Expand::PEERS).await.expect("get");
    assert_eq!(got.peers, dev.peers);
    let upd = api
        .groups()
        .update(
            dev.id,
            &GroupUpdate {
                displayname: Some("Development".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(upd.displayname, "Development");
    api.groups()
        .peers(dev.id)
        .remove(sales.id)
        .await
        .expect("remove peer");
    assert!(
        !api.groups()
            .peers(dev.id)
            .list()
            .await
            .expect("peers")
            .contains(&sales.id)
    );
    assert_eq!(
        api.groups().peers(dev.id).add(sales.id).await.expect("add"),
        sales.id
    );
    assert!(
        api.groups()
            .peers(dev.id)
            .list()
            .await
            .expect("peers")
            .contains(&sales.id)
    );
    let bad = api
        .groups()
        .update(
            dev.id,
            &GroupUpdate {
                policy: Some(999),
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(bad, Err(Error::Api { status: 400, .. })),
        "unknown policy: {bad:?}"
    );
    api.groups().delete(dev.id).await.expect("delete");
    assert!(matches!(
        api.groups().get(dev.id, Expand::empty()).await,
        Err(Error::NotFound { .. })
    ));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn policies() {
    let (sandbox, api) = start().await;
    let text = "trillian.plugin.msn 0\ntrillian.history.cloud 1\ntrillian.custom.key some value\n";
    let p = api
        .policies()
        .create(&NewPolicy {
            name: "Marketing".into(),
            data: PolicyItems::from_text(text),
        })
        .await
        .expect("create");
    assert_eq!(p.data.to_text(), text, "items round-trip losslessly");
    assert_eq!(api.policies().get(p.id).await.expect("get"), p);
    let u = api
        .policies()
        .update(
            p.id,
            &PolicyUpdate {
                name: Some("Marketing and HR".into()),
                data: None,
            },
        )
        .await
        .expect("update");
    assert_eq!(u.name, "Marketing and HR");
    assert_eq!(api.policies().list().await.expect("list").len(), 2);
    api.policies().delete(p.id).await.expect("delete");
    assert!(matches!(
        api.policies().get(p.id).await,
        Err(Error::NotFound { .. })
    ));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn groupchats_members_media_and_messages() {
    let (sandbox, api) = start().await;
    let chat = api
        .groupchats()
        .create(&NewGroupChat {
            displayname: Some("General".into()),
            flags: Some(GroupChatFlags::DISABLE_LIST),
        })
        .await
        .expect("create");
    assert!(chat.name.starts_with('#'), "{}", chat.name);
    let got = api
        .groupchats()
        .get(&chat.name, Expand::empty())
        .await
        .expect("get by #name");
    assert_eq!(got.name, chat.name);
    let upd = api
        .groupchats()
        .update(
            &chat.name,
            &GroupChatUpdate {
                topic: Some("Welcome <all> & \"everyone\"".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(upd.topic, "Welcome <all> & \"everyone\"");

    let alice = format!("{}@{DOMAIN}", ODD[4]); // hash#tag
    let bob = format!("{}@{DOMAIN}", ODD[7]); // non-ASCII
    for im in [&alice, &bob] {
        api.users().create(&new_user(im)).await.expect("user");
    }
    let m = api
        .groupchats()
        .members(&chat.name)
        .add(&alice, Some(MemberFlags::OP))
        .await
        .expect("add");
    assert_eq!(m.flags, MemberFlags::OP);
    api.groupchats()
        .members(&chat.name)
        .add(&bob, Some(MemberFlags::VOICE))
        .await
        .expect("add");
    let members = api
        .groupchats()
        .members(&chat.name)
        .list()
        .await
        .expect("members");
    assert_eq!(
        members.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        vec![alice.clone(), bob.clone()]
    );
    let expanded = api
        .groupchats()
        .list(Expand::MEMBERS | Expand::GROUPS)
        .await
        .expect("list");
    assert_eq!(expanded[0].members.len(), 2, "members expanded");
    api.groupchats()
        .members(&chat.name)
        .remove(&bob)
        .await
        .expect("remove");

    // Media: ids are Base64 with `/`, `+`, `=`.
    let media = api.groupchats().media(&chat.name);
    let mut found_odd_id = false;
    for i in 0..40u8 {
        let data: Vec<u8> = (0..64).map(|k| k ^ i).collect();
        let item = media
            .upload(
                MediaUpload::from_bytes(
                    format!("file {i}.bin"),
                    "application/octet-stream",
                    data.clone(),
                )
                .with_thumbnail(PNG.to_vec()),
                None,
            )
            .await
            .expect("upload")
            .expect("item answered");
        if !(item.id.contains('/') || item.id.contains('+')) {
            continue;
        }
        found_odd_id = true;
        let head = media.head(&item.id).await.expect("head");
        assert_eq!(head.content_length, Some(64));
        let bytes = media.get(&item.id).await.expect("get");
        assert_eq!(bytes.bytes, data, "bytes of {}", item.id);
        assert_eq!(
            bytes.info.filename.as_deref(),
            Some(format!("file {i}.bin").as_str())
        );
        assert_eq!(media.thumbnail(&item.id).await.expect("thumb").bytes, PNG);
        media.delete(&item.id).await.expect("delete");
        assert!(matches!(
            media.get(&item.id).await,
            Err(Error::NotFound { .. })
        ));
        break;
    }
    assert!(found_odd_id, "a media id with / or + was exercised");
    media
        .upload(
            MediaUpload::from_bytes("kept.txt", "text/plain", b"kept".to_vec()),
            None,
        )
        .await
        .expect("upload");
    let listed = media.list().await.expect("list");
    assert!(
        listed.iter().any(|m| m.name == "kept.txt"),
        "listed: {listed:?}"
    );

    // Messages, sent with the sender's own token.
    let alice_token = sandbox
        .issue_token(DOMAIN, Owner::User(alice.clone()))
        .expect("token");
    let as_alice = client(&sandbox, &alice_token);
    for text in ["first <&>", "second", "third"] {
        as_alice
            .groupchats()
            .messages(&chat.name)
            .send(&alice, text)
            .await
            .expect("send");
    }
    let spoof = as_alice
        .groupchats()
        .messages(&chat.name)
        .send(&bob, "spoof")
        .await;
    assert!(
        matches!(spoof, Err(Error::Unauthorized { .. })),
        "{spoof:?}"
    );
    let history = api
        .groupchats()
        .messages(&chat.name)
        .weeks()
        .await
        .expect("weeks");
    let week = history.weeks.last().expect("a week").clone();
    assert_eq!(week.messages, 3);
    let msgs = api
        .groupchats()
        .messages(&chat.name)
        .week(&history.conversation, week.year, week.week)
        .await
        .expect("week");
    assert_eq!(
        msgs.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        vec!["first <&>", "second", "third"]
    );
    api.groupchats()
        .messages(&chat.name)
        .delete_messages(&history.conversation, week.year, week.week, &msgs[..1])
        .await
        .expect("delete block");
    let msgs = api
        .groupchats()
        .messages(&chat.name)
        .week(&history.conversation, week.year, week.week)
        .await
        .expect("week");
    assert_eq!(msgs.len(), 2, "one deleted by block");
    api.groupchats()
        .messages(&chat.name)
        .delete_week(&history.conversation, week.year, week.week)
        .await
        .expect("delete week");
    as_alice
        .groupchats()
        .messages(&chat.name)
        .send(&alice, "again")
        .await
        .expect("send");
    api.groupchats()
        .messages(&chat.name)
        .delete_all(&history.conversation)
        .await
        .expect("delete all");
    assert!(
        api.groupchats()
            .messages(&chat.name)
            .weeks()
            .await
            .expect("weeks")
            .weeks
            .is_empty()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn user_media_and_messages() {
    let (sandbox, api) = start().await;
    let a = format!("{}@{DOMAIN}", ODD[6]); // space
    let b = format!("{}@{DOMAIN}", ODD[5]); // %2F
    for im in [&a, &b] {
        api.users().create(&new_user(im)).await.expect("user");
    }
    let media = api.users().media(&a);
    let item = media
        .upload(
            MediaUpload::from_bytes("photo.png", "image/png", PNG.to_vec()).with_dimensions(1, 1),
            None,
        )
        .await
        .expect("upload")
        .expect("item");
    assert_eq!(media.list().await.expect("list"), vec![item.clone()]);
    assert_eq!(media.get(&item.id).await.expect("get").bytes, PNG);
    media.delete(&item.id).await.expect("delete");

    let as_a = client(
        &sandbox,
        &sandbox
            .issue_token(DOMAIN, Owner::User(a.clone()))
            .expect("token"),
    );
    as_a.users()
        .messages(&b)
        .send(&a, "hello b")
        .await
        .expect("send");
    let h = api.users().messages(&b).weeks().await.expect("weeks");
    assert_eq!(h.name, a, "conversation named after the other party");
    let w = h.weeks[0].clone();
    let msgs = api
        .users()
        .messages(&b)
        .week(&h.conversation, w.year, w.week)
        .await
        .expect("week");
    assert_eq!(msgs[0].text, "hello b");
    assert_eq!(msgs[0].from, a);
    api.users()
        .messages(&b)
        .delete_messages(&h.conversation, w.year, w.week, &msgs)
        .await
        .expect("block");
    as_a.users().messages(&b).send(&a, "2").await.expect("send");
    api.users()
        .messages(&b)
        .delete_week(&h.conversation, w.year, w.week)
        .await
        .expect("week");
    api.users()
        .messages(&b)
        .delete_all(&h.conversation)
        .await
        .expect("all");
    // A user token reads its own data only.
    assert!(as_a.users().get(&a).await.is_ok());
    assert!(matches!(
        as_a.users().get(&b).await,
        Err(Error::Unauthorized { .. })
    ));
    assert!(matches!(
        as_a.users().list().await,
        Err(Error::Unauthorized { .. })
    ));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn presence() {
    let sandbox = Sandbox::start(Config::new(DOMAIN).demo(true))
        .await
        .expect("start");
    let api = client(&sandbox, &sandbox.admin_token(DOMAIN));
    let list = api.presence().list().await.expect("list");
    assert!(list.len() >= 30, "demo presence");
    assert!(list.iter().any(|p| !p.devices.is_empty()), "devices");
    let im = list[0].name.clone();
    api.presence()
        .update(
            &im,
            &PresenceUpdate {
                status: Some(PresenceStatus::DoNotDisturb),
                message: Some("Heads down".into()),
            },
        )
        .await
        .expect("update");
    let after = api.presence().list().await.expect("list");
    let p = after.iter().find(|p| p.name == im).expect("same user");
    assert_eq!(
        (p.status, p.message.as_str()),
        (PresenceStatus::DoNotDisturb, "Heads down")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn demo_users_have_tokens_and_tokens_are_per_domain() {
    let sandbox = Sandbox::start(Config::new(DOMAIN).domain("other.test").demo(true))
        .await
        .expect("start");
    let api = client(&sandbox, &sandbox.admin_token(DOMAIN));
    let users = api.users().list().await.expect("users");
    assert!(
        (35..=45).contains(&users.len()),
        "about 40 demo users: {}",
        users.len()
    );
    let im = users[0].name.clone();
    let token = sandbox.user_token(DOMAIN, &im).expect("seeded user token");
    assert!(client(&sandbox, &token).users().get(&im).await.is_ok());
    let other = Client::builder(
        sandbox.url(),
        "other.test",
        Token::new(sandbox.admin_token("other.test")),
    )
    .build()
    .expect("client");
    // The other domain's administrator token, used against this domain.
    let cross = Client::builder(
        sandbox.url(),
        DOMAIN,
        Token::new(sandbox.admin_token("other.test")),
    )
    .build()
    .expect("client");
    assert!(matches!(
        cross.users().list().await,
        Err(Error::Unauthorized { .. })
    ));
    assert!(other.users().list().await.is_ok());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_file_database_keeps_data_and_tokens_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let first = Sandbox::start(Config::new(DOMAIN).db_path(&db).demo(true))
        .await
        .expect("start");
    let token = first.admin_token(DOMAIN);
    let api = client(&first, &token);
    api.users().create(&new_user("kept")).await.expect("create");
    let count = api.users().list().await.expect("list").len();
    first.shutdown().await;

    let second = Sandbox::start(Config::new(DOMAIN).db_path(&db).demo(true))
        .await
        .expect("restart");
    assert_eq!(second.admin_token(DOMAIN), token, "same admin token");
    let api = client(&second, &token);
    assert_eq!(
        api.users().list().await.expect("list").len(),
        count,
        "same users, no demo re-added"
    );
    second.reset_demo(DOMAIN).await.expect("reset");
    assert_eq!(
        api.users().list().await.expect("list").len(),
        count - 1,
        "reset: demo users only"
    );
    second.shutdown().await;
}

#[tokio::test]
async fn a_larger_upload_round_trips() {
    let (sandbox, api) = start().await;
    api.users().create(&new_user("big")).await.expect("user");
    let data: Vec<u8> = (0..8 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let media = api.users().media("big@kestrel.test");
    let started = std::time::Instant::now();
    let item = media
        .upload(
            MediaUpload::from_bytes("big.bin", "application/octet-stream", data.clone()),
            None,
        )
        .await
        .expect("upload")
        .expect("item");
    assert_eq!(item.size, data.len() as u64);
    let back = media.get(&item.id).await.expect("download");
    assert!(back.bytes == data, "8 MiB came back identical");
    eprintln!(
        "8 MiB upload + download in {:?} (debug build)",
        started.elapsed()
    );
    sandbox.shutdown().await;
}

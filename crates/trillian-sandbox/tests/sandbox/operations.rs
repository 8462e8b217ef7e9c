//! Every operation through the router: status, headers and XML structure against the reference.

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::common::{Api, BASE, DOMAIN, assert_shape, attr, seg, texts};

pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0a, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn users_create_get_list_update_delete() {
    let api = Api::new();
    let r = api
        .admin(
            "POST",
            "users/",
            &[
                ("im", "smw"),
                ("password", "x"),
                ("email", "smw@kestrel.test"),
                ("displayname", "<&>\"'"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "create user: {}", r.text());
    assert_shape(&r, "decisions/users_list");
    assert_eq!(
        attr(&r.text(), "user", "name").as_deref(),
        Some("smw@kestrel.test"),
        "im gets the domain"
    );
    assert_eq!(
        texts(&r.text(), "displayname"),
        vec!["<&>\"'"],
        "escaped display name round-trips"
    );
    let href = attr(&r.text(), "media", "href").unwrap_or_default();
    assert_eq!(
        href,
        format!("{BASE}/v2/{DOMAIN}/users/smw@kestrel.test/media/"),
        "absolute href"
    );

    api.create_user("kwk@kestrel.test").await;
    let r = api.get("users/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "decisions/users_list");
    assert_eq!(
        texts(&r.text(), "email").len(),
        2,
        "two users listed: {}",
        r.text()
    );

    let r = api
        .get(&format!("users/{}/", seg("smw@kestrel.test")))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "decisions/users_list");

    for method in ["PATCH", "POST"] {
        let email = format!("{method}@example.org");
        let r = api
            .admin(
                method,
                "users/smw@kestrel.test/",
                &[("email", &email), ("flags", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{method} update: {}", r.text());
        assert_eq!(
            texts(&r.text(), "email"),
            vec![email.clone()],
            "{method} changed the e-mail"
        );
        assert_eq!(texts(&r.text(), "flags"), vec!["1"], "disabled");
    }

    let r = api.admin("DELETE", "users/smw@kestrel.test/", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "delete answers 200 with the user");
    assert_shape(&r, "decisions/users_list");
    assert_eq!(
        api.get("users/smw@kestrel.test/").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn users_validation() {
    let api = Api::new();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("password", "x")], "im"),
        (&[("im", "a")], "password"),
        (
            &[("im", "a"), ("password", "x"), ("group", "one")],
            "integer",
        ),
        (
            &[("im", "a"), ("password", "x"), ("group", "999")],
            "unknown group",
        ),
        (
            &[("im", "a"), ("password", "x"), ("policy", "999")],
            "unknown policy",
        ),
        (
            &[("im", "a@elsewhere.test"), ("password", "x")],
            "not in domain",
        ),
    ];
    for (params, reason) in cases {
        let r = api.admin("POST", "users/", params).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{params:?}");
        assert!(
            r.error().contains(reason),
            "reason for {params:?}: {}",
            r.error()
        );
    }
    api.create_user("a").await;
    let r = api
        .admin("POST", "users/", &[("im", "a"), ("password", "x")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "duplicate user");
    let r = api.get("users/").await;
    assert_eq!(
        texts(&r.text(), "email").len(),
        1,
        "nothing created by the refused requests"
    );
}

#[tokio::test]
async fn avatar_put_get_delete() {
    let api = Api::new();
    api.create_user("amara").await;
    let path = "users/amara@kestrel.test/addressbook/avatar/";
    assert_eq!(
        api.get(path).await.status,
        StatusCode::NOT_FOUND,
        "no avatar yet"
    );

    let req = axum::http::Request::builder()
        .method("PUT")
        .uri(format!("/v2/{DOMAIN}/{path}?token={}", seg(&api.admin)))
        .header("content-type", "image/png")
        .body(axum::body::Body::from(PNG_1X1.to_vec()))
        .expect("request");
    assert_eq!(
        api.raw(req).await.status,
        StatusCode::CREATED,
        "raw image body"
    );
    let r = api.get(path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "image/png");
    assert_eq!(r.body, PNG_1X1, "same bytes back");

    let r = api
        .admin(
            "PUT",
            path,
            &[("data", &STANDARD.encode(b"plain words, not an image"))],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "form data that is not an image: {}",
        r.text()
    );
    let r = api
        .admin("POST", path, &[("data", &STANDARD.encode(PNG_1X1))])
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "form Base64 through POST: {}",
        r.text()
    );
    let r = api.admin("PUT", path, &[("data", "@@not base64@@")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "bad Base64");

    assert_eq!(
        api.admin("DELETE", path, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(api.get(path).await.status, StatusCode::NOT_FOUND, "gone");
}

#[tokio::test]
async fn groups_and_peers() {
    let api = Api::new();
    let r = api.get("groups/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/groups_list");
    assert_eq!(
        attr(&r.text(), "group", "id").as_deref(),
        Some("1"),
        "root group"
    );

    let r = api
        .admin(
            "POST",
            "groups/",
            &[("displayname", "Sales"), ("policy", "1")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "create answers 200 as the reference: {}",
        r.text()
    );
    assert_shape(&r, "reference/groups_create");
    let sales = attr(&r.text(), "group", "id").expect("id");
    let r = api
        .admin(
            "POST",
            "groups/",
            &[("displayname", "Dev"), ("name", "dev"), ("parent", &sales)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let dev = attr(&r.text(), "group", "id").expect("id");

    let r = api.get(&format!("groups/{dev}/")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/groups_get");
    assert_eq!(texts(&r.text(), "parent"), vec![sales.clone()]);

    for method in ["POST", "PATCH"] {
        let r = api
            .admin(
                method,
                &format!("groups/{dev}/"),
                &[("displayname", method), ("priority", "3")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{method}: {}", r.text());
        assert_shape(&r, "reference/groups_update");
        assert_eq!(texts(&r.text(), "displayname"), vec![method.to_owned()]);
    }
    let r = api
        .admin("POST", &format!("groups/{sales}/"), &[("parent", &dev)])
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "cycle refused: {}",
        r.text()
    );
    let r = api
        .admin("POST", &format!("groups/{dev}/"), &[("policy", "77")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "unknown policy");
    let r = api
        .admin(
            "POST",
            "groups/",
            &[("displayname", "Dup"), ("name", "dev")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "duplicate name");

    let r = api.get(&format!("groups/{dev}/peers/")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/groups_peers_list");
    let r = api
        .admin("DELETE", &format!("groups/{dev}/peers/1/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api
        .admin("DELETE", &format!("groups/{dev}/peers/1/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "already removed");
    let r = api
        .admin("POST", &format!("groups/{dev}/peers/1/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_shape(&r, "reference/groups_peers_add");
    let r = api
        .admin("POST", &format!("groups/{dev}/peers/99/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "unknown peer group");
    let r = api
        .call("GET", "groups/", Some(&api.admin), &[("peers", "1")], &[])
        .await;
    assert!(
        r.text().contains("<peer id="),
        "peers expanded: {}",
        r.text()
    );

    let r = api.admin("DELETE", &format!("groups/{sales}/"), &[]).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a group with a child is kept"
    );
    assert_eq!(
        api.admin("DELETE", &format!("groups/{dev}/"), &[])
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("groups/{dev}/")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("groups/abc/").await.status,
        StatusCode::BAD_REQUEST,
        "non-integer id"
    );
}

#[tokio::test]
async fn policies() {
    let api = Api::new();
    let r = api.get("policies/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/policies_list");
    let data = STANDARD.encode("trillian.plugin.msn 0\ntrillian.history.cloud 1\n");
    let r = api
        .admin(
            "POST",
            "policies/",
            &[("name", "Marketing"), ("data", &data)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_shape(&r, "reference/policies_create");
    let id = attr(&r.text(), "policy", "id").expect("id");
    let r = api.get(&format!("policies/{id}/")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/policies_get");
    assert_eq!(texts(&r.text(), "data"), vec![data.clone()]);
    for method in ["PATCH", "POST"] {
        let r = api
            .admin(
                method,
                &format!("policies/{id}/"),
                &[("name", "Marketing and HR")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_shape(&r, "reference/policies_update");
    }
    let r = api
        .admin("PATCH", &format!("policies/{id}/"), &[("data", "***")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "bad Base64");
    assert_eq!(
        api.admin("DELETE", &format!("policies/{id}/"), &[])
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("policies/{id}/")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn groupchats_members_and_flags() {
    let api = Api::new();
    let name = api.create_chat("Sales").await;
    assert!(
        name.starts_with('#') && name.ends_with("@kestrel.test"),
        "{name}"
    );
    let r = api
        .admin(
            "POST",
            "groupchats/",
            &[("displayname", "x"), ("flags", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "non-integer flags");
    let r = api
        .admin("POST", "groupchats/", &[("displayname", "General")])
        .await;
    assert_shape(&r, "reference/groupchats_create");
    let chat = format!("groupchats/{}/", seg(&name));

    let r = api.get("groupchats/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/groupchats_list");
    let r = api.get(&chat).await;
    assert_shape(&r, "reference/groupchats_get");
    for method in ["PATCH", "POST"] {
        let r = api
            .admin(
                method,
                &chat,
                &[("topic", "This is a brand new topic!"), ("flags", "256")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_shape(&r, "reference/groupchats_update");
        assert_eq!(
            texts(&r.text(), "topic"),
            vec!["This is a brand new topic!"]
        );
    }

    api.create_user("smw").await;
    api.create_user("kwk").await;
    let r = api
        .admin(
            "POST",
            &format!("{chat}members/smw@kestrel.test/"),
            &[("flags", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_shape(&r, "reference/groupchats_members_add");
    let r = api
        .admin("POST", &format!("{chat}members/kwk@kestrel.test/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = api
        .admin(
            "POST",
            &format!("{chat}members/kwk@kestrel.test/"),
            &[("flags", "3")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "existing member: flags updated, 200"
    );
    let r = api.get(&format!("{chat}members/")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/groupchats_members_list");
    assert_eq!(
        texts(&r.text(), "flags"),
        vec!["1", "3"],
        "members in join order"
    );
    let r = api
        .admin("POST", &format!("{chat}members/nobody@kestrel.test/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "unknown user");

    let r = api
        .call(
            "GET",
            "groupchats/",
            Some(&api.admin),
            &[("members", "1"), ("groups", "1")],
            &[],
        )
        .await;
    assert!(
        r.text().contains("<member name=\"smw@kestrel.test\">"),
        "members expanded: {}",
        r.text()
    );

    assert_eq!(
        api.admin("DELETE", &format!("{chat}members/kwk@kestrel.test/"), &[])
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.admin("DELETE", &format!("{chat}members/kwk@kestrel.test/"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND,
        "not a member any more"
    );

    // GROUPCHAT_DELETED: out of the listing, still fetchable.
    api.admin("PATCH", &chat, &[("flags", "1")]).await;
    let r = api.get("groupchats/").await;
    assert!(!r.text().contains(&name), "deleted chat not listed");
    assert_eq!(
        api.get(&chat).await.status,
        StatusCode::OK,
        "deleted chat fetchable by name"
    );
}

async fn media_cycle(api: &Api, base: &str, owner: &str) {
    let data = b"Sales Goals: 12 buoys".to_vec();
    let thumb = PNG_1X1;
    let r = api
        .admin(
            "POST",
            base,
            &[
                ("data", &STANDARD.encode(&data)),
                ("name", "Sales Goals \"Q4\".txt"),
                ("type", "text/plain"),
                ("thumbnail", &STANDARD.encode(thumb)),
                ("imagewidth", "1"),
                ("imageheight", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "create media: {}", r.text());
    assert_shape(&r, "reference/groupchats_media_list");
    let m = attr(&r.text(), "media", "m").expect("m");
    assert_eq!(texts(&r.text(), "owner"), vec![owner.to_owned()]);
    assert_eq!(
        texts(&r.text(), "data"),
        vec![m.clone()],
        "m is the data digest"
    );
    // Same bytes again: still one item.
    let again = api
        .admin(
            "POST",
            base,
            &[
                ("data", &STANDARD.encode(&data)),
                ("name", "again.txt"),
                ("type", "text/plain"),
            ],
        )
        .await;
    assert_eq!(attr(&again.text(), "media", "m"), Some(m.clone()));
    let r = api.get(base).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/groupchats_media_list");
    assert_eq!(texts(&r.text(), "size").len(), 1, "one item per SHA-256");

    let item = format!("{base}{}/", seg(&m));
    let r = api.get(&item).await;
    assert_eq!(r.status, StatusCode::OK, "{item}: {}", r.text());
    assert_eq!(r.body, data, "raw bytes");
    assert_eq!(r.headers["content-type"], "text/plain");
    assert_eq!(r.headers["content-length"], data.len().to_string().as_str());
    let disposition = r.headers["content-disposition"]
        .to_str()
        .unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename="),
        "{disposition}"
    );
    let r = api.admin("HEAD", &item, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "HEAD");
    assert!(r.body.is_empty(), "HEAD has no body");
    assert_eq!(
        r.headers["content-length"],
        data.len().to_string().as_str(),
        "HEAD length"
    );
    let r = api
        .call("GET", &item, Some(&api.admin), &[("thumbnail", "1")], &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, thumb, "thumbnail bytes");

    let big = vec![7u8; 65_536];
    let r = api
        .admin(
            "POST",
            base,
            &[
                ("data", "aGk="),
                ("name", "x"),
                ("thumbnail", &STANDARD.encode(&big)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "65,536-byte thumbnail");
    assert!(r.error().contains("65535"), "{}", r.error());
    let r = api
        .admin("POST", base, &[("data", "%%%"), ("name", "x")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "bad Base64");

    assert_eq!(
        api.admin("DELETE", &item, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(api.get(&item).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn groupchat_media() {
    let api = Api::new();
    let name = api.create_chat("Media").await;
    media_cycle(&api, &format!("groupchats/{}/media/", seg(&name)), &name).await;
}

#[tokio::test]
async fn user_media() {
    let api = Api::new();
    api.create_user("photo").await;
    media_cycle(
        &api,
        "users/photo@kestrel.test/media/",
        "photo@kestrel.test",
    )
    .await;
}

#[tokio::test]
async fn groupchat_messages() {
    let api = Api::new();
    let name = api.create_chat("Talk").await;
    let chat = format!("groupchats/{}/", seg(&name));
    api.create_user("smw").await;
    api.create_user("kwk").await;
    api.admin("POST", &format!("{chat}members/smw@kestrel.test/"), &[])
        .await;
    let smw = api.user_token("smw@kestrel.test");
    let kwk = api.user_token("kwk@kestrel.test");

    let send = |token: String, from: &'static str, text: &'static str| {
        let chat = chat.clone();
        let api = &api;
        async move {
            api.call(
                "POST",
                &format!("{chat}messages/"),
                Some(&token),
                &[],
                &[("from", from), ("message", text)],
            )
            .await
        }
    };
    let r = send(smw.clone(), "smw@kestrel.test", "This is a test <&>").await;
    assert_eq!(r.status, StatusCode::OK, "send: {}", r.text());
    assert_shape(&r, "reference/groupchats_messages_send");
    send(smw.clone(), "smw@kestrel.test", "Second").await;
    send(smw.clone(), "smw@kestrel.test", "Third").await;
    let r = send(smw.clone(), "kwk@kestrel.test", "spoof").await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "from must be the token's owner"
    );
    let r = send(kwk.clone(), "kwk@kestrel.test", "not a member").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "non-member cannot send");
    let r = api
        .admin(
            "POST",
            &format!("{chat}messages/"),
            &[("from", "smw@kestrel.test"), ("message", "x")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "administrator token is not the sender's"
    );

    let r = api.get(&format!("{chat}messages/")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/groupchats_messages_weeks");
    let href = attr(&r.text(), "week", "href").expect("week href");
    assert_eq!(attr(&r.text(), "week", "messages").as_deref(), Some("3"));
    let conv = attr(&r.text(), "messages", "conversation").expect("conversation");
    let week_path = href
        .strip_prefix(&format!("{BASE}/v2/{DOMAIN}/"))
        .expect("absolute href")
        .to_owned();
    let r = api.get(&week_path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/groupchats_messages_week");
    assert_eq!(
        texts(&r.text(), "message"),
        vec!["This is a test <&>", "Second", "Third"]
    );

    // Delete by block: the first message exactly as the week returned it.
    let first = r
        .text()
        .split("<message ")
        .nth(1)
        .map(|m| format!("<messages><message {}", m))
        .unwrap_or_default();
    let first = first
        .split("</message>")
        .next()
        .map(|m| format!("{m}</message></messages>"))
        .unwrap_or_default();
    let block = STANDARD.encode(first);
    let r = api.admin("DELETE", &week_path, &[("block", &block)]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        texts(&api.get(&week_path).await.text(), "message"),
        vec!["Second", "Third"]
    );
    let r = api.admin("DELETE", &week_path, &[("block", "!!")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "bad Base64 block");
    let r = api
        .admin(
            "DELETE",
            &week_path,
            &[("block", &STANDARD.encode("<messages><message"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "truncated block");

    // Delete the week.
    assert_eq!(
        api.admin("DELETE", &week_path, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(
        texts(&api.get(&week_path).await.text(), "message").is_empty(),
        "week emptied"
    );

    // Delete all.
    send(smw.clone(), "smw@kestrel.test", "again").await;
    let all = format!("{chat}messages/{conv}/");
    assert_eq!(
        api.admin("DELETE", &all, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(
        !api.get(&format!("{chat}messages/"))
            .await
            .text()
            .contains("<week"),
        "no weeks left"
    );
    assert_eq!(
        api.admin("DELETE", &format!("{chat}messages/nope/"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get(&format!("{chat}messages/{conv}/2026/54/"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        api.get(&format!("{chat}messages/{conv}/year/1/"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn user_messages() {
    let api = Api::new();
    api.create_user("smw").await;
    api.create_user("kwk").await;
    let smw = api.user_token("smw@kestrel.test");
    let r = api
        .call(
            "POST",
            "users/kwk@kestrel.test/messages/",
            Some(&smw),
            &[],
            &[("from", "smw@kestrel.test"), ("message", "hi")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_shape(&r, "reference/groupchats_messages_send");
    for who in ["kwk@kestrel.test", "smw@kestrel.test"] {
        let r = api.get(&format!("users/{who}/messages/")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_shape(&r, "reference/groupchats_messages_weeks");
    }
    let r = api.get("users/kwk@kestrel.test/messages/").await;
    assert_eq!(
        attr(&r.text(), "messages", "name").as_deref(),
        Some("smw@kestrel.test"),
        "the other party"
    );
    let href = attr(&r.text(), "week", "href").expect("href");
    let week_path = href
        .strip_prefix(&format!("{BASE}/v2/{DOMAIN}/"))
        .expect("absolute")
        .to_owned();
    let r = api.get(&week_path).await;
    assert_eq!(texts(&r.text(), "message"), vec!["hi"]);
    let block = STANDARD.encode(
        r.text()
            .replace("<response>", "")
            .replace("</response>", ""),
    );
    assert_eq!(
        api.admin("DELETE", &week_path, &[("block", &block)])
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(texts(&api.get(&week_path).await.text(), "message").is_empty());
    api.call(
        "POST",
        "users/kwk@kestrel.test/messages/",
        Some(&smw),
        &[],
        &[("from", "smw@kestrel.test"), ("message", "2")],
    )
    .await;
    assert_eq!(
        api.admin("DELETE", &week_path, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    let conv = attr(&r.text(), "messages", "conversation");
    assert!(
        conv.is_none(),
        "a week's answer has no conversation attribute"
    );
    let conv_path = week_path
        .rsplitn(4, '/')
        .nth(3)
        .map(|p| format!("{p}/"))
        .expect("conv path");
    assert_eq!(
        api.admin("DELETE", &conv_path, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    let r = api
        .call(
            "POST",
            "users/nobody@kestrel.test/messages/",
            Some(&smw),
            &[],
            &[("from", "smw@kestrel.test"), ("message", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "unknown recipient");
}

#[tokio::test]
async fn presence() {
    let api = Api::demo();
    let r = api.get("presence/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_shape(&r, "reference/presence_list");
    let im = attr(&r.text(), "presence", "name").expect("someone");
    let r = api
        .admin(
            "PATCH",
            &format!("presence/{im}/"),
            &[("status", "3"), ("message", "In the lab")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api.get("presence/").await;
    assert_eq!(
        attr(&r.text(), "presence", "message").as_deref(),
        Some("In the lab")
    );
    assert_eq!(attr(&r.text(), "presence", "status").as_deref(), Some("3"));
    let r = api
        .admin("POST", &format!("presence/{im}/"), &[("status", "9")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "unknown status");
    let r = api
        .admin("POST", "presence/nobody@kestrel.test/", &[("status", "1")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn demo_data_is_believable_and_deterministic() {
    let a = Api::demo();
    let b = Api::demo();
    let users = a.get("users/").await.text();
    let n = texts(&users, "email").len();
    assert!((35..=45).contains(&n), "about 40 users, got {n}");
    let strip = |s: String| {
        s.split("<createdAt>")
            .map(|p| {
                p.split_once("</createdAt>")
                    .map(|x| x.1)
                    .unwrap_or(p)
                    .to_owned()
            })
            .collect::<String>()
    };
    assert_eq!(
        strip(users),
        strip(b.get("users/").await.text()),
        "same seed, same users"
    );
    let groups = a.get("groups/").await.text();
    assert!(
        (7..=9).contains(&texts(&groups, "name").len()),
        "6-8 groups plus root: {groups}"
    );
    assert_eq!(
        texts(&a.get("policies/").await.text(), "name").len(),
        3,
        "3 policies"
    );
    let chats = a
        .call(
            "GET",
            "groupchats/",
            Some(&a.admin),
            &[("members", "1")],
            &[],
        )
        .await
        .text();
    assert_eq!(texts(&chats, "topic").len(), 5, "5 group chats");
    assert!(
        chats.contains("<flags>1</flags>") && chats.contains("<flags>3</flags>"),
        "ops and voices"
    );
    let first_chat = attr(&chats, "groupchat", "name").expect("chat");
    let weeks = a
        .get(&format!("groupchats/{}/messages/", seg(&first_chat)))
        .await
        .text();
    assert!(
        texts(&weeks, "week").len() >= 4 || weeks.matches("<week ").count() >= 4,
        "several weeks: {weeks}"
    );
    let media = a
        .get(&format!("groupchats/{}/media/", seg(&first_chat)))
        .await
        .text();
    let m = attr(&media, "media", "m").expect("media item");
    let r = a
        .call(
            "GET",
            &format!("groupchats/{}/media/{}/", seg(&first_chat), seg(&m)),
            Some(&a.admin),
            &[("thumbnail", "1")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        image::load_from_memory(&r.body).is_ok(),
        "real thumbnail image"
    );
    assert!(r.body.len() <= 65_535, "thumbnail within the limit");
    let im = attr(&users_of(&a).await, "user", "name").expect("user");
    let r = a.get(&format!("users/{im}/addressbook/avatar/")).await;
    assert!(
        image::load_from_memory(&r.body).is_ok(),
        "real avatar image"
    );
    assert!(
        a.state.user_token(DOMAIN, &im).ok().flatten().is_some(),
        "demo users have tokens"
    );
}

async fn users_of(api: &Api) -> String {
    api.get("users/").await.text()
}

#[tokio::test]
async fn reset_demo_restores_the_data() {
    let api = Api::demo();
    let before = texts(&api.get("users/").await.text(), "email");
    let im = attr(&api.get("users/").await.text(), "user", "name").expect("user");
    api.admin("DELETE", &format!("users/{im}/"), &[]).await;
    api.state.reset_demo(DOMAIN).expect("reset");
    assert_eq!(
        texts(&api.get("users/").await.text(), "email"),
        before,
        "same users again"
    );
    assert_eq!(
        api.get("users/").await.status,
        StatusCode::OK,
        "admin token survived the reset"
    );
}

#[tokio::test]
async fn the_user_list_follows_every_write() {
    // `GET users` is cached per database generation: every kind of write must show.
    let api = Api::new();
    assert!(texts(&api.get("users/").await.text(), "email").is_empty());
    api.create_user("a").await;
    assert_eq!(
        texts(&api.get("users/").await.text(), "displayname"),
        vec!["a"]
    );
    api.admin("PATCH", "users/a@kestrel.test/", &[("displayname", "Ann")])
        .await;
    assert_eq!(
        texts(&api.get("users/").await.text(), "displayname"),
        vec!["Ann"]
    );
    let data = STANDARD.encode("trillian.plugin.irc 0\n");
    let r = api
        .admin("POST", "policies/", &[("name", "P"), ("data", &data)])
        .await;
    let pid = attr(&r.text(), "policy", "id").expect("policy");
    api.admin("PATCH", "users/a@kestrel.test/", &[("policy", &pid)])
        .await;
    assert_eq!(
        texts(&api.get("users/").await.text(), "policy"),
        vec![pid.clone()]
    );
    api.admin("DELETE", &format!("policies/{pid}/"), &[]).await;
    assert_eq!(
        texts(&api.get("users/").await.text(), "policy"),
        vec!["0"],
        "policy delete resets"
    );
    api.admin("DELETE", "users/a@kestrel.test/", &[]).await;
    assert!(
        texts(&api.get("users/").await.text(), "email").is_empty(),
        "deleted"
    );
}

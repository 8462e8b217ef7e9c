//! The auth matrix: every route × {no token, empty, wrong, other domain, duplicated, a user token
//! where it is not enough} → 401, and the database unchanged.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::common::{Api, DOMAIN, attr, form, seg};

/// (method, path below `/v2/DOMAIN/`, form body).
type Route = (&'static str, String, Vec<(String, String)>);

struct Fixture {
    api: Api,
    /// A user who owns nothing here and is in no chat.
    outsider: String,
    routes: Vec<Route>,
}

async fn fixture() -> Fixture {
    let api = Api::new();
    api.create_user("smw").await;
    api.create_user("kwk").await;
    let chat = api.create_chat("General").await;
    let c = format!("groupchats/{}/", seg(&chat));
    api.admin("POST", &format!("{c}members/smw@kestrel.test/"), &[])
        .await;
    let smw = api.user_token("smw@kestrel.test");
    api.call(
        "POST",
        &format!("{c}messages/"),
        Some(&smw),
        &[],
        &[("from", "smw@kestrel.test"), ("message", "hi")],
    )
    .await;
    api.call(
        "POST",
        "users/kwk@kestrel.test/messages/",
        Some(&smw),
        &[],
        &[("from", "smw@kestrel.test"), ("message", "yo")],
    )
    .await;
    let up = [
        ("data", STANDARD.encode("bytes")),
        ("name", "a.txt".to_owned()),
        ("type", "text/plain".to_owned()),
    ];
    let up: Vec<(&str, &str)> = up.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let m = attr(
        &api.admin("POST", &format!("{c}media/"), &up).await.text(),
        "media",
        "m",
    )
    .expect("m");
    api.admin("POST", "users/smw@kestrel.test/media/", &up)
        .await;
    let weeks = api.get(&format!("{c}messages/")).await.text();
    let conv = attr(&weeks, "messages", "conversation").expect("conv");
    let week = attr(&weeks, "week", "href").expect("week");
    let week = week.rsplitn(4, '/').collect::<Vec<_>>();
    let (y, w) = (week[2].to_owned(), week[1].to_owned());
    let uweeks = api.get("users/smw@kestrel.test/messages/").await.text();
    let uconv = attr(&uweeks, "messages", "conversation").expect("user conv");
    let api_group = api
        .admin("POST", "groups/", &[("displayname", "Sales")])
        .await
        .text();
    let g = attr(&api_group, "group", "id").expect("group");
    let p = attr(
        &api.admin("POST", "policies/", &[("name", "P"), ("data", "")])
            .await
            .text(),
        "policy",
        "id",
    )
    .expect("policy");
    api.admin(
        "POST",
        "users/smw@kestrel.test/addressbook/avatar/",
        &[("data", &STANDARD.encode(crate::operations_png()))],
    )
    .await;

    let mi = seg(&m);
    let u = "users/smw@kestrel.test/";
    let body = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
    };
    let routes = vec![
        ("GET", "groupchats/".to_owned(), vec![]),
        (
            "POST",
            "groupchats/".to_owned(),
            body(&[("displayname", "New")]),
        ),
        ("GET", c.clone(), vec![]),
        ("PATCH", c.clone(), body(&[("topic", "t")])),
        ("POST", c.clone(), body(&[("topic", "t")])),
        ("GET", format!("{c}media/"), vec![]),
        (
            "POST",
            format!("{c}media/"),
            body(&[("data", "aGk="), ("name", "x")]),
        ),
        ("GET", format!("{c}media/{mi}/"), vec![]),
        ("HEAD", format!("{c}media/{mi}/"), vec![]),
        ("DELETE", format!("{c}media/{mi}/"), vec![]),
        ("GET", format!("{c}members/"), vec![]),
        ("POST", format!("{c}members/kwk@kestrel.test/"), vec![]),
        ("DELETE", format!("{c}members/smw@kestrel.test/"), vec![]),
        ("GET", format!("{c}messages/"), vec![]),
        (
            "POST",
            format!("{c}messages/"),
            body(&[("from", "smw@kestrel.test"), ("message", "m")]),
        ),
        ("GET", format!("{c}messages/{conv}/{y}/{w}/"), vec![]),
        (
            "DELETE",
            format!("{c}messages/{conv}/{y}/{w}/"),
            body(&[("block", "PG1lc3NhZ2VzLz4=")]),
        ),
        ("DELETE", format!("{c}messages/{conv}/{y}/{w}/"), vec![]),
        ("DELETE", format!("{c}messages/{conv}/"), vec![]),
        ("GET", "groups/".to_owned(), vec![]),
        ("POST", "groups/".to_owned(), body(&[("displayname", "G")])),
        ("GET", format!("groups/{g}/"), vec![]),
        (
            "POST",
            format!("groups/{g}/"),
            body(&[("displayname", "G2")]),
        ),
        (
            "PATCH",
            format!("groups/{g}/"),
            body(&[("displayname", "G2")]),
        ),
        ("DELETE", format!("groups/{g}/"), vec![]),
        ("GET", format!("groups/{g}/peers/"), vec![]),
        ("POST", format!("groups/{g}/peers/1/"), vec![]),
        ("DELETE", format!("groups/{g}/peers/{g}/"), vec![]),
        ("GET", "policies/".to_owned(), vec![]),
        (
            "POST",
            "policies/".to_owned(),
            body(&[("name", "Q"), ("data", "")]),
        ),
        ("GET", format!("policies/{p}/"), vec![]),
        ("PATCH", format!("policies/{p}/"), body(&[("name", "Q")])),
        ("DELETE", format!("policies/{p}/"), vec![]),
        ("GET", "presence/".to_owned(), vec![]),
        (
            "PATCH",
            "presence/smw@kestrel.test/".to_owned(),
            body(&[("status", "1")]),
        ),
        (
            "POST",
            "presence/smw@kestrel.test/".to_owned(),
            body(&[("status", "1")]),
        ),
        ("GET", "users/".to_owned(), vec![]),
        (
            "POST",
            "users/".to_owned(),
            body(&[("im", "new"), ("password", "p")]),
        ),
        ("GET", u.to_owned(), vec![]),
        ("PATCH", u.to_owned(), body(&[("email", "e@x")])),
        ("POST", u.to_owned(), body(&[("email", "e@x")])),
        ("DELETE", u.to_owned(), vec![]),
        ("GET", format!("{u}addressbook/avatar/"), vec![]),
        (
            "PUT",
            format!("{u}addressbook/avatar/"),
            body(&[("data", "aGk=")]),
        ),
        ("DELETE", format!("{u}addressbook/avatar/"), vec![]),
        ("GET", format!("{u}media/"), vec![]),
        (
            "POST",
            format!("{u}media/"),
            body(&[("data", "aGk="), ("name", "x")]),
        ),
        (
            "GET",
            format!("{u}media/{}/", seg(&crate::operations_digest(b"bytes"))),
            vec![],
        ),
        (
            "HEAD",
            format!("{u}media/{}/", seg(&crate::operations_digest(b"bytes"))),
            vec![],
        ),
        (
            "DELETE",
            format!("{u}media/{}/", seg(&crate::operations_digest(b"bytes"))),
            vec![],
        ),
        ("GET", format!("{u}messages/"), vec![]),
        (
            "POST",
            "users/kwk@kestrel.test/messages/".to_owned(),
            body(&[("from", "smw@kestrel.test"), ("message", "m")]),
        ),
        ("GET", format!("{u}messages/{uconv}/{y}/{w}/"), vec![]),
        (
            "DELETE",
            format!("{u}messages/{uconv}/{y}/{w}/"),
            body(&[("block", "PG1lc3NhZ2VzLz4=")]),
        ),
        ("DELETE", format!("{u}messages/{uconv}/{y}/{w}/"), vec![]),
        ("DELETE", format!("{u}messages/{uconv}/"), vec![]),
    ];
    // An outsider: not smw, in no chat.
    api.create_user("outsider").await;
    let outsider = api.user_token("outsider@kestrel.test");
    Fixture {
        api,
        outsider,
        routes,
    }
}

#[tokio::test]
async fn every_route_refuses_bad_tokens_and_changes_nothing() {
    let f = fixture().await;
    let api = &f.api;
    let before = api.state.content_digest().expect("digest");
    let wrong = STANDARD.encode([0x5au8; 48]);
    let cases: Vec<(&str, String)> = vec![
        ("no token", String::new()),
        ("empty token", "token=".to_owned()),
        ("wrong token", format!("token={}", seg(&wrong))),
        (
            "other domain's admin",
            format!("token={}", seg(&api.other_admin)),
        ),
        (
            "duplicated token",
            format!("token={0}&token={0}", seg(&api.admin)),
        ),
        (
            "a token cut short",
            format!("token={}", seg(&api.admin[..api.admin.len() - 1])),
        ),
        (
            "user token of an outsider",
            format!("token={}", seg(&f.outsider)),
        ),
    ];
    let mut checked = 0;
    for (method, path, body) in &f.routes {
        for (case, query) in &cases {
            // An outsider may list chats (they see none of them).
            if *case == "user token of an outsider" && *method == "GET" && path == "groupchats/" {
                continue;
            }
            let pairs: Vec<(&str, &str)> =
                body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let req = Request::builder()
                .method(*method)
                .uri(format!("/v2/{DOMAIN}/{path}?{query}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form(&pairs)))
                .expect("request");
            let r = api.raw(req).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {case}: {}",
                r.text()
            );
            if *method != "HEAD" {
                assert!(
                    r.text().contains("<error>"),
                    "XML error body for {method} {path}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50 * 6, "matrix covered {checked} requests");
    assert_eq!(
        api.state.content_digest().expect("digest"),
        before,
        "database unchanged"
    );
}

#[tokio::test]
async fn the_fixture_routes_all_work_with_the_admin_token() {
    // The matrix above means something only if the same requests succeed with the right token.
    let f = fixture().await;
    for (method, path, body) in &f.routes {
        if path.contains("messages/") && *method == "POST" {
            continue; // needs the sender's token, checked below
        }
        let pairs: Vec<(&str, &str)> = body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = f.api.admin(method, path, &pairs).await;
        assert!(
            r.status.is_success()
                || r.status == StatusCode::NOT_FOUND
                || r.status == StatusCode::BAD_REQUEST,
            "{method} {path} with the admin token: {} {}",
            r.status,
            r.text()
        );
        assert_ne!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
}

#[tokio::test]
async fn user_tokens_read_their_own_and_send_as_themselves() {
    let f = fixture().await;
    let api = &f.api;
    let smw = api.user_token("smw@kestrel.test");
    let r = api
        .call("GET", "users/smw@kestrel.test/", Some(&smw), &[], &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "own user");
    let r = api
        .call("GET", "users/kwk@kestrel.test/", Some(&smw), &[], &[])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "someone else");
    let r = api.call("GET", "users/", Some(&smw), &[], &[]).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "the user list is the administrator's"
    );
    let r = api.call("GET", "groupchats/", Some(&smw), &[], &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text().contains("<groupchat "),
        "sees the chat they are in"
    );
    let r = api
        .call("GET", "groupchats/", Some(&f.outsider), &[], &[])
        .await;
    assert!(
        !r.text().contains("<groupchat "),
        "outsider sees no chat: {}",
        r.text()
    );
    // A disabled user's token stops working.
    api.admin("PATCH", "users/smw@kestrel.test/", &[("flags", "1")])
        .await;
    let r = api
        .call("GET", "users/smw@kestrel.test/", Some(&smw), &[], &[])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "disabled user");
    // Deleting a user revokes their tokens.
    api.admin("DELETE", "users/outsider@kestrel.test/", &[])
        .await;
    let r = api
        .call("GET", "groupchats/", Some(&f.outsider), &[], &[])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "deleted user's token");
}

#[tokio::test]
async fn domains_are_isolated() {
    let api = Api::new();
    api.create_user("smw").await;
    let req = Request::builder()
        .uri(format!(
            "/v2/other.test/users/?token={}",
            seg(&api.other_admin)
        ))
        .body(Body::empty())
        .expect("request");
    let r = api.raw(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.text().contains("smw"),
        "other domain does not see kestrel's users"
    );
    let req = Request::builder()
        .uri(format!("/v2/nowhere.test/users/?token={}", seg(&api.admin)))
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        api.raw(req).await.status,
        StatusCode::UNAUTHORIZED,
        "unknown domain"
    );
}

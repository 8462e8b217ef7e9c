//! Limits and hostile input: 413 then service as usual, 404s, odd ids, junk that must not panic.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use trillian_sandbox::{Config, Sandbox};

use crate::common::{Api, DOMAIN, OTHER_DOMAIN, attr, seg, texts};

#[tokio::test]
async fn over_large_body_is_413_and_the_next_request_is_served() {
    let api = Api::with_config(
        Config::new(DOMAIN)
            .domain(OTHER_DOMAIN)
            .max_body_bytes(4096),
    );
    let big = "x".repeat(10_000);
    let r = api
        .admin("POST", "users/", &[("im", "a"), ("password", &big)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(r.text().contains("<error>"), "XML error");
    // Without Content-Length (a stream): cut while reading.
    let chunks = futures_stream(10_000);
    let req = Request::builder()
        .method("POST")
        .uri(format!("/v2/{DOMAIN}/users/?token={}", seg(&api.admin)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(chunks)
        .expect("request");
    assert_eq!(
        api.raw(req).await.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "streamed body"
    );
    api.create_user("after").await;
    assert_eq!(
        texts(&api.get("users/").await.text(), "email").len(),
        1,
        "only the small request landed"
    );
}

fn futures_stream(n: usize) -> Body {
    let parts: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..n / 100).map(|_| Ok(vec![b'a'; 100])).collect();
    Body::from_stream(futures_util::stream::iter(parts))
}

#[tokio::test]
async fn over_large_body_over_a_real_socket() {
    let sandbox = Sandbox::start(Config::new(DOMAIN).max_body_bytes(64 * 1024))
        .await
        .expect("start");
    let client = reqwest::Client::new();
    let url = format!(
        "{}/v2/{DOMAIN}/users/?token={}",
        sandbox.url(),
        seg(&sandbox.admin_token(DOMAIN))
    );
    let body = format!("im=a&password={}", "x".repeat(4_000_000));
    let r = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("413 is an answer, not a broken connection");
    assert_eq!(r.status().as_u16(), 413);
    let r = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("im=b&password=x")
        .send()
        .await
        .expect("next request");
    assert_eq!(r.status().as_u16(), 201, "served normally after a 413");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_are_404_with_an_xml_error() {
    let api = Api::new();
    for path in [
        "nothing/",
        "users/a@kestrel.test/unknown/",
        "groups/1/peers/1/extra/",
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.text().contains("<error>"), "{path}: {}", r.text());
    }
    let req = Request::builder()
        .uri("/")
        .body(Body::empty())
        .expect("request");
    assert_eq!(api.raw(req).await.status, StatusCode::NOT_FOUND);
    let r = api.get("users").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a path without its trailing slash works too"
    );
}

#[tokio::test]
async fn odd_ids_round_trip() {
    let api = Api::new();
    for local in [
        "a/b",
        "plus+sign",
        "eq=ual",
        "hash#tag",
        "ques?tion",
        "pct%2Fslash",
        "sp ace",
        "ünï-çødé",
        "<&>\"'",
    ] {
        let r = api
            .admin("POST", "users/", &[("im", local), ("password", "x")])
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "create {local:?}: {}",
            r.text()
        );
        let im = format!("{local}@{DOMAIN}");
        assert_eq!(
            attr(&r.text(), "user", "name"),
            Some(im.clone()),
            "name attribute of {local:?}"
        );
        let r = api.get(&format!("users/{}/", seg(&im))).await;
        assert_eq!(r.status, StatusCode::OK, "get {im:?}");
        assert_eq!(
            attr(&r.text(), "user", "name"),
            Some(im.clone()),
            "{im:?} round-trips"
        );
        let href = attr(&r.text(), "media", "href").expect("href");
        let path = href.split(&format!("/v2/{DOMAIN}/")).nth(1).expect("path");
        let r = api.get(path).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "the href of {im:?} leads to its media: {path}"
        );
    }
}

#[tokio::test]
async fn junk_input_is_refused_not_panicked_on() {
    let api = Api::new();
    api.create_user("smw").await;
    let token = seg(&api.admin);
    let junk_paths = [
        format!("/v2/{DOMAIN}/users/%FF%FE/?token={token}"),
        format!("/v2/{DOMAIN}/users/%ZZ/?token={token}"),
        format!("/v2/{DOMAIN}/groups/99999999999999999999999/?token={token}"),
        format!("/v2/{DOMAIN}/groups/-1/?token={token}"),
        format!("/v2/%FF/users/?token={token}"),
        format!("/v2/{DOMAIN}/users/?token=%FF"),
    ];
    for uri in &junk_paths {
        let req = Request::builder()
            .uri(uri.as_str())
            .body(Body::empty())
            .expect("request");
        let r = api.raw(req).await;
        assert!(r.status.is_client_error(), "{uri}: {}", r.status);
    }
    let junk_bodies: &[&[u8]] = &[
        b"\xff\xfe=\xff",
        b"%%%%",
        b"im=&password=",
        b"==&&==",
        b"group=1e9&im=x&password=y",
    ];
    for body in junk_bodies {
        let req = Request::builder()
            .method("POST")
            .uri(format!("/v2/{DOMAIN}/users/?token={token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.to_vec()))
            .expect("request");
        let r = api.raw(req).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{:?}: {}",
            String::from_utf8_lossy(body),
            r.text()
        );
    }
    let r = api
        .admin(
            "POST",
            "groups/",
            &[("displayname", "x"), ("parent", "99999999999999999999")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "integer overflow");
    let doctype = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><messages><message timestamp=\"1\" from=\"a\">&a;</message></messages>",
    );
    let weeks = api.get("users/smw@kestrel.test/messages/").await;
    assert_eq!(weeks.status, StatusCode::OK);
    let r = api
        .admin(
            "DELETE",
            "users/smw@kestrel.test/messages/abc/2026/1/",
            &[("block", &doctype)],
        )
        .await;
    assert!(r.status.is_client_error(), "DOCTYPE block: {}", r.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_users() {
    let api = Api::new();
    let start = std::time::Instant::now();
    api.state.seed_users(DOMAIN, "u", 100_000).expect("seed");
    let seeded = start.elapsed();
    let start = std::time::Instant::now();
    let r = api.get("users/").await;
    let listed = start.elapsed();
    assert_eq!(r.status, StatusCode::OK);
    let n = r.text().matches("<user ").count();
    let list_bytes = r.body.len();
    assert_eq!(n, 100_000, "every user listed");
    let r = api
        .get(&format!("users/{}/", seg("u99999@kestrel.test")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "the last one by its address");
    eprintln!("100,000 users: seeded in {seeded:?}, listed ({list_bytes} bytes) in {listed:?}");
}

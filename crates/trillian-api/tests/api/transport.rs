//! send(): retries, redirects, size caps, timeouts, content types and error bodies.

use std::time::{Duration, Instant};

use trillian_api::*;

use crate::TOKEN;
use crate::capture::{CaptureServer, Reply};

fn list_doc() -> Reply {
    Reply::fixture(200, "reference/groupchats_list.xml")
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_429_and_502_to_504() {
    crate::captured_logs();
    let s = CaptureServer::start().await;
    for status in [429, 502, 503, 504] {
        s.push(Reply::xml(
            status,
            "<response><error>busy</error></response>",
        ));
    }
    s.push(list_doc());
    let c = s.builder(TOKEN).max_retries(4).build().expect("client");
    let chats = c
        .groupchats()
        .list(Expand::empty())
        .await
        .expect("succeeds after retries");
    assert_eq!(chats.len(), 2);
    assert_eq!(s.requests().len(), 5, "four retries, then the answer");
    // DELETE is idempotent too
    s.push(Reply::empty(503));
    s.push(Reply::empty(204));
    c.groups().delete(9).await.expect("delete retried");
    assert_eq!(s.requests().len(), 7);
}

#[tokio::test]
async fn retries_are_capped() {
    let s = CaptureServer::start().await;
    let c = s.builder(TOKEN).max_retries(2).build().expect("client");
    for _ in 0..5 {
        s.push(Reply::xml(503, "<response><error>down</error></response>"));
    }
    match c.users().list().await {
        Err(Error::Api {
            status: 503,
            message,
        }) => assert!(message.contains("down"), "{message}"),
        other => panic!("expected Api 503, got {other:?}"),
    }
    assert_eq!(s.requests().len(), 3, "one try and two retries");
}

#[tokio::test]
async fn posts_and_patches_are_sent_once() {
    let s = CaptureServer::start().await;
    let c = s.client();
    s.push(Reply::empty(503));
    let r = c.groupchats().messages("#c@d").send("a@d", "hi").await;
    assert!(matches!(r, Err(Error::Api { status: 503, .. })), "{r:?}");
    assert_eq!(s.requests().len(), 1, "a POST is never retried");
    s.push(Reply::empty(502));
    let r = c.users().update("a@d", &UserUpdate::default()).await;
    assert!(matches!(r, Err(Error::Api { status: 502, .. })), "{r:?}");
    assert_eq!(s.requests().len(), 2, "nor a PATCH");
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let s = CaptureServer::start().await;
    let c = s
        .builder(TOKEN)
        .retry_backoff(Duration::from_millis(1), Duration::from_secs(5))
        .build()
        .expect("client");
    s.push(Reply::empty(429).header("Retry-After", "1"));
    s.push(list_doc());
    let t = Instant::now();
    c.groupchats()
        .list(Expand::empty())
        .await
        .expect("after waiting");
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "waited Retry-After: {:?}",
        t.elapsed()
    );

    let c = s
        .builder(TOKEN)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(100))
        .build()
        .expect("client");
    s.push(Reply::empty(503).header("Retry-After", "3600"));
    s.push(list_doc());
    let t = Instant::now();
    c.groupchats()
        .list(Expand::empty())
        .await
        .expect("after a capped wait");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "an hour is capped: {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn connect_errors_are_retried_then_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let c = Client::builder(format!("http://127.0.0.1:{port}"), "d", Token::new(TOKEN))
        .max_retries(2)
        .retry_backoff(Duration::from_millis(100), Duration::from_millis(100))
        .build()
        .expect("client");
    let t = Instant::now();
    let r = c.users().list().await;
    assert!(matches!(r, Err(Error::Transport { .. })), "{r:?}");
    assert!(
        t.elapsed() >= Duration::from_millis(100),
        "backed off between tries"
    );
}

#[tokio::test]
async fn redirects_to_another_origin_are_not_followed() {
    let s = CaptureServer::start().await;
    let other = CaptureServer::start().await;
    let c = s.client();
    let target = format!("{}/v2/ceruleanstudios.com/users/", other.base_url());
    s.push(Reply::empty(302).header("Location", &target));
    let r = c.users().list().await;
    match r {
        Err(Error::Api {
            status: 302,
            message,
        }) => {
            assert!(message.contains("redirect"), "{message}");
            assert!(
                !message.contains(&other.addr.port().to_string()),
                "no URL in the message"
            );
        }
        other => panic!("expected a refused redirect, got {other:?}"),
    }
    assert!(
        other.requests().is_empty(),
        "the other origin never saw the token"
    );
    // a same-origin redirect of a GET is followed, with the token
    s.push(Reply::empty(301).header("Location", "/v2/ceruleanstudios.com/users/?x=1"));
    s.push(Reply::fixture(200, "decisions/users_list.xml"));
    assert_eq!(c.users().list().await.expect("followed").len(), 2);
    let last = s.last();
    assert_eq!(last.query_value("token"), Some(TOKEN));
    assert_eq!(last.query_value("x"), Some("1"));
    // but not for a POST
    s.push(Reply::empty(307).header("Location", "/v2/ceruleanstudios.com/users/"));
    let new = NewUser {
        im: "a".into(),
        password: "b".into(),
        ..Default::default()
    };
    let r = c.users().create(&new).await;
    assert!(matches!(r, Err(Error::Api { status: 307, .. })), "{r:?}");
}

#[tokio::test]
async fn plain_http_is_refused_except_loopback_and_bad_ca_is_a_config_error() {
    for url in ["http://api.trillian.im", "http://192.168.1.1:8080"] {
        let r = Client::builder(url, "d", Token::new(TOKEN)).build();
        assert!(matches!(r, Err(Error::Config(_))), "{url} refused");
    }
    let r = Client::builder("https://h.example", "d", Token::new(TOKEN))
        .add_trusted_ca_pem(b"not a pem".to_vec())
        .build();
    assert!(
        matches!(r, Err(Error::Config(_))),
        "garbage CA refused: {r:?}"
    );
}

#[tokio::test]
async fn tls_is_verified() {
    // a plain-TCP server on loopback: the TLS handshake must fail, never fall back
    let s = CaptureServer::start().await;
    let c = Client::builder(format!("https://{}", s.addr), "d", Token::new(TOKEN))
        .max_retries(0)
        .build()
        .expect("client");
    let r = c.users().list().await;
    assert!(matches!(r, Err(Error::Transport { .. })), "{r:?}");
}

#[tokio::test]
async fn xml_answers_are_capped_while_reading() {
    let s = CaptureServer::start().await;
    let c = s
        .builder(TOKEN)
        .max_response_bytes(1 << 20)
        .build()
        .expect("client");
    let mut big = b"<response>".to_vec();
    big.resize(2 << 20, b' ');
    s.push(Reply {
        no_length: true,
        ..Reply::xml(200, big.clone())
    });
    let r = c.users().list().await;
    assert!(
        matches!(r, Err(Error::TooLarge { limit: 1_048_576 })),
        "no Content-Length: {r:?}"
    );
    s.push(Reply::xml(200, big));
    let r = c.users().list().await;
    assert!(
        matches!(r, Err(Error::TooLarge { .. })),
        "with Content-Length: {r:?}"
    );
}

#[tokio::test]
async fn wrong_content_type_is_a_decode_error() {
    let s = CaptureServer::start().await;
    let c = s.client();
    s.push(Reply::new(
        200,
        "text/html",
        "<html><body>Sign in to the proxy</body></html>",
    ));
    match c.users().list().await {
        Err(Error::Decode { what, excerpt }) => {
            assert_eq!(what, "users.list");
            assert!(excerpt.contains("text/html"), "{excerpt}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    s.push(Reply::xml(200, ""));
    assert!(
        matches!(c.users().list().await, Err(Error::Decode { .. })),
        "empty body"
    );
}

#[tokio::test]
async fn error_statuses_carry_the_servers_reason() {
    let s = CaptureServer::start().await;
    let c = s.client();
    let e = |r: &str| format!("<response><error>{r}</error></response>");
    s.push(Reply::xml(400, e("im is required")));
    let r = c.users().create(&NewUser::default()).await;
    match r {
        Err(Error::Api {
            status: 400,
            message,
        }) => assert!(message.contains("im is required")),
        other => panic!("{other:?}"),
    }
    s.push(Reply::xml(401, e("invalid token")));
    match c.users().list().await {
        Err(Error::Unauthorized { message }) => assert!(message.contains("invalid token")),
        other => panic!("{other:?}"),
    }
    s.push(Reply::xml(404, e("no such user")));
    match c.users().get("x@d").await {
        Err(err @ Error::NotFound { .. }) => {
            assert_eq!(err.status(), Some(404));
            assert!(err.to_string().contains("no such user"));
        }
        other => panic!("{other:?}"),
    }
    s.push(Reply::new(500, "text/html", "<html><h1>oops</h1></html>"));
    match c.users().list().await {
        Err(Error::Api {
            status: 500,
            message,
        }) => {
            assert!(message.contains("Internal Server Error"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn timeouts_fire() {
    let s = CaptureServer::start().await;
    // a server that never answers
    let c = s
        .builder(TOKEN)
        .request_timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .expect("client");
    s.push(Reply {
        hang: true,
        ..list_doc()
    });
    let t = Instant::now();
    assert!(matches!(c.users().list().await, Err(Error::Timeout { .. })));
    assert!(t.elapsed() < Duration::from_secs(3));
    // a byte-a-while drip: the whole-request deadline fires
    s.push(Reply {
        drip: Some(Duration::from_millis(50)),
        ..list_doc()
    });
    let t = Instant::now();
    assert!(matches!(
        c.groupchats().list(Expand::empty()).await,
        Err(Error::Timeout { .. })
    ));
    assert!(t.elapsed() < Duration::from_secs(3));
    // a download that stalls: the idle-read timeout fires
    let c = s
        .builder(TOKEN)
        .read_timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .expect("client");
    s.push(Reply {
        drip: Some(Duration::from_millis(600)),
        ..Reply::new(200, "a/b", vec![1u8; 10])
    });
    let mut out = Vec::new();
    let r = c.users().media("a@d").download("m", &mut out, None).await;
    assert!(matches!(r, Err(Error::Timeout { .. })), "{r:?}");
}

#[tokio::test]
async fn connect_timeout_fires_on_a_black_hole() {
    // 10.255.255.1 is not routed here: either the connect times out or the network says so
    let c = Client::builder("https://10.255.255.1", "d", Token::new(TOKEN))
        .connect_timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .expect("client");
    let t = Instant::now();
    let r = c.users().list().await;
    assert!(
        matches!(r, Err(Error::Timeout { .. } | Error::Transport { .. })),
        "{r:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(5));
}

//! The token never shows: not in any error's Display or Debug, not in any log line at TRACE.

use std::time::Duration;

use trillian_api::*;

use crate::TOKEN;
use crate::capture::{CaptureServer, Reply};

fn forms_of_the_token() -> Vec<String> {
    vec![
        TOKEN.to_owned(),
        trillian_api::form::encode(TOKEN),
        // the parts around the characters that get encoded
        "SENTINEL-t0k3n".to_owned(),
        "s3cr3t-tail-0123456789".to_owned(),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for form in forms_of_the_token() {
        assert!(
            !text.contains(&form),
            "{what} leaks the token ({form:?}): {text}"
        );
    }
}

fn assert_error_clean(case: &str, e: &Error) {
    assert_clean(&format!("{case}: Display"), &e.to_string());
    assert_clean(&format!("{case}: Debug"), &format!("{e:?}"));
    assert_clean(&format!("{case}: alternate Debug"), &format!("{e:#?}"));
}

#[tokio::test]
async fn the_sentinel_token_never_appears() {
    let logs = crate::captured_logs();
    let mut errors = Vec::new();

    // refused connection
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let c = Client::builder(format!("http://127.0.0.1:{port}"), "d", Token::new(TOKEN))
        .max_retries(1)
        .retry_backoff(Duration::from_millis(5), Duration::from_millis(5))
        .build()
        .expect("client");
    errors.push(("refused", c.users().list().await.expect_err("refused")));

    let s = CaptureServer::start().await;
    let url_with_token = format!("/v2/d/users/?token={}", trillian_api::form::encode(TOKEN));

    // timeout
    let c = s
        .builder(TOKEN)
        .request_timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .expect("client");
    s.push(Reply {
        hang: true,
        ..Reply::empty(200)
    });
    errors.push(("timeout", c.users().list().await.expect_err("timeout")));

    let c = s.client();
    // 500 whose body echoes the token
    s.push(Reply::xml(
        500,
        format!("<response><error>failed for token {TOKEN}</error></response>"),
    ));
    errors.push(("500", c.users().list().await.expect_err("500")));
    // 401 echoing the request URL
    s.push(Reply::xml(
        401,
        format!("<response><error>bad {url_with_token}</error></response>"),
    ));
    errors.push(("401", c.users().list().await.expect_err("401")));
    // undecodable body (a proxy page echoing the URL), with a proper XML type
    s.push(Reply::xml(
        200,
        format!("<html>GET {url_with_token} {TOKEN}</html>"),
    ));
    errors.push(("html", c.users().list().await.expect_err("html")));
    // undecodable body: invalid XML around the token
    s.push(Reply::xml(
        200,
        format!("<response><user name=\"{TOKEN}\"><<</response>"),
    ));
    errors.push(("malformed", c.users().list().await.expect_err("malformed")));
    // TLS failure
    let c = Client::builder(format!("https://{}", s.addr), "d", Token::new(TOKEN))
        .max_retries(0)
        .build()
        .expect("client");
    errors.push(("tls", c.users().list().await.expect_err("tls")));

    for (case, e) in &errors {
        assert_error_clean(case, e);
    }
    assert!(
        matches!(errors[0].1, Error::Transport { .. })
            && matches!(errors[1].1, Error::Timeout { .. }),
        "typed: {errors:?}"
    );
    assert!(matches!(errors[2].1, Error::Api { status: 500, .. }));
    assert!(matches!(errors[3].1, Error::Unauthorized { .. }));
    assert!(matches!(errors[4].1, Error::Decode { .. }));

    // the client and the token themselves
    assert_clean("Client Debug", &format!("{:?}", s.client()));
    assert_clean("ClientBuilder Debug", &format!("{:?}", s.builder(TOKEN)));
    assert_clean("Token Debug", &format!("{:?}", Token::new(TOKEN)));

    // and nothing logged at TRACE (tracing and `log` records of reqwest/hyper) holds it
    let text = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        text.contains("request"),
        "the capture works: the client logged its requests"
    );
    assert_clean("TRACE log", &text);
}

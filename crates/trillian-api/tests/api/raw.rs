//! `ClientBuilder::raw_response_sink`: every XML answer's exact bytes, in order, before decoding;
//! nothing for answers without XML; never the token.

use std::sync::{Arc, Mutex};

use trillian_api::*;

use crate::TOKEN;
use crate::capture::{CaptureServer, Reply};

type Seen = Arc<Mutex<Vec<(String, u16, Vec<u8>)>>>;

fn collecting(s: &CaptureServer) -> (Client, Seen) {
    let seen: Seen = Arc::default();
    let into = seen.clone();
    let c = s
        .builder(TOKEN)
        .raw_response_sink(move |r: &RawResponse<'_>| {
            if let Ok(mut v) = into.lock() {
                v.push((r.op.to_owned(), r.status, r.body.to_vec()));
            }
        })
        .build()
        .expect("client");
    (c, seen)
}

#[tokio::test]
async fn the_sink_gets_each_xml_answer_exactly() {
    crate::captured_logs();
    let s = CaptureServer::start().await;
    let (c, seen) = collecting(&s);
    let doc = crate::fixture("decisions/user.xml");
    s.push(Reply::fixture(200, "decisions/user.xml"));
    c.users().get("smw@ceruleanstudios.com").await.expect("get");
    s.push(Reply::empty(204));
    c.groups().delete(9).await.expect("delete");
    // an answer that does not decode is still handed over
    s.push(Reply::xml(200, "<response><user"));
    c.users()
        .get("smw@ceruleanstudios.com")
        .await
        .expect_err("bad XML");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2, "the two XML answers, not the 204");
    assert_eq!(seen[0].0, "users.get");
    assert_eq!(seen[1].0, "users.get");
    assert_eq!(seen[0].1, 200);
    assert_eq!(seen[0].2, doc, "the exact bytes");
    assert_eq!(seen[1].2, b"<response><user".to_vec());
}

#[tokio::test]
async fn the_sink_never_sees_the_token() {
    crate::captured_logs();
    let s = CaptureServer::start().await;
    let (c, seen) = collecting(&s);
    s.push(Reply::xml(
        200,
        format!("<response><user name=\"a\"><displayname>{TOKEN}</displayname></user></response>"),
    ));
    let _ = c.users().get("a").await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let text = String::from_utf8_lossy(&seen[0].2).into_owned();
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains("<redacted>"), "{text}");
}

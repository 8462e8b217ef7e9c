//! Test helpers: a router over a fresh in-memory sandbox, requests, and XML shapes.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use quick_xml::events::Event;
use tower::ServiceExt as _;
use trillian_sandbox::{AppState, Config, Owner, app};

pub const DOMAIN: &str = "kestrel.test";
pub const OTHER_DOMAIN: &str = "other.test";
pub const BASE: &str = "http://sandbox.test";

/// Percent-encodes one path segment (everything but unreserved characters).
pub fn seg(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Form-encodes pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", seg(k), seg(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// An answer: status, headers, body.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `<error>` text of an error body.
    pub fn error(&self) -> String {
        let t = self.text();
        t.split("<error>")
            .nth(1)
            .and_then(|r| r.split("</error>").next())
            .unwrap_or("")
            .to_owned()
    }
}

/// A router over a fresh in-memory sandbox with two domains.
pub struct Api {
    pub app: Router,
    pub state: AppState,
    pub admin: String,
    pub other_admin: String,
}

impl Api {
    pub fn new() -> Api {
        Api::with_config(Config::new(DOMAIN).domain(OTHER_DOMAIN))
    }

    pub fn with_config(config: Config) -> Api {
        let state = AppState::open(&config, BASE).expect("open in-memory sandbox");
        let admin = state.admin_token(DOMAIN).expect("admin token");
        let other_admin = state.admin_token(OTHER_DOMAIN).unwrap_or_default();
        Api {
            app: app(state.clone()),
            state,
            admin,
            other_admin,
        }
    }

    pub fn demo() -> Api {
        Api::with_config(Config::new(DOMAIN).domain(OTHER_DOMAIN).demo(true))
    }

    pub fn user_token(&self, im: &str) -> String {
        self.state
            .issue_token(DOMAIN, Owner::User(im.to_owned()))
            .expect("user token")
    }

    /// Sends `method /v2/DOMAIN/{path}?token=..&query` with a form body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        query: &[(&str, &str)],
        body: &[(&str, &str)],
    ) -> Resp {
        let mut q: Vec<(&str, &str)> = Vec::new();
        if let Some(t) = token {
            q.push(("token", t));
        }
        q.extend_from_slice(query);
        let uri = format!("/v2/{DOMAIN}/{path}?{}", form(&q));
        let mut req = Request::builder().method(method).uri(uri);
        if !body.is_empty() {
            req = req.header("content-type", "application/x-www-form-urlencoded");
        }
        self.raw(req.body(Body::from(form(body))).expect("request"))
            .await
    }

    /// An administrator call.
    pub async fn admin(&self, method: &str, path: &str, body: &[(&str, &str)]) -> Resp {
        self.call(method, path, Some(&self.admin), &[], body).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.admin("GET", path, &[]).await
    }

    pub async fn raw(&self, req: Request<Body>) -> Resp {
        let resp = self
            .app
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn create_user(&self, im: &str) -> Resp {
        let r = self
            .admin(
                "POST",
                "users/",
                &[("im", im), ("password", "pw-1234"), ("displayname", im)],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "create user {im}: {}",
            r.text()
        );
        r
    }

    pub async fn create_chat(&self, displayname: &str) -> String {
        let r = self
            .admin("POST", "groupchats/", &[("displayname", displayname)])
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "create chat: {}", r.text());
        attr(&r.text(), "groupchat", "name").expect("chat name")
    }
}

/// The first value of `attr` on the first `<element>`.
pub fn attr(xml: &str, element: &str, attr: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == element => {
                for a in e.attributes().flatten() {
                    if a.key.as_ref() == attr {
                        return a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.into_owned());
                    }
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Texts of every `<element>`.
pub fn texts(xml: &str, element: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut inside = false;
    let mut cur = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == element => {
                inside = true;
                cur.clear();
            }
            Ok(Event::Empty(e)) if e.name().as_ref() == element => out.push(String::new()),
            Ok(Event::Text(t)) if inside => cur.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if inside => {
                let s = r.into_inner();
                cur.push_str(match s.as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "?",
                });
            }
            Ok(Event::End(e)) if e.name().as_ref() == element => {
                inside = false;
                out.push(cur.clone());
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

/// The structure of a document: one line per element path with its attribute names in order;
/// repeated siblings of the same name count once. Text and whitespace are ignored.
pub fn shape(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out: Vec<String> = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = Default::default();
    loop {
        let (e, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(_)) => {
                stack.pop();
                continue;
            }
            Ok(Event::Eof) => break,
            Ok(_) => continue,
            Err(err) => panic!("not XML ({err}): {xml}"),
        };
        let name = e.name().as_ref().to_owned();
        let path = if stack.is_empty() {
            name.clone()
        } else {
            format!("{}/{name}", stack.join("/"))
        };
        let attrs: Vec<String> = e
            .attributes()
            .flatten()
            .map(|a| a.key.as_ref().to_owned())
            .collect();
        let line = format!("{path}[{}]", attrs.join(","));
        if seen.insert(line.clone()) {
            out.push(line);
        }
        if !empty {
            stack.push(name);
        }
    }
    out
}

/// The reference's example for an operation (the fixture shared with trillian-api).
pub fn reference(name: &str) -> String {
    let path = format!(
        "{}/../trillian-api/tests/fixtures/{name}.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// Asserts that an answer has the structure of the reference's example.
pub fn assert_shape(resp: &Resp, fixture: &str) {
    let ours = shape(&resp.text());
    let theirs = shape(&reference(fixture));
    assert_eq!(
        ours,
        theirs,
        "shape of our answer vs {fixture}\nours: {}",
        resp.text()
    );
}

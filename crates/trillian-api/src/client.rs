//! `Client`, its builder, the `Token`, and the one private `send()` every operation goes through.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::form::{ProgressFn, UploadBody, encode};
use crate::model::MediaInfo;
use crate::resource::{GroupChatsApi, GroupsApi, PoliciesApi, PresenceApi, UsersApi};

/// The API token: a secret. It prints as `<redacted>`, cannot be serialised, and is only read
/// by the code that puts it in a request's query.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }

    /// The secret itself: for the request query and the keychain, nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

bitflags::bitflags! {
    /// Optional expansions of listings: `groups=1`, `members=1` (group chats), `peers=1` (groups).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Expand: u8 {
        const GROUPS = 1;
        const MEMBERS = 2;
        const PEERS = 4;
    }
}

/// One XML answer exactly as the server sent it, handed to a
/// [`ClientBuilder::raw_response_sink`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RawResponse<'a> {
    /// The operation it answers (`users.get`).
    pub op: &'a str,
    /// The HTTP status.
    pub status: u16,
    /// The body's bytes, before decoding (should a server ever echo the API token, each
    /// occurrence reads `<redacted>` instead).
    pub body: &'a [u8],
}

/// A receiver of raw XML answers (see [`ClientBuilder::raw_response_sink`]).
type RawSink = Arc<dyn Fn(&RawResponse<'_>) + Send + Sync>;

/// Default cap on XML (and in-memory) answers: 256 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

/// Builds a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: String,
    domain: String,
    token: Token,
    connect_timeout: Duration,
    request_timeout: Duration,
    read_timeout: Duration,
    extra_ca_pem: Vec<Vec<u8>>,
    post_for_updates: bool,
    max_response_bytes: u64,
    max_retries: u32,
    retry_base: Duration,
    retry_cap: Duration,
    user_agent: String,
    raw_sink: Option<RawSink>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("domain", &self.domain)
            .field("token", &self.token)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("trusted_ca_pems", &self.extra_ca_pem.len())
            .field("post_for_updates", &self.post_for_updates)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_retries", &self.max_retries)
            .field("raw_response_sink", &self.raw_sink.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// `base_url`: `https://api.trillian.im` or an in-house server (`http://` only to loopback).
    pub fn new(base_url: impl Into<String>, domain: impl Into<String>, token: Token) -> Self {
        ClientBuilder {
            base_url: base_url.into(),
            domain: domain.into(),
            token,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(30),
            extra_ca_pem: Vec::new(),
            post_for_updates: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_retries: 3,
            retry_base: Duration::from_millis(250),
            retry_cap: Duration::from_secs(10),
            user_agent: concat!("trillian-api/", env!("CARGO_PKG_VERSION")).to_owned(),
            raw_sink: None,
        }
    }

    /// Time allowed to open a connection (TCP + TLS). Default 10 s.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time allowed for a whole request with an XML answer, and for the headers of a streamed
    /// one. Default 60 s.
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// Longest silence while a body is being read or an upload is being sent. Default 30 s.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Trusts the CA certificate(s) of this PEM in addition to the system's roots.
    pub fn add_trusted_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_ca_pem.push(pem.into());
        self
    }

    /// Sends updates as POST instead of PATCH (where PATCH is blocked).
    pub fn post_for_updates(mut self, yes: bool) -> Self {
        self.post_for_updates = yes;
        self
    }

    /// Cap on XML and in-memory answers, enforced while reading. Default 256 MiB.
    pub fn max_response_bytes(mut self, n: u64) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Retries of idempotent requests (GET, HEAD, PUT, DELETE) after connect errors, 429 and
    /// 502–504. Default 3; 0 disables.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// First backoff delay and the cap on any wait (Retry-After included). Defaults 250 ms, 10 s.
    pub fn retry_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.retry_base = base;
        self.retry_cap = cap;
        self
    }

    /// Hands every XML answer the client reads to `sink`, with its exact bytes, before it is
    /// decoded (also when decoding then fails), in the order they arrive. Answers without an
    /// XML body (204, media bytes, downloads) are not handed over. For debugging tools such as
    /// a `--output xml`; the request (URL, token) is never part of it.
    pub fn raw_response_sink(
        mut self,
        sink: impl Fn(&RawResponse<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.raw_sink = Some(Arc::new(sink));
        self
    }

    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    pub fn build(self) -> Result<Client> {
        let base = parse_base_url(&self.base_url)?;
        let loopback = Url::parse(&base).is_ok_and(|u| is_loopback(&u));
        let domain = self.domain.trim().to_owned();
        if domain.is_empty() || domain == "." || domain == ".." {
            return Err(Error::Config("the domain is empty".into()));
        }
        let mut http = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.clone());
        if loopback {
            // the loopback sandbox is reached directly, never through a proxy from the
            // environment (which would see the token of a plain-http request)
            http = http.no_proxy();
        }
        for pem in &self.extra_ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|_| Error::Config("the trusted CA is not a PEM certificate".into()))?;
            if certs.is_empty() {
                return Err(Error::Config(
                    "the trusted CA PEM holds no certificate".into(),
                ));
            }
            for cert in certs {
                http = http.add_root_certificate(cert);
            }
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("cannot set up HTTP: {}", e.without_url())))?;
        let token_encoded = encode(self.token.expose());
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                domain,
                token: self.token,
                token_encoded,
                request_timeout: self.request_timeout,
                read_timeout: self.read_timeout,
                post_for_updates: self.post_for_updates,
                max_response_bytes: self.max_response_bytes,
                max_retries: self.max_retries,
                retry_base: self.retry_base,
                retry_cap: self.retry_cap,
                raw_sink: self.raw_sink,
            }),
        })
    }
}

/// Checks the base URL: `https://`, or `http://` to a loopback host only; no credentials,
/// query or fragment. Returns it without a trailing slash.
fn parse_base_url(raw: &str) -> Result<String> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::Config(format!("the server address is not a URL ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(
                "plain http:// is refused except to this computer (loopback); use https://".into(),
            ));
        }
        other => return Err(Error::Config(format!("unsupported scheme {other}://"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::Config("the server address has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "the server address must not carry credentials".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(
            "the server address must not have a query or fragment".into(),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// An API client for one domain. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    domain: String,
    token: Token,
    token_encoded: String,
    request_timeout: Duration,
    read_timeout: Duration,
    post_for_updates: bool,
    max_response_bytes: u64,
    max_retries: u32,
    retry_base: Duration,
    retry_cap: Duration,
    raw_sink: Option<RawSink>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field("domain", &self.inner.domain)
            .field("token", &self.inner.token)
            .field("post_for_updates", &self.inner.post_for_updates)
            .finish_non_exhaustive()
    }
}

/// A request body.
pub(crate) enum Body {
    None,
    Form(String),
    Raw { bytes: Bytes, content_type: String },
    Upload(UploadBody),
}

/// One operation's request, before the base URL, domain and token are added.
pub(crate) struct Call {
    pub(crate) op: &'static str,
    pub(crate) method: Method,
    pub(crate) path: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Body,
}

impl Call {
    pub(crate) fn new(op: &'static str, method: Method, path: Vec<String>) -> Self {
        Call {
            op,
            method,
            path,
            query: Vec::new(),
            body: Body::None,
        }
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    pub(crate) fn expand(mut self, expand: Expand, allowed: Expand) -> Self {
        for (flag, key) in [
            (Expand::GROUPS, "groups"),
            (Expand::MEMBERS, "members"),
            (Expand::PEERS, "peers"),
        ] {
            if expand.contains(flag) && allowed.contains(flag) {
                self.query.push((key, "1".into()));
            }
        }
        self
    }

    pub(crate) fn form(mut self, body: String) -> Self {
        self.body = Body::Form(body);
        self
    }

    pub(crate) fn raw(mut self, bytes: Bytes, content_type: String) -> Self {
        self.body = Body::Raw {
            bytes,
            content_type,
        };
        self
    }

    pub(crate) fn upload(mut self, body: UploadBody) -> Self {
        self.body = Body::Upload(body);
        self
    }
}

impl Client {
    /// Starts building a client.
    pub fn builder(
        base_url: impl Into<String>,
        domain: impl Into<String>,
        token: Token,
    ) -> ClientBuilder {
        ClientBuilder::new(base_url, domain, token)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    pub fn domain(&self) -> &str {
        &self.inner.domain
    }

    /// Users, their avatars, media and messages.
    pub fn users(&self) -> UsersApi<'_> {
        UsersApi::new(self)
    }

    /// Groups and their peers.
    pub fn groups(&self) -> GroupsApi<'_> {
        GroupsApi::new(self)
    }

    pub fn policies(&self) -> PoliciesApi<'_> {
        PoliciesApi::new(self)
    }

    /// Group chats, their members, media and messages.
    pub fn groupchats(&self) -> GroupChatsApi<'_> {
        GroupChatsApi::new(self)
    }

    pub fn presence(&self) -> PresenceApi<'_> {
        PresenceApi::new(self)
    }

    /// PATCH, or POST when built with `post_for_updates(true)`.
    pub(crate) fn update_method(&self) -> Method {
        if self.inner.post_for_updates {
            Method::POST
        } else {
            Method::PATCH
        }
    }

    /// The cap on XML and in-memory answers.
    pub fn max_response_bytes(&self) -> u64 {
        self.inner.max_response_bytes
    }

    fn scrub(&self, e: Error) -> Error {
        e.scrub(&[self.inner.token.expose(), &self.inner.token_encoded])
    }

    /// The full URL of a call, token included (never logged, never in an error).
    fn url(&self, call: &Call) -> Result<Url> {
        let mut s = String::with_capacity(self.inner.base.len() + 64);
        s.push_str(&self.inner.base);
        s.push_str("/v2/");
        s.push_str(&encode(&self.inner.domain));
        s.push('/');
        for seg in &call.path {
            if seg.is_empty() || seg == "." || seg == ".." {
                return Err(Error::Config(format!(
                    "{}: an empty, `.` or `..` name cannot be addressed",
                    call.op
                )));
            }
            s.push_str(&encode(seg));
            s.push('/');
        }
        s.push('?');
        for (k, v) in &call.query {
            s.push_str(k);
            s.push('=');
            s.push_str(&encode(v));
            s.push('&');
        }
        s.push_str("token=");
        s.push_str(&self.inner.token_encoded);
        Url::parse(&s).map_err(|_| Error::Config(format!("{}: cannot build the URL", call.op)))
    }

    /// Turns a reqwest error into ours, with no URL and no token.
    fn transport(&self, e: reqwest::Error, op: &str) -> Error {
        let e = e.without_url();
        let mut message = format!("{op}: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        let err = if e.is_timeout() {
            Error::Timeout { message }
        } else {
            Error::Transport { message }
        };
        self.scrub(err)
    }

    fn backoff(&self, attempt: u32, headers: Option<&HeaderMap>) -> Duration {
        let cap = self.inner.retry_cap;
        if let Some(secs) = headers
            .and_then(|h| h.get(RETRY_AFTER))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Duration::from_secs(secs).min(cap);
        }
        let exp = self
            .inner
            .retry_base
            .saturating_mul(1u32 << attempt.min(16));
        let exp = exp.min(cap);
        // jitter: between half and all of the exponential delay
        exp.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// Sends a call: builds the URL, retries idempotent methods, follows same-origin redirects
    /// of GET/HEAD, and turns error statuses into typed errors with the server's `<error>` text.
    pub(crate) async fn send(&self, call: Call) -> Result<reqwest::Response> {
        let mut url = self.url(&call)?;
        let Call {
            op, method, body, ..
        } = call;
        // an upload's stream can be sent once only: it is taken out of the body
        let (body, mut upload) = match body {
            Body::Upload(u) => (Body::None, Some(u)),
            other => (other, None),
        };
        let is_upload = upload.is_some();
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        ) && !is_upload;
        let mut attempt = 0u32;
        let mut redirects = 0u32;
        loop {
            tracing::debug!(op, method = %method, path = url.path(), attempt, "request");
            let mut rb = self.inner.http.request(method.clone(), url.clone());
            let mut watchdog = None;
            if is_upload {
                let Some(u) = upload.take() else {
                    return Err(Error::Config(format!("{op}: an upload cannot be re-sent")));
                };
                watchdog = Some((u.activity.clone(), u.finished.clone(), u.started));
                rb = rb
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(CONTENT_LENGTH, u.len)
                    .body(u.body);
            } else {
                match &body {
                    Body::None | Body::Upload(_) => {}
                    Body::Form(f) => {
                        rb = rb
                            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                            .body(f.clone());
                    }
                    Body::Raw {
                        bytes,
                        content_type,
                    } => {
                        rb = rb
                            .header(CONTENT_TYPE, content_type.as_str())
                            .body(bytes.clone());
                    }
                }
            }
            let result = match watchdog {
                None => match tokio::time::timeout(self.inner.request_timeout, rb.send()).await {
                    Ok(r) => r,
                    Err(_) => {
                        return Err(Error::Timeout {
                            message: format!(
                                "{op}: no answer within {:?}",
                                self.inner.request_timeout
                            ),
                        });
                    }
                },
                Some((activity, finished, started)) => {
                    let fut = rb.send();
                    tokio::pin!(fut);
                    loop {
                        tokio::select! {
                            r = &mut fut => break r,
                            () = tokio::time::sleep(Duration::from_millis(200)) => {
                                let last = Duration::from_millis(activity.load(Ordering::Relaxed));
                                let idle = started.elapsed().saturating_sub(last);
                                // while sending: the idle limit; once sent: time to answer
                                let limit = if finished.load(Ordering::Relaxed) {
                                    self.inner.request_timeout
                                } else {
                                    self.inner.read_timeout
                                };
                                if idle > limit {
                                    return Err(Error::Timeout {
                                        message: format!("{op}: the upload stalled for {idle:?}"),
                                    });
                                }
                            }
                        }
                    }
                }
            };
            let resp = match result {
                Ok(r) => r,
                Err(e) => {
                    if idempotent && transient_connect(&e) && attempt < self.inner.max_retries {
                        let wait = self.backoff(attempt, None);
                        tracing::debug!(op, attempt, ?wait, "connect failed, retrying");
                        attempt += 1;
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(self.transport(e, op));
                }
            };
            let status = resp.status();
            tracing::debug!(op, status = status.as_u16(), "answer");
            if status.is_redirection() {
                let target = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                match target {
                    Some(t)
                        if t.origin() == url.origin()
                            && matches!(method, Method::GET | Method::HEAD)
                            && redirects < 5 =>
                    {
                        redirects += 1;
                        url = t;
                        if !url.query_pairs().any(|(k, _)| k == "token") {
                            let q = match url.query() {
                                Some(q) if !q.is_empty() => {
                                    format!("{q}&token={}", self.inner.token_encoded)
                                }
                                _ => format!("token={}", self.inner.token_encoded),
                            };
                            url.set_query(Some(&q));
                        }
                        continue;
                    }
                    _ => {
                        return Err(Error::Api {
                            status: status.as_u16(),
                            message: format!(
                                "{op}: redirect refused (only same-origin redirects of reads \
                                 are followed)"
                            ),
                        });
                    }
                }
            }
            let retryable = matches!(status.as_u16(), 429 | 502 | 503 | 504);
            if retryable && idempotent && attempt < self.inner.max_retries {
                let wait = self.backoff(attempt, Some(resp.headers()));
                tracing::debug!(op, attempt, status = status.as_u16(), ?wait, "retrying");
                attempt += 1;
                drop(resp);
                tokio::time::sleep(wait).await;
                continue;
            }
            if status.is_success() {
                return Ok(resp);
            }
            return Err(self.error_from(op, resp).await);
        }
    }

    /// The typed error of a non-success answer.
    async fn error_from(&self, op: &str, resp: reqwest::Response) -> Error {
        let status = resp.status();
        let deadline = Instant::now() + self.inner.read_timeout.min(Duration::from_secs(10));
        let body = self.read_limited(resp, 64 * 1024, deadline, op).await;
        let reason = match body {
            Ok(b) => crate::xml::decode_error(&b)
                .filter(|m| !m.is_empty())
                .map(|m| m.chars().take(500).collect::<String>()),
            Err(_) => None,
        };
        let message = match reason {
            Some(r) => format!("{op}: {r}"),
            None => format!(
                "{op}: {}",
                status
                    .canonical_reason()
                    .unwrap_or("error (no <error> text in the answer)")
            ),
        };
        let err = match status {
            StatusCode::UNAUTHORIZED => Error::Unauthorized { message },
            StatusCode::NOT_FOUND => Error::NotFound { message },
            s => Error::Api {
                status: s.as_u16(),
                message,
            },
        };
        self.scrub(err)
    }

    /// Reads a body into memory, refusing more than `limit` bytes (checked while reading).
    async fn read_limited(
        &self,
        mut resp: reqwest::Response,
        limit: u64,
        deadline: Instant,
        op: &str,
    ) -> Result<Vec<u8>> {
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(Error::TooLarge { limit });
        }
        let initial = resp.content_length().unwrap_or(0).min(limit).min(16 << 20);
        let mut buf = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
        loop {
            let wait = self
                .inner
                .read_timeout
                .min(deadline.saturating_duration_since(Instant::now()));
            let chunk = match tokio::time::timeout(wait, resp.chunk()).await {
                Err(_) => {
                    return Err(Error::Timeout {
                        message: format!("{op}: the answer stalled"),
                    });
                }
                Ok(Err(e)) => return Err(self.transport(e, op)),
                Ok(Ok(None)) => return Ok(buf),
                Ok(Ok(Some(c))) => c,
            };
            if buf.len() as u64 + chunk.len() as u64 > limit {
                return Err(Error::TooLarge { limit });
            }
            buf.extend_from_slice(&chunk);
        }
    }

    /// Sends a call whose answer is XML, reads it (capped) and decodes it.
    pub(crate) async fn xml<T>(
        &self,
        call: Call,
        decode: impl FnOnce(&[u8], &str) -> Result<T>,
    ) -> Result<T> {
        let op = call.op;
        let deadline = Instant::now() + self.inner.request_timeout;
        let resp = self.send(call).await?;
        check_xml_content_type(resp.headers(), op)?;
        let status = resp.status().as_u16();
        let body = self
            .read_limited(resp, self.inner.max_response_bytes, deadline, op)
            .await?;
        self.hand_raw(op, status, &body);
        decode(&body, op).map_err(|e| self.scrub(e))
    }

    /// Like [`Client::xml`], but an empty body is `None` (for creates that may answer nothing).
    pub(crate) async fn xml_opt<T>(
        &self,
        call: Call,
        decode: impl FnOnce(&[u8], &str) -> Result<T>,
    ) -> Result<Option<T>> {
        let op = call.op;
        let deadline = Instant::now() + self.inner.request_timeout;
        let resp = self.send(call).await?;
        if resp.status() == StatusCode::NO_CONTENT || resp.content_length() == Some(0) {
            return Ok(None);
        }
        let headers = resp.headers().clone();
        let status = resp.status().as_u16();
        let body = self
            .read_limited(resp, self.inner.max_response_bytes, deadline, op)
            .await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        check_xml_content_type(&headers, op)?;
        self.hand_raw(op, status, &body);
        decode(&body, op).map(Some).map_err(|e| self.scrub(e))
    }

    /// Hands an XML answer to the raw-response sink, if there is one (token redacted).
    fn hand_raw(&self, op: &str, status: u16, body: &[u8]) {
        let Some(sink) = &self.inner.raw_sink else {
            return;
        };
        let mut clean = std::borrow::Cow::Borrowed(body);
        for secret in [self.inner.token.expose(), &self.inner.token_encoded] {
            let secret = secret.as_bytes();
            if secret.is_empty() || !clean.windows(secret.len()).any(|w| w == secret) {
                continue;
            }
            let mut out = Vec::with_capacity(clean.len());
            let mut rest: &[u8] = &clean;
            while let Some(at) = rest.windows(secret.len()).position(|w| w == secret) {
                out.extend_from_slice(&rest[..at]);
                out.extend_from_slice(b"<redacted>");
                rest = &rest[at + secret.len()..];
            }
            out.extend_from_slice(rest);
            clean = std::borrow::Cow::Owned(out);
        }
        sink(&RawResponse {
            op,
            status,
            body: &clean,
        });
    }

    /// Sends a call whose answer has no body worth reading (204, or a body that is ignored).
    pub(crate) async fn empty(&self, call: Call) -> Result<()> {
        let op = call.op;
        let deadline = Instant::now() + self.inner.request_timeout;
        let resp = self.send(call).await?;
        self.read_limited(resp, self.inner.max_response_bytes, deadline, op)
            .await?;
        Ok(())
    }

    /// Sends a call and returns its body in memory (capped) with what the headers say of it.
    pub(crate) async fn bytes(&self, call: Call) -> Result<(Vec<u8>, MediaInfo)> {
        let op = call.op;
        let deadline = Instant::now() + self.inner.request_timeout;
        let resp = self.send(call).await?;
        let info = media_info(resp.headers());
        let body = self
            .read_limited(resp, self.inner.max_response_bytes, deadline, op)
            .await?;
        Ok((body, info))
    }

    /// Sends a HEAD (or any) call and returns what the headers say.
    pub(crate) async fn head(&self, call: Call) -> Result<MediaInfo> {
        let resp = self.send(call).await?;
        Ok(media_info(resp.headers()))
    }

    /// Streams the body of a call's answer into `out`, with progress. No size cap (media), but
    /// the idle-read timeout applies between chunks.
    pub(crate) async fn download<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        call: Call,
        out: &mut W,
        progress: Option<ProgressFn>,
    ) -> Result<MediaInfo> {
        let op = call.op;
        let mut resp = self.send(call).await?;
        let info = media_info(resp.headers());
        let total = resp.content_length();
        let mut done = 0u64;
        if let Some(p) = &progress {
            p(0, total);
        }
        loop {
            let chunk = match tokio::time::timeout(self.inner.read_timeout, resp.chunk()).await {
                Err(_) => {
                    return Err(Error::Timeout {
                        message: format!("{op}: the download stalled"),
                    });
                }
                Ok(Err(e)) => return Err(self.transport(e, op)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(c))) => c,
            };
            out.write_all(&chunk).await?;
            done += chunk.len() as u64;
            if let Some(p) = &progress {
                p(done, total);
            }
        }
        out.flush().await?;
        Ok(info)
    }
}

fn check_xml_content_type(headers: &HeaderMap, op: &str) -> Result<()> {
    let Some(ct) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
    let mime = ct.split(';').next().unwrap_or("").trim();
    if mime.ends_with("/xml") || mime.ends_with("+xml") || mime.is_empty() {
        return Ok(());
    }
    Err(Error::decode(
        op,
        format!(
            "expected an XML answer, got Content-Type {:?}",
            mime.chars().take(60).collect::<String>()
        ),
    ))
}

fn media_info(headers: &HeaderMap) -> MediaInfo {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_length = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let filename = headers
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(disposition_filename);
    MediaInfo {
        content_type,
        content_length,
        filename,
    }
}

/// The file name of a `Content-Disposition` header (`filename*=UTF-8''…` preferred).
pub(crate) fn disposition_filename(value: &str) -> Option<String> {
    let mut plain = None;
    for part in value.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("filename*=") {
            let v = v.trim_matches('"');
            let encoded = v.split_once("''").map_or(v, |(_, e)| e);
            if let Ok(s) = percent_encoding::percent_decode_str(encoded).decode_utf8() {
                return Some(s.into_owned());
            }
        } else if let Some(v) = part.strip_prefix("filename=") {
            plain = Some(v.trim().trim_matches('"').replace("\\\"", "\""));
        }
    }
    plain
}

/// Whether a failed attempt is worth another: the connection was refused, reset, aborted or
/// timed out. A TLS handshake or certificate failure (and anything else, such as a name that
/// does not resolve) is not transient and fails at once.
fn transient_connect(e: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    if !e.is_connect() && !e.is_timeout() {
        return false;
    }
    if e.is_timeout() {
        return true;
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::NotConnected
                    | ErrorKind::TimedOut
                    | ErrorKind::AddrNotAvailable
            );
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_redacted() {
        let t = Token::new("SENTINEL-123");
        assert_eq!(format!("{t}"), "<redacted>");
        assert_eq!(format!("{t:?}"), "<redacted>");
    }

    #[test]
    fn base_url_rules() {
        assert!(parse_base_url("https://api.trillian.im/").is_ok());
        assert_eq!(
            parse_base_url("https://h.example/x/").ok().as_deref(),
            Some("https://h.example/x")
        );
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://[::1]:9",
            "http://localhost:1",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok} is loopback");
        }
        for bad in [
            "http://api.trillian.im",
            "http://10.0.0.1",
            "ftp://x",
            "https://u:p@h.example",
            "https://h.example/?a=1",
            "not a url",
        ] {
            assert!(
                matches!(parse_base_url(bad), Err(Error::Config(_))),
                "{bad} must be refused"
            );
        }
    }

    #[test]
    fn content_disposition() {
        assert_eq!(
            disposition_filename("attachment; filename=\"a b.txt\"").as_deref(),
            Some("a b.txt")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"x\"; filename*=UTF-8''%C3%A9.jpg")
                .as_deref(),
            Some("é.jpg")
        );
    }
}

//! A small loopback HTTP/1.1 server that records every request (method, raw target, query,
//! headers, body) and answers with canned replies, over a real socket.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use trillian_api::{Client, ClientBuilder, Token};

/// One recorded request.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    pub method: String,
    /// The raw request target, as sent (`/v2/…/?…`).
    pub target: String,
    /// The raw path (percent-encoding kept).
    pub path: String,
    /// Query pairs, percent-decoded.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// The body (empty when the reply was set to discard it).
    pub body: Vec<u8>,
    /// Bytes of body received.
    pub body_len: u64,
    /// First and last bytes of the body (kept even when discarding).
    pub body_head: Vec<u8>,
    pub body_tail: Vec<u8>,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Query pairs other than the token.
    pub fn query_without_token(&self) -> Vec<(String, String)> {
        self.query
            .iter()
            .filter(|(k, _)| k != "token")
            .cloned()
            .collect()
    }

    /// The form body, decoded into pairs (`+` is not a space here: we never send one).
    pub fn form(&self) -> Vec<(String, String)> {
        let body = String::from_utf8_lossy(&self.body);
        decode_pairs(&body)
    }
}

fn decode_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |x: &str| {
                percent_encoding::percent_decode_str(x)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// How to answer one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Never answer (hold the connection).
    pub hang: bool,
    /// Send the body one byte at a time with this pause.
    pub drip: Option<Duration>,
    /// Send no Content-Length (close the connection to end the body).
    pub no_length: bool,
    /// Do not keep the request body (count it only).
    pub discard_body: bool,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            hang: false,
            drip: None,
            no_length: false,
            discard_body: false,
        }
    }

    pub fn xml(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Reply::new(status, "application/xml; charset=utf-8", body)
    }

    pub fn fixture(status: u16, name: &str) -> Self {
        Reply::xml(status, crate::fixture(name))
    }

    pub fn empty(status: u16) -> Self {
        Reply {
            headers: Vec::new(),
            ..Reply::new(status, "", Vec::new())
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
}

#[derive(Clone)]
pub struct CaptureServer {
    pub addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Captured>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
}

impl CaptureServer {
    pub async fn start() -> CaptureServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let server = CaptureServer {
            addr,
            requests: Arc::new(Mutex::new(Vec::new())),
            replies: Arc::new(Mutex::new(VecDeque::new())),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.serve(sock).await;
                });
            }
        });
        server
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues the reply to the next request.
    pub fn push(&self, reply: Reply) {
        self.replies.lock().expect("replies").push_back(reply);
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.requests.lock().expect("requests").clone()
    }

    /// The last request; panics if there was none.
    pub fn last(&self) -> Captured {
        self.requests().pop().expect("the server saw a request")
    }

    pub fn builder(&self, token: &str) -> ClientBuilder {
        Client::builder(self.base_url(), "ceruleanstudios.com", Token::new(token))
            .retry_backoff(Duration::from_millis(10), Duration::from_millis(50))
    }

    pub fn client(&self) -> Client {
        self.builder(crate::TOKEN).build().expect("client")
    }

    async fn serve(&self, sock: TcpStream) -> std::io::Result<()> {
        let mut r = BufReader::new(sock);
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let mut parts = line.trim_end().splitn(3, ' ');
            let method = parts.next().unwrap_or("").to_owned();
            let target = parts.next().unwrap_or("").to_owned();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).await? == 0 {
                    return Ok(());
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_owned(), v.trim().to_owned()));
                }
            }
            let reply = self
                .replies
                .lock()
                .expect("replies")
                .pop_front()
                .unwrap_or_else(|| {
                    Reply::xml(404, "<response><error>no canned reply</error></response>")
                });
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p.to_owned(), decode_pairs(q)),
                None => (target.clone(), Vec::new()),
            };
            let mut cap = Captured {
                method,
                target,
                path,
                query,
                headers,
                ..Default::default()
            };
            let length: Option<u64> = cap.header("content-length").and_then(|v| v.parse().ok());
            let chunked = cap
                .header("transfer-encoding")
                .is_some_and(|v| v.contains("chunked"));
            let sink = |cap: &mut Captured, data: &[u8]| {
                cap.body_len += data.len() as u64;
                if cap.body_head.len() < 256 {
                    let n = (256 - cap.body_head.len()).min(data.len());
                    cap.body_head.extend_from_slice(&data[..n]);
                }
                cap.body_tail.extend_from_slice(data);
                if cap.body_tail.len() > 4096 {
                    let cut = cap.body_tail.len() - 256;
                    cap.body_tail.drain(..cut);
                }
                if !reply.discard_body {
                    cap.body.extend_from_slice(data);
                }
            };
            let mut buf = vec![0u8; 64 * 1024];
            if let Some(mut left) = length {
                while left > 0 {
                    let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                    let n = r.read(&mut buf[..want]).await?;
                    if n == 0 {
                        break;
                    }
                    sink(&mut cap, &buf[..n]);
                    left -= n as u64;
                }
            } else if chunked {
                loop {
                    let mut size = String::new();
                    r.read_line(&mut size).await?;
                    let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                    if n == 0 {
                        let mut end = String::new();
                        r.read_line(&mut end).await?;
                        break;
                    }
                    let mut data = vec![0u8; n];
                    r.read_exact(&mut data).await?;
                    sink(&mut cap, &data);
                    let mut crlf = String::new();
                    r.read_line(&mut crlf).await?;
                }
            }
            self.requests.lock().expect("requests").push(cap);
            if reply.hang {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Ok(());
            }
            tokio::time::sleep(reply.delay).await;
            let sock = r.get_mut();
            let mut head = format!("HTTP/1.1 {} Canned\r\n", reply.status);
            for (k, v) in &reply.headers {
                if !v.is_empty() {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
            }
            if reply.no_length {
                head.push_str("Connection: close\r\n\r\n");
            } else {
                head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
            }
            sock.write_all(head.as_bytes()).await?;
            match reply.drip {
                Some(pause) => {
                    for b in &reply.body {
                        sock.write_all(&[*b]).await?;
                        sock.flush().await?;
                        tokio::time::sleep(pause).await;
                    }
                }
                None => sock.write_all(&reply.body).await?,
            }
            sock.flush().await?;
            if reply.no_length {
                return Ok(());
            }
        }
    }
}

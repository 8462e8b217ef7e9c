//! Streamed media uploads over a real socket: bytes round-trip exactly, the body lands in a file
//! (not in memory), bad Base64 and over-large bodies leave nothing behind, identical bytes are
//! stored once, and a restart cleans up after an interrupted upload and moves old blobs out.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::Digest as _;
use trillian_sandbox::{Config, Sandbox};

use crate::common::{Api, DOMAIN, attr, seg, texts};

const OWNER: &str = "photo@kestrel.test";

/// Deterministic incompressible bytes.
fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn hex_sha(data: &[u8]) -> String {
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `name=…&type=…&data=<percent-encoded Base64>` (every `+`, `/` and `=` escaped).
fn form_body(data: &[u8], name: &str) -> Vec<u8> {
    format!(
        "name={}&type=application%2Foctet-stream&data={}",
        seg(name),
        seg(&STANDARD.encode(data))
    )
    .into_bytes()
}

/// Pieces of 1 to 13 bytes for the first 64 KiB (every escape and quartet split somewhere),
/// then 100,003-byte pieces.
fn pieces(body: Vec<u8>) -> Vec<Result<Vec<u8>, std::io::Error>> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut k = 0;
    while at < body.len() {
        let n = if at < 65_536 { 1 + k % 13 } else { 100_003 };
        let end = (at + n).min(body.len());
        out.push(Ok(body[at..end].to_vec()));
        at = end;
        k += 1;
    }
    out
}

/// Files in the media directory: `name size`.
fn files(dir: &Path) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = std::fs::read_dir(dir)
        .expect("media dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().expect("metadata").len(),
            )
        })
        .collect();
    v.sort();
    v
}

struct Live {
    sandbox: Sandbox,
    client: reqwest::Client,
    token: String,
}

impl Live {
    async fn start(config: Config) -> Live {
        Live::open(config, true).await
    }

    /// Starts a sandbox; creates the owner of the uploads when `create`.
    async fn open(config: Config, create: bool) -> Live {
        let sandbox = Sandbox::start(config).await.expect("start");
        let token = sandbox.admin_token(DOMAIN);
        let live = Live {
            sandbox,
            client: reqwest::Client::new(),
            token,
        };
        if create {
            live.create_user("photo").await;
        }
        live
    }

    async fn create_user(&self, local: &str) {
        let r = self
            .client
            .post(self.url("users/"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("im={local}&password=x"))
            .send()
            .await
            .expect("create user");
        assert_eq!(r.status().as_u16(), 201, "user {local} created");
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/v2/{DOMAIN}/{path}?token={}",
            self.sandbox.url(),
            seg(&self.token)
        )
    }

    fn media(&self) -> String {
        self.url(&format!("users/{}/media/", seg(OWNER)))
    }

    fn dir(&self) -> PathBuf {
        self.sandbox.state().media_dir().to_owned()
    }

    /// POSTs a streamed body (chunked, no Content-Length); returns status and text.
    async fn upload_stream(&self, body: Vec<u8>) -> (u16, String) {
        let stream = futures_util::stream::iter(pieces(body));
        let r = self
            .client
            .post(self.media())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .expect("an answer");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    async fn upload(&self, body: Vec<u8>) -> (u16, String) {
        let r = self
            .client
            .post(self.media())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("an answer");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    async fn list(&self) -> String {
        let r = self.client.get(self.media()).send().await.expect("list");
        r.text().await.expect("text")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20_mib_upload_streams_to_a_file_and_round_trips_byte_exact() {
    let live = Live::start(Config::new(DOMAIN)).await;
    let data = bytes(20 << 20, 7);
    let (status, text) = live.upload_stream(form_body(&data, "buoy log.bin")).await;
    assert_eq!(status, 201, "{text}");
    let m = attr(&text, "media", "m").expect("m");
    assert_eq!(m, crate::operations_digest(&data), "m is the data's digest");
    assert_eq!(texts(&text, "size"), vec![data.len().to_string()], "size");
    assert_eq!(
        files(&live.dir()),
        vec![(hex_sha(&data), data.len() as u64)],
        "the body landed in one file named by its SHA-256, nothing else in the directory"
    );
    let item = live.url(&format!("users/{}/media/{}/", seg(OWNER), seg(&m)));
    let r = live.client.get(&item).send().await.expect("download");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()["content-length"],
        data.len().to_string().as_str()
    );
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap_or_default()
            .contains("buoy log.bin"),
        "disposition names the file"
    );
    let got = r.bytes().await.expect("body");
    assert!(
        got[..] == data[..],
        "downloaded bytes equal the uploaded ones"
    );
    let r = live.client.head(&item).send().await.expect("head");
    assert_eq!(r.status().as_u16(), 200, "HEAD");
    assert_eq!(
        r.headers()["content-length"],
        data.len().to_string().as_str(),
        "HEAD length"
    );
    live.sandbox.shutdown().await;
}

#[tokio::test]
async fn escapes_and_quartets_split_at_every_position_decode_exactly() {
    // In process: the router sees exactly these pieces (a socket may merge them).
    let api = Api::new();
    api.create_user("photo").await;
    let data = bytes(3000, 11);
    let body = format!(
        "name=x&data={}&type=text%2Fplain",
        seg(&STANDARD.encode(&data))
    );
    for piece in [1usize, 2, 3, 4, 5, 7] {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
            .as_bytes()
            .chunks(piece)
            .map(|c| Ok(c.to_vec()))
            .collect();
        let req = Request::builder()
            .method("POST")
            .uri(format!(
                "/v2/{DOMAIN}/users/{}/media/?token={}",
                seg(OWNER),
                seg(&api.admin)
            ))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .expect("request");
        let r = api.raw(req).await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "pieces of {piece}: {}",
            r.text()
        );
        assert_eq!(
            attr(&r.text(), "media", "m"),
            Some(crate::operations_digest(&data)),
            "pieces of {piece}"
        );
    }
    let m = crate::operations_digest(&data);
    let r = api
        .get(&format!("users/{}/media/{}/", seg(OWNER), seg(&m)))
        .await;
    assert_eq!(r.body, data, "byte-exact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_base64_in_the_middle_is_400_and_leaves_no_file_or_row() {
    let live = Live::start(Config::new(DOMAIN)).await;
    let data = bytes(20 << 20, 5);
    let b64 = STANDARD.encode(&data);
    let middle = b64.len() / 2 / 4 * 4;
    let body = format!(
        "name=x&data={}!!!!{}",
        seg(&b64[..middle]),
        seg(&b64[middle..])
    );
    let (status, text) = live.upload_stream(body.into_bytes()).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("data is not valid Base64"), "{text}");
    assert!(files(&live.dir()).is_empty(), "no file left behind");
    assert!(!live.list().await.contains("<media"), "no row left behind");
    // Missing name: the same 400 as before, and still nothing behind.
    let (status, text) = live
        .upload(format!("data={}", seg(&b64[..4000])).into_bytes())
        .await;
    assert_eq!(status, 400);
    assert!(text.contains("missing required parameter name"), "{text}");
    assert!(files(&live.dir()).is_empty(), "no file left behind");
    live.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_large_upload_is_413_and_the_next_request_is_served() {
    let live = Live::start(Config::new(DOMAIN).max_upload_bytes(1 << 20)).await;
    let big = form_body(&bytes(3 << 20, 3), "big.bin");
    let (status, _) = live.upload(big.clone()).await;
    assert_eq!(status, 413, "declared length over the limit");
    let (status, _) = live.upload_stream(big).await;
    assert_eq!(status, 413, "streamed without a length, cut while reading");
    assert!(
        files(&live.dir()).is_empty(),
        "nothing left of the cut upload"
    );
    let small = bytes(1000, 9);
    let (status, text) = live.upload(form_body(&small, "small.bin")).await;
    assert_eq!(status, 201, "served normally after a 413: {text}");
    assert_eq!(
        files(&live.dir()),
        vec![(hex_sha(&small), 1000)],
        "only the small upload landed"
    );
    live.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_uploads_share_one_file_until_the_last_item_goes() {
    let live = Live::start(Config::new(DOMAIN)).await;
    live.create_user("other").await;
    let data = bytes(300_000, 21);
    let (s1, t1) = live.upload(form_body(&data, "a.bin")).await;
    let (s2, t2) = live.upload_stream(form_body(&data, "b.bin")).await;
    assert_eq!((s1, s2), (201, 201), "{t1} {t2}");
    assert_eq!(attr(&t1, "media", "m"), attr(&t2, "media", "m"), "same m");
    assert_eq!(
        texts(&live.list().await, "size").len(),
        1,
        "one item per SHA-256"
    );
    let other = live.url(&format!("users/{}/media/", seg("other@kestrel.test")));
    let r = live
        .client
        .post(&other)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&data, "c.bin"))
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(files(&live.dir()).len(), 1, "one file for three uploads");
    let m = crate::operations_digest(&data);
    let item = live.url(&format!("users/{}/media/{}/", seg(OWNER), seg(&m)));
    let r = live.client.delete(&item).send().await.expect("delete");
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(files(&live.dir()).len(), 1, "still used by the other user");
    let r = live
        .client
        .delete(live.url(&format!("users/{}/", seg("other@kestrel.test"))))
        .send()
        .await
        .expect("delete user");
    assert!(r.status().is_success(), "user deleted with its media");
    assert!(
        files(&live.dir()).is_empty(),
        "the last reference gone, the file too"
    );
    live.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_sweeps_interrupted_uploads_and_moves_old_blobs_to_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("sandbox.db");
    let media_dir = dir.path().join("sandbox.db.media");
    let data = bytes(5000, 13);
    {
        let live = Live::start(Config::new(DOMAIN).db_path(&db)).await;
        assert_eq!(live.dir(), media_dir, "media beside the database");
        let (status, text) = live.upload(form_body(&data, "kept.bin")).await;
        assert_eq!(status, 201, "{text}");
        live.sandbox.shutdown().await;
    }
    // As after a crash: a half-written temporary, a file renamed but never committed.
    std::fs::write(media_dir.join(".upload-1-2-3"), b"half").expect("temp");
    let orphan = bytes(100, 17);
    std::fs::write(media_dir.join(hex_sha(&orphan)), &orphan).expect("orphan");
    // As before media files: the bytes of a second item only in the blob table.
    let old = bytes(7000, 19);
    let old_m = crate::operations_digest(&old);
    {
        let c = rusqlite::Connection::open(&db).expect("sqlite");
        c.execute(
            "INSERT INTO media (domain_id, owner, m, name, type, size, created_at) \
             SELECT domain_id, owner, ?1, 'old.bin', 'application/octet-stream', ?2, 0 \
             FROM media LIMIT 1",
            rusqlite::params![old_m, old.len() as i64],
        )
        .expect("old row");
        c.execute(
            "INSERT INTO blob (sha, data) VALUES (?1, ?2)",
            rusqlite::params![old_m, old],
        )
        .expect("old blob");
        c.pragma_update(None, "user_version", 3).expect("version 3");
    }
    let live = Live::open(Config::new(DOMAIN).db_path(&db), false).await;
    assert_eq!(
        files(&media_dir),
        {
            let mut v = vec![
                (hex_sha(&data), data.len() as u64),
                (hex_sha(&old), old.len() as u64),
            ];
            v.sort();
            v
        },
        "temporary and orphan swept; the old blob is a file now"
    );
    let item = live.url(&format!("users/{}/media/{}/", seg(OWNER), seg(&old_m)));
    let r = live.client.get(&item).send().await.expect("download");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.bytes().await.expect("body")[..] == old[..],
        "old item readable"
    );
    live.sandbox.shutdown().await;
    let c = rusqlite::Connection::open(&db).expect("sqlite");
    let blobs: i64 = c
        .query_row("SELECT count(*) FROM blob WHERE sha = ?1", [&old_m], |r| {
            r.get(0)
        })
        .expect("count");
    assert_eq!(blobs, 0, "the blob row went with migration 4");
}

#[tokio::test]
async fn an_in_memory_sandbox_removes_its_media_directory_when_dropped() {
    let api = Api::demo();
    let dir = api.state.media_dir().to_owned();
    assert!(!files(&dir).is_empty(), "the demo data's media are files");
    drop(api);
    assert!(!dir.exists(), "{} removed", dir.display());
}

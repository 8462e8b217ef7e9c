//! `trillian-sandbox`: a faithful reference server of the Trillian Server API v2 (axum + SQLite),
//! with deterministic demo data. Embeddable ([`Sandbox::start`]) and a binary.
//!
//! ```no_run
//! # async fn demo() -> trillian_sandbox::Result<()> {
//! use trillian_sandbox::{Config, Sandbox};
//! let sandbox = Sandbox::start(Config::new("example.com").demo(true)).await?;
//! let url = sandbox.url(); // http://127.0.0.1:PORT
//! let token = sandbox.admin_token("example.com");
//! # let _ = (url, token);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod content;
mod demo;
pub mod error;
mod http;
mod store;
mod token;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::serve::ListenerExt as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::{Error, Result};
use http::error::ApiError;
use store::Db;

/// How long [`Sandbox::shutdown`] waits for open connections.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Default limit of the bodies read whole (every request but media uploads).
pub const DEFAULT_MAX_BODY_BYTES: usize = 768 * 1024 * 1024;

/// Default limit of a media upload's body, which streams to a file: a 2 GiB media item as
/// percent-encoded Base64 (about 1.42 characters a byte), with room to spare.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 3 * 1024 * 1024 * 1024;

/// Where the sandbox keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// A private in-memory database, gone at shutdown.
    Memory,
    /// An SQLite file (WAL), created if missing; its data and tokens survive restarts.
    Path(PathBuf),
}

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The domain's administrator: every endpoint of the domain.
    Admin,
    /// One user (IM address): reads what the user can see, sends messages as the user.
    User(String),
}

/// How to run a sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub db: DbLocation,
    /// Domains served; the first is [`Sandbox::domain`].
    pub domains: Vec<String>,
    /// Fill domains that have no users yet with demo data.
    pub demo: bool,
    /// Base URL used in `href`s (no trailing slash, no `/v2`); default: the listening address.
    pub public_url: Option<String>,
    /// Seed of the demo data generator.
    pub seed: u64,
    /// Requests with a larger body are refused with 413 (media uploads: `max_upload_bytes`).
    pub max_body_bytes: usize,
    /// Media uploads (streamed to a file, not held in memory) with a larger body are refused with
    /// 413.
    pub max_upload_bytes: usize,
    /// Erase the domains' data at start (and regenerate demo data when `demo`).
    pub reset: bool,
}

impl Config {
    /// One domain, `127.0.0.1:0`, in memory, no demo data.
    pub fn new(domain: impl Into<String>) -> Config {
        Config {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            db: DbLocation::Memory,
            domains: vec![domain.into()],
            demo: false,
            public_url: None,
            seed: 0x7121_11a4,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            reset: false,
        }
    }

    pub fn listen(mut self, addr: SocketAddr) -> Config {
        self.listen = addr;
        self
    }

    pub fn db(mut self, db: DbLocation) -> Config {
        self.db = db;
        self
    }

    /// Shorthand for `db(DbLocation::Path(path))`.
    pub fn db_path(self, path: impl Into<PathBuf>) -> Config {
        self.db(DbLocation::Path(path.into()))
    }

    /// Adds another domain.
    pub fn domain(mut self, domain: impl Into<String>) -> Config {
        self.domains.push(domain.into());
        self
    }

    pub fn demo(mut self, demo: bool) -> Config {
        self.demo = demo;
        self
    }

    pub fn public_url(mut self, url: impl Into<String>) -> Config {
        self.public_url = Some(url.into());
        self
    }

    pub fn seed(mut self, seed: u64) -> Config {
        self.seed = seed;
        self
    }

    pub fn max_body_bytes(mut self, bytes: usize) -> Config {
        self.max_body_bytes = bytes;
        self
    }

    pub fn max_upload_bytes(mut self, bytes: usize) -> Config {
        self.max_upload_bytes = bytes;
        self
    }

    pub fn reset(mut self, reset: bool) -> Config {
        self.reset = reset;
        self
    }
}

fn check_domain(d: &str) -> Result<()> {
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!("invalid domain name {d:?}")))
    }
}

/// What a valid token grants.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub domain_id: i64,
    pub domain: String,
    pub owner: Owner,
}

/// Shared state of the router: the database, the public base URL, limits.
#[derive(Clone)]
pub struct AppState {
    pub(crate) db: Db,
    pub(crate) base: Arc<str>,
    pub(crate) max_body: usize,
    pub(crate) max_upload: usize,
    seed: u64,
    demo: bool,
    /// `GET users` answers per domain, with the user change counter they were read at.
    pub(crate) users_xml: Arc<std::sync::Mutex<HashMap<i64, (i64, axum::body::Bytes)>>>,
    /// Whether that cache is used (benchmarks turn it off to measure the uncached path).
    pub(crate) users_xml_on: Arc<std::sync::atomic::AtomicBool>,
    /// Administrator tokens seen so far (user tokens are checked against the user every time).
    admins: Arc<RwLock<HashMap<String, Grant>>>,
}

impl AppState {
    /// Opens the database, creates missing domains (a root group and a default policy each), and
    /// fills empty ones with demo data when asked. Blocking: call from `spawn_blocking` when async.
    pub fn open(config: &Config, public_url: &str) -> Result<AppState> {
        if config.domains.is_empty() {
            return Err(Error::Config("at least one domain is required".into()));
        }
        for d in &config.domains {
            check_domain(d)?;
        }
        let db = match &config.db {
            DbLocation::Memory => Db::open_memory()?,
            DbLocation::Path(p) => Db::open_path(p)?,
        };
        let state = AppState {
            db,
            base: Arc::from(public_url.trim_end_matches('/')),
            max_body: config.max_body_bytes,
            max_upload: config.max_upload_bytes,
            seed: config.seed,
            demo: config.demo,
            admins: Arc::default(),
            users_xml: Arc::default(),
            users_xml_on: Arc::new(std::sync::atomic::AtomicBool::new(true)),
        };
        for d in &config.domains {
            state.prepare_domain(d, config.reset)?;
        }
        Ok(state)
    }

    fn prepare_domain(&self, domain: &str, reset: bool) -> Result<()> {
        let (demo, seed, content) = (self.demo, self.seed, self.db.content());
        self.db.write_blocking(|c| -> Result<()> {
            let tx = c.transaction()?;
            let id = match store::domain_id(&tx, domain)? {
                Some(id) => id,
                None => {
                    let id = store::insert_domain(&tx, domain)?;
                    demo::init_domain(&tx, id, domain)?;
                    id
                }
            };
            if reset {
                store::clear_domain(&tx, id)?;
                demo::init_domain(&tx, id, domain)?;
            }
            if store::token::first(&tx, id, None)?.is_none() {
                store::token::insert(&tx, id, None, &token::generate(), store::now_secs())?;
            }
            if demo && store::user::count(&tx, id)? == 0 {
                demo::generate(&tx, content, id, domain, seed, store::now_millis())?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Erases a domain's data (keeping its administrator tokens) and regenerates the demo data.
    pub fn reset_demo(&self, domain: &str) -> Result<()> {
        let (seed, content) = (self.seed, self.db.content());
        self.db.write_blocking(|c| -> Result<()> {
            let tx = c.transaction()?;
            let id = store::domain_id(&tx, domain)?
                .ok_or_else(|| Error::UnknownDomain(domain.into()))?;
            store::clear_domain(&tx, id)?;
            demo::init_domain(&tx, id, domain)?;
            demo::generate(&tx, content, id, domain, seed, store::now_millis())?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The domain's first administrator token (one is created with the domain).
    pub fn admin_token(&self, domain: &str) -> Result<String> {
        self.db.read_blocking(|c| -> Result<String> {
            let id =
                store::domain_id(c, domain)?.ok_or_else(|| Error::UnknownDomain(domain.into()))?;
            store::token::first(c, id, None)?.ok_or_else(|| Error::UnknownDomain(domain.into()))
        })
    }

    /// The first token of a user (demo users have one), if any.
    pub fn user_token(&self, domain: &str, im: &str) -> Result<Option<String>> {
        self.db.read_blocking(|c| -> Result<Option<String>> {
            let id =
                store::domain_id(c, domain)?.ok_or_else(|| Error::UnknownDomain(domain.into()))?;
            Ok(store::token::first(c, id, Some(im))?)
        })
    }

    /// Creates a new token for a principal of a domain.
    pub fn issue_token(&self, domain: &str, owner: Owner) -> Result<String> {
        self.db.write_blocking(|c| -> Result<String> {
            let tx = c.transaction()?;
            let token = token::issue(&tx, domain, &owner)?;
            tx.commit()?;
            Ok(token)
        })
    }

    /// Adds `count` plain users (`{prefix}{i}@domain`) in one transaction: for benchmarks and
    /// large-domain tests.
    #[doc(hidden)]
    pub fn seed_users(&self, domain: &str, prefix: &str, count: usize) -> Result<()> {
        self.db.write_blocking(|c| -> Result<()> {
            let tx = c.transaction()?;
            let id = store::domain_id(&tx, domain)?
                .ok_or_else(|| Error::UnknownDomain(domain.into()))?;
            let group = store::group::root(&tx, id)?.unwrap_or(0);
            let now = store::now_secs();
            for i in 0..count {
                let row = store::user::UserRow {
                    id: 0,
                    im: format!("{prefix}{i}@{domain}"),
                    displayname: format!("Load Test User {i}"),
                    email: format!("{prefix}{i}@{domain}"),
                    group,
                    policy: 0,
                    flags: 0,
                    created_at: now,
                };
                store::user::insert(&tx, id, &row, "seeded")?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// The directory of the media files (`<db>.media`, or a temporary directory in memory).
    #[doc(hidden)]
    pub fn media_dir(&self) -> &std::path::Path {
        self.db.content().dir()
    }

    /// Turns the cache of `GET users` answers on or off (on by default; for benchmarks).
    #[doc(hidden)]
    pub fn set_user_list_cache(&self, on: bool) {
        self.users_xml_on
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// A digest of every row of every table and of the media files' names and sizes: equal
    /// digests mean no data changed (for tests).
    #[doc(hidden)]
    pub fn content_digest(&self) -> Result<String> {
        self.db.read_blocking(|c| -> Result<String> {
            use sha2::{Digest, Sha256};
            let mut tables: Vec<String> = c
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            tables.sort();
            let mut h = Sha256::new();
            for t in tables {
                let mut stmt = c.prepare(&format!("SELECT * FROM \"{t}\""))?;
                let n = stmt.column_count();
                let mut rows: Vec<String> = stmt
                    .query_map([], |r| {
                        let mut line = String::new();
                        for i in 0..n {
                            line.push_str(&format!("{:?}|", r.get_ref(i)?));
                        }
                        Ok(line)
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                rows.sort();
                h.update(t.as_bytes());
                for r in rows {
                    h.update(r.as_bytes());
                }
            }
            for f in self.db.content().listing()? {
                h.update(f.as_bytes());
            }
            Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
        })
    }

    pub(crate) async fn lookup_token(&self, token: String) -> Result<Option<Grant>, ApiError> {
        if let Some(g) = self.admins.read().ok().and_then(|m| m.get(&token).cloned()) {
            return Ok(Some(g));
        }
        let key = token.clone();
        let grant = self
            .db
            .read(move |c| -> Result<Option<Grant>, ApiError> {
                let Some(row) = store::token::lookup(c, &key)? else {
                    return Ok(None);
                };
                let owner = match row.owner {
                    None => Owner::Admin,
                    Some(im) => match store::user::get(c, row.domain_id, &im)? {
                        // A disabled user cannot sign in.
                        Some(u) if u.flags & 0x1 == 0 => Owner::User(im),
                        _ => return Ok(None),
                    },
                };
                Ok(Some(Grant {
                    domain_id: row.domain_id,
                    domain: row.domain,
                    owner,
                }))
            })
            .await?;
        if let Some(g) = &grant
            && g.owner == Owner::Admin
            && let Ok(mut m) = self.admins.write()
        {
            m.insert(token, g.clone());
        }
        Ok(grant)
    }
}

/// The router of every operation of the API, over `state`.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}

/// A running sandbox on a TCP port.
pub struct Sandbox {
    url: String,
    domains: Vec<String>,
    state: AppState,
    admin_tokens: HashMap<String, String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Sandbox {
    /// Opens the database, binds `config.listen` and serves until [`Sandbox::shutdown`].
    pub async fn start(config: Config) -> Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let mut addr = listener.local_addr()?;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let url = format!("http://{addr}");
        let public = config.public_url.clone().unwrap_or_else(|| url.clone());
        let cfg = config.clone();
        let state = tokio::task::spawn_blocking(move || AppState::open(&cfg, &public))
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
        let mut admin_tokens = HashMap::new();
        for d in &config.domains {
            admin_tokens.insert(d.clone(), state.admin_token(d)?);
        }
        let router = app(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Sandbox {
            url,
            domains: config.domains,
            state,
            admin_tokens,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://IP:PORT` — no trailing slash, no `/v2`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The first domain served.
    pub fn domain(&self) -> &str {
        self.domains.first().map(String::as_str).unwrap_or("")
    }

    /// Every domain served.
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    /// The domain's administrator token (empty for a domain this sandbox does not serve).
    pub fn admin_token(&self, domain: &str) -> String {
        self.admin_tokens.get(domain).cloned().unwrap_or_default()
    }

    /// A user's token: seeded for every demo user; None for other users until one is issued.
    pub fn user_token(&self, domain: &str, im: &str) -> Option<String> {
        self.state.user_token(domain, im).ok().flatten()
    }

    /// Creates a new token for the administrator or a user of a domain.
    pub fn issue_token(&self, domain: &str, owner: Owner) -> Result<String> {
        self.state.issue_token(domain, owner)
    }

    /// Erases the domain's data and regenerates the demo data (administrator tokens survive).
    pub async fn reset_demo(&self, domain: &str) -> Result<()> {
        let state = self.state.clone();
        let domain = domain.to_owned();
        tokio::task::spawn_blocking(move || state.reset_demo(&domain))
            .await
            .map_err(|e| Error::Task(e.to_string()))?
    }

    /// The router's state (to build another router over the same data, e.g. in tests).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting, lets requests in flight finish (for at most 5 seconds), and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
                Ok(Ok(Err(e))) => {
                    tracing::warn!(error = %e, "sandbox server stopped with an error")
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "sandbox server task failed"),
                Ok(Ok(Ok(()))) => {}
                Err(_) => {
                    tracing::warn!("connections still open after the grace period; closing them");
                    task.abort();
                }
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

//! SQLite storage: one writer connection behind a mutex, a small pool of readers, migrations, and
//! the media files beside the database ([`Content`]).
//!
//! Every call runs on tokio's blocking pool. The `<area>` modules hold SQL only.

pub mod group;
pub mod groupchat;
pub mod media;
pub mod message;
pub mod policy;
pub mod presence;
pub mod token;
pub mod user;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::content::Content;
use crate::error::{Error, Result};

/// Schema migrations, applied in order; `PRAGMA user_version` is the number applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_user_domain_index.sql"),
    include_str!("../../migrations/0003_user_change_counter.sql"),
    include_str!("../../migrations/0004_media_files.sql"),
];

/// The migration (1-based) before which media data blobs are written out to files.
const MEDIA_FILES_MIGRATION: usize = 4;

/// On the writer connection: the `m` of every deleted media row, so that the files nothing refers
/// to any more are removed once the deletion is committed (rolled back with it otherwise).
const MEDIA_GONE: &str = "CREATE TEMP TABLE media_gone (m TEXT NOT NULL); \
     CREATE TEMP TRIGGER media_gone_on_delete AFTER DELETE ON main.media \
     BEGIN INSERT INTO media_gone (m) VALUES (OLD.m); END;";

/// Idle reader connections kept for reuse.
const MAX_IDLE_READERS: usize = 64;

/// The database: a writer and readers (file), or one shared connection (in memory).
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    /// None for an in-memory database: readers use the writer connection.
    path: Option<PathBuf>,
    readers: Mutex<Vec<Connection>>,
    /// Media data files.
    content: Content,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Close the read-only connections first: the last connection to close checkpoints the WAL
        // into the database file, and only the writer can do that.
        match self.readers.get_mut() {
            Ok(readers) => readers.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave SQLite inconsistent: transactions roll back on drop.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open_path(path: &Path) -> Result<Db> {
        let open_err = |e: rusqlite::Error| Error::Open {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let mut writer = Connection::open(path).map_err(open_err)?;
        configure(&writer).map_err(open_err)?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Open {
                path: path.to_owned(),
                reason: format!("journal mode {mode}"),
            });
        }
        // Every transaction of the writer takes SQLite's write lock when it begins, so that
        // waiting for it goes through the busy timeout. A deferred transaction that reads first
        // and then writes would get SQLITE_BUSY at once, without waiting, when a reader holds
        // the lock for a moment (a reader that sees a half-written WAL index header takes it to
        // read the header again): the 500 "database is locked" the soak test caught under load.
        writer.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        let content = Content::beside(path).map_err(|e| Error::Open {
            path: path.to_owned(),
            reason: format!("media directory: {e}"),
        })?;
        migrate(&mut writer, path, &content)?;
        writer.execute_batch(MEDIA_GONE).map_err(open_err)?;
        let removed =
            content.sweep(|m| media::is_referenced(&writer, m).map_err(std::io::Error::other))?;
        if removed > 0 {
            tracing::info!(
                removed,
                "removed interrupted uploads and unreferenced media files"
            );
        }
        Ok(Db {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                path: Some(path.to_owned()),
                readers: Mutex::new(Vec::new()),
                content,
            }),
        })
    }

    /// A fresh private in-memory database.
    pub fn open_memory() -> Result<Db> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn)?;
        let content = Content::temporary()?;
        migrate(&mut conn, Path::new(":memory:"), &content)?;
        conn.execute_batch(MEDIA_GONE)?;
        Ok(Db {
            inner: Arc::new(Inner {
                writer: Mutex::new(conn),
                path: None,
                readers: Mutex::new(Vec::new()),
                content,
            }),
        })
    }

    /// The media files.
    pub fn content(&self) -> &Content {
        &self.inner.content
    }

    fn reader(&self) -> Result<Connection> {
        if let Some(conn) = lock(&self.inner.readers).pop() {
            return Ok(conn);
        }
        let path = self.inner.path.as_deref().unwrap_or(Path::new(":memory:"));
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = lock(&self.inner.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }

    /// Runs `f` on a reader connection, on the blocking pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(|e| E::from(Error::Task(e.to_string())))?
    }

    /// Runs `f` on a reader connection on the current thread.
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<Error>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        if self.inner.path.is_none() {
            let conn = lock(&self.inner.writer);
            return f(&conn);
        }
        let conn = self.reader()?;
        let out = f(&conn);
        self.give_back(conn);
        out
    }

    /// Runs `f` with the writer connection, on the blocking pool. `f` opens its own transaction.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| E::from(Error::Task(e.to_string())))?
    }

    /// Runs `f` in one transaction on the writer connection, on the blocking pool: committed when
    /// `f` succeeds (before the caller answers), rolled back when it fails.
    pub async fn transact<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        self.write(move |c| {
            let tx = c.transaction().map_err(|e| E::from(Error::from(e)))?;
            let out = f(&tx)?;
            tx.commit().map_err(|e| E::from(Error::from(e)))?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` with the writer connection on the current thread; then, with the lock still held,
    /// removes the media files that the committed writes left without a row.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Connection) -> Result<T, E>,
    {
        let mut conn = lock(&self.inner.writer);
        let out = f(&mut conn);
        if conn.is_autocommit()
            && let Err(e) = self.remove_unreferenced(&conn)
        {
            // The file stays until the next start's sweep; the write itself succeeded.
            tracing::warn!(error = %e, "removing unreferenced media files");
        }
        out
    }

    fn remove_unreferenced(&self, conn: &Connection) -> Result<()> {
        let gone = media::take_gone(conn)?;
        for m in gone {
            if !media::is_referenced(conn, &m)? {
                self.inner.content.remove(&m)?;
            }
        }
        Ok(())
    }
}

fn migrate(conn: &mut Connection, path: &Path, content: &Content) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(Error::Open {
            path: path.to_owned(),
            reason: format!("schema version {version} is newer than this sandbox ({known})"),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        if i + 1 == MEDIA_FILES_MIGRATION {
            // Files first (synced, renamed into place); the rows go with the migration's commit.
            media::export_data_blobs(&tx, |data| content.put_bytes(data).map(|_| ()))?;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// The id of a domain, if it exists.
pub fn domain_id(conn: &Connection, name: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM domain WHERE name = ?1")?
        .query_row(params![name], |r| r.get(0))
        .optional()
}

/// Creates a domain row; returns its id.
pub fn insert_domain(conn: &Connection, name: &str) -> rusqlite::Result<i64> {
    conn.execute("INSERT INTO domain (name) VALUES (?1)", params![name])?;
    Ok(conn.last_insert_rowid())
}

/// Deletes every resource of a domain but keeps the domain and its administrator tokens.
pub fn clear_domain(conn: &Connection, domain_id: i64) -> rusqlite::Result<()> {
    for sql in [
        "DELETE FROM message WHERE conversation_id IN (SELECT id FROM conversation WHERE domain_id = ?1)",
        "DELETE FROM conversation WHERE domain_id = ?1",
        "DELETE FROM media WHERE domain_id = ?1",
        "DELETE FROM groupchat WHERE domain_id = ?1",
        "DELETE FROM user WHERE domain_id = ?1",
        "DELETE FROM grp WHERE domain_id = ?1",
        "DELETE FROM policy WHERE domain_id = ?1",
        "DELETE FROM token WHERE domain_id = ?1 AND owner IS NOT NULL",
    ] {
        conn.execute(sql, params![domain_id])?;
    }
    media::delete_orphan_blobs(conn)?;
    Ok(())
}

/// Current time in unix seconds.
pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Current time in unix milliseconds.
pub fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

//! Media items (of a user or a group chat) and the content-addressed thumbnails behind them (the
//! items' data are files: [`crate::content`]).

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A media item as stored. `m` and `thumb_sha` are Base64 SHA-256 digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRow {
    pub id: i64,
    pub owner: String,
    pub m: String,
    pub name: String,
    pub kind: String,
    pub size: i64,
    pub thumb_sha: String,
    pub created_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str = "id, owner, m, name, type, size, thumb_sha, created_at, expires_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<MediaRow> {
    Ok(MediaRow {
        id: r.get(0)?,
        owner: r.get(1)?,
        m: r.get(2)?,
        name: r.get(3)?,
        kind: r.get(4)?,
        size: r.get(5)?,
        thumb_sha: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
    })
}

pub fn list(conn: &Connection, domain_id: i64, owner: &str) -> rusqlite::Result<Vec<MediaRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM media WHERE domain_id = ?1 AND owner = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![domain_id, owner], from_row)?;
    rows.collect()
}

pub fn get(
    conn: &Connection,
    domain_id: i64,
    owner: &str,
    m: &str,
) -> rusqlite::Result<Option<MediaRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM media WHERE domain_id = ?1 AND owner = ?2 AND m = ?3"
    ))?
    .query_row(params![domain_id, owner, m], from_row)
    .optional()
}

/// Stores a thumbnail's bytes under their digest unless already there.
pub fn put_blob(conn: &Connection, sha: &str, data: &[u8]) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO blob (sha, data) VALUES (?1, ?2)")?
        .execute(params![sha, data])?;
    Ok(())
}

pub fn blob(conn: &Connection, sha: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.prepare_cached("SELECT data FROM blob WHERE sha = ?1")?
        .query_row(params![sha], |r| r.get(0))
        .optional()
}

/// Inserts the item, or updates name and type (and thumbnail and size, when given) of the owner's
/// item with the same data.
pub fn upsert(
    conn: &Connection,
    domain_id: i64,
    item: &MediaRow,
    image_width: u32,
    image_height: u32,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO media (domain_id, owner, m, name, type, size, thumb_sha, image_width, \
         image_height, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (domain_id, owner, m) DO UPDATE SET name = excluded.name, type = excluded.type, \
         thumb_sha = CASE WHEN excluded.thumb_sha <> '' THEN excluded.thumb_sha ELSE media.thumb_sha END, \
         image_width = CASE WHEN excluded.image_width > 0 THEN excluded.image_width ELSE media.image_width END, \
         image_height = CASE WHEN excluded.image_height > 0 THEN excluded.image_height ELSE media.image_height END",
    )?
    .execute(params![
        domain_id,
        item.owner,
        item.m,
        item.name,
        item.kind,
        item.size,
        item.thumb_sha,
        image_width,
        image_height,
        item.created_at,
        item.expires_at
    ])?;
    Ok(())
}

/// Deletes the item and any thumbnail nothing refers to any more (its data file goes once the
/// deletion is committed: `Db::write_blocking`).
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM media WHERE id = ?1")?
        .execute(params![id])?;
    delete_orphan_blobs(conn)
}

/// Moves a user's or group chat's media to nobody: deletes them.
pub fn delete_owner(conn: &Connection, domain_id: i64, owner: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM media WHERE domain_id = ?1 AND owner = ?2")?
        .execute(params![domain_id, owner])?;
    delete_orphan_blobs(conn)
}

/// Deletes the thumbnails no item refers to.
pub fn delete_orphan_blobs(conn: &Connection) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM blob WHERE NOT EXISTS (SELECT 1 FROM media WHERE media.thumb_sha = blob.sha)",
    )?
    .execute([])?;
    Ok(())
}

/// Whether any item's data is the content `m`.
pub fn is_referenced(conn: &Connection, m: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM media WHERE m = ?1)")?
        .query_row(params![m], |r| r.get(0))
}

/// The data digests of the media rows deleted since the last call (committed deletions only:
/// the temporary table `media_gone` is filled by a trigger, inside the deleting transaction).
pub fn take_gone(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let gone: Vec<String> = conn
        .prepare_cached("SELECT DISTINCT m FROM temp.media_gone")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !gone.is_empty() {
        conn.prepare_cached("DELETE FROM temp.media_gone")?
            .execute([])?;
    }
    Ok(gone)
}

/// Hands every blob that is a media item's data (a database from before media files) to `put`,
/// one at a time.
pub fn export_data_blobs(
    conn: &Connection,
    mut put: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> crate::Result<()> {
    let shas: Vec<String> = conn
        .prepare("SELECT sha FROM blob WHERE sha IN (SELECT m FROM media)")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for sha in shas {
        if let Some(data) = blob(conn, &sha)? {
            put(&data)?;
        }
    }
    Ok(())
}

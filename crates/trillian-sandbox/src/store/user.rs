//! Users and their address-book avatars.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub im: String,
    pub displayname: String,
    pub email: String,
    pub group: i64,
    pub policy: i64,
    pub flags: u32,
    pub created_at: i64,
}

const COLUMNS: &str = "id, im, displayname, email, group_id, policy, flags, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        im: r.get(1)?,
        displayname: r.get(2)?,
        email: r.get(3)?,
        group: r.get(4)?,
        policy: r.get(5)?,
        flags: r.get(6)?,
        created_at: r.get(7)?,
    })
}

/// A user row borrowed from the statement (no allocation per row).
#[derive(Debug, Clone, Copy)]
pub struct UserRef<'a> {
    pub im: &'a str,
    pub displayname: &'a str,
    pub email: &'a str,
    pub group: i64,
    pub policy: i64,
    pub flags: u32,
    pub created_at: i64,
}

/// Calls `f` for every user of the domain, in creation order, from one query.
pub fn for_each(
    conn: &Connection,
    domain_id: i64,
    mut f: impl FnMut(&UserRef<'_>),
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM user WHERE domain_id = ?1 ORDER BY id"
    ))?;
    let mut rows = stmt.query(params![domain_id])?;
    while let Some(r) = rows.next()? {
        let u = UserRef {
            im: r.get_ref(1)?.as_str()?,
            displayname: r.get_ref(2)?.as_str()?,
            email: r.get_ref(3)?.as_str()?,
            group: r.get(4)?,
            policy: r.get(5)?,
            flags: r.get(6)?,
            created_at: r.get(7)?,
        };
        f(&u);
    }
    Ok(())
}

pub fn get(conn: &Connection, domain_id: i64, im: &str) -> rusqlite::Result<Option<UserRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM user WHERE domain_id = ?1 AND im = ?2"
    ))?
    .query_row(params![domain_id, im], from_row)
    .optional()
}

/// The user table's change counter (bumped by triggers on every insert, update and delete).
pub fn changes(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT n FROM user_changes WHERE id = 1")?
        .query_row([], |r| r.get(0))
}

pub fn count(conn: &Connection, domain_id: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM user WHERE domain_id = ?1")?
        .query_row(params![domain_id], |r| r.get(0))
}

/// Inserts a user; returns its id.
pub fn insert(
    conn: &Connection,
    domain_id: i64,
    user: &UserRow,
    password_hash: &str,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO user (domain_id, im, password_hash, displayname, email, group_id, policy, flags, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        domain_id,
        user.im,
        password_hash,
        user.displayname,
        user.email,
        user.group,
        user.policy,
        user.flags,
        user.created_at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Writes every column but the IM address and the password.
pub fn update(conn: &Connection, user: &UserRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE user SET displayname = ?2, email = ?3, group_id = ?4, policy = ?5, flags = ?6 \
         WHERE id = ?1",
    )?
    .execute(params![
        user.id,
        user.displayname,
        user.email,
        user.group,
        user.policy,
        user.flags
    ])?;
    Ok(())
}

pub fn set_password(conn: &Connection, id: i64, password_hash: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE user SET password_hash = ?2 WHERE id = ?1")?
        .execute(params![id, password_hash])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM user WHERE id = ?1")?
        .execute(params![id])?;
    Ok(())
}

/// The avatar's content type and bytes.
pub fn avatar(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    conn.prepare_cached("SELECT content_type, data FROM avatar WHERE user_id = ?1")?
        .query_row(params![user_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

pub fn set_avatar(
    conn: &Connection,
    user_id: i64,
    content_type: &str,
    data: &[u8],
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO avatar (user_id, content_type, data) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data",
    )?
    .execute(params![user_id, content_type, data])?;
    Ok(())
}

/// Returns whether there was an avatar.
pub fn delete_avatar(conn: &Connection, user_id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM avatar WHERE user_id = ?1")?
        .execute(params![user_id])?
        > 0)
}

/// Changes a user's IM address everywhere it is a key (tokens, media, conversations).
pub fn rename(
    conn: &Connection,
    domain_id: i64,
    id: i64,
    old: &str,
    new: &str,
) -> rusqlite::Result<()> {
    conn.execute("UPDATE user SET im = ?2 WHERE id = ?1", params![id, new])?;
    for sql in [
        "UPDATE token SET owner = ?3 WHERE domain_id = ?1 AND owner = ?2",
        "UPDATE media SET owner = ?3 WHERE domain_id = ?1 AND owner = ?2",
        "UPDATE conversation SET a = ?3 WHERE domain_id = ?1 AND a = ?2",
        "UPDATE conversation SET b = ?3 WHERE domain_id = ?1 AND b = ?2",
    ] {
        conn.execute(sql, params![domain_id, old, new])?;
    }
    Ok(())
}

//! Group chats, their members and the groups they are offered to.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// Flag of a group chat left out of listings.
pub const GROUPCHAT_DELETED: u32 = 0x1;

/// A group chat as stored, with the timestamp of its newest message (0 when none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupchatRow {
    pub id: i64,
    pub name: String,
    pub displayname: String,
    pub flags: u32,
    pub topic: String,
    pub message_timestamp: i64,
}

const SELECT: &str = "SELECT g.id, g.name, g.displayname, g.flags, g.topic, \
     coalesce((SELECT max(m.ts) FROM conversation c JOIN message m ON m.conversation_id = c.id \
               WHERE c.domain_id = g.domain_id AND c.name = g.name), 0) FROM groupchat g";

fn from_row(r: &Row<'_>) -> rusqlite::Result<GroupchatRow> {
    Ok(GroupchatRow {
        id: r.get(0)?,
        name: r.get(1)?,
        displayname: r.get(2)?,
        flags: r.get(3)?,
        topic: r.get(4)?,
        message_timestamp: r.get(5)?,
    })
}

/// Group chats not flagged deleted, in creation order.
pub fn list(conn: &Connection, domain_id: i64) -> rusqlite::Result<Vec<GroupchatRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE g.domain_id = ?1 AND (g.flags & {GROUPCHAT_DELETED}) = 0 ORDER BY g.id"
    ))?;
    let rows = stmt.query_map(params![domain_id], from_row)?;
    rows.collect()
}

pub fn get(
    conn: &Connection,
    domain_id: i64,
    name: &str,
) -> rusqlite::Result<Option<GroupchatRow>> {
    conn.prepare_cached(&format!("{SELECT} WHERE g.domain_id = ?1 AND g.name = ?2"))?
        .query_row(params![domain_id, name], from_row)
        .optional()
}

/// The highest group chat id so far (0 for none): the seed of a new chat's name.
pub fn max_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM groupchat", [], |r| {
        r.get(0)
    })
}

pub fn insert(
    conn: &Connection,
    domain_id: i64,
    name: &str,
    displayname: &str,
    flags: u32,
    topic: &str,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO groupchat (domain_id, name, displayname, flags, topic) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![domain_id, name, displayname, flags, topic])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, g: &GroupchatRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE groupchat SET displayname = ?2, flags = ?3, topic = ?4 WHERE id = ?1",
    )?
    .execute(params![g.id, g.displayname, g.flags, g.topic])?;
    Ok(())
}

/// Members (IM address, flags) in the order they joined.
pub fn members(conn: &Connection, groupchat_id: i64) -> rusqlite::Result<Vec<(String, u32)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.im, m.flags FROM groupchat_member m JOIN user u ON u.id = m.user_id \
         WHERE m.groupchat_id = ?1 ORDER BY m.position",
    )?;
    let rows = stmt.query_map(params![groupchat_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

pub fn member_flags(
    conn: &Connection,
    groupchat_id: i64,
    user_id: i64,
) -> rusqlite::Result<Option<u32>> {
    conn.prepare_cached(
        "SELECT flags FROM groupchat_member WHERE groupchat_id = ?1 AND user_id = ?2",
    )?
    .query_row(params![groupchat_id, user_id], |r| r.get(0))
    .optional()
}

/// Adds the member or updates their flags.
pub fn put_member(
    conn: &Connection,
    groupchat_id: i64,
    user_id: i64,
    flags: u32,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO groupchat_member (groupchat_id, user_id, flags, position) VALUES (?1, ?2, ?3, \
         (SELECT coalesce(max(position), 0) + 1 FROM groupchat_member WHERE groupchat_id = ?1)) \
         ON CONFLICT (groupchat_id, user_id) DO UPDATE SET flags = excluded.flags",
    )?
    .execute(params![groupchat_id, user_id, flags])?;
    Ok(())
}

/// Returns whether the user was a member.
pub fn remove_member(conn: &Connection, groupchat_id: i64, user_id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM groupchat_member WHERE groupchat_id = ?1 AND user_id = ?2")?
        .execute(params![groupchat_id, user_id])?
        > 0)
}

pub fn groups(conn: &Connection, groupchat_id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT group_id FROM groupchat_group WHERE groupchat_id = ?1 ORDER BY group_id",
    )?;
    let rows = stmt.query_map(params![groupchat_id], |r| r.get(0))?;
    rows.collect()
}

pub fn add_group(conn: &Connection, groupchat_id: i64, group_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO groupchat_group (groupchat_id, group_id) VALUES (?1, ?2)",
    )?
    .execute(params![groupchat_id, group_id])?;
    Ok(())
}

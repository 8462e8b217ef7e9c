//! Conversations and their messages, filed by ISO week.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A conversation: a group chat's (`name` set) or between users `a` and `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRow {
    pub id: i64,
    pub conv: String,
    pub name: Option<String>,
    pub a: Option<String>,
    pub b: Option<String>,
    pub revision: i64,
}

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub timestamp: i64,
    pub from: String,
    pub text: String,
}

/// One ISO week of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekRow {
    pub year: i32,
    pub week: u8,
    pub messages: i64,
}

fn conv_row(r: &Row<'_>) -> rusqlite::Result<ConversationRow> {
    Ok(ConversationRow {
        id: r.get(0)?,
        conv: r.get(1)?,
        name: r.get(2)?,
        a: r.get(3)?,
        b: r.get(4)?,
        revision: r.get(5)?,
    })
}

const CONV: &str = "SELECT id, conv, name, a, b, revision FROM conversation";

pub fn by_conv(
    conn: &Connection,
    domain_id: i64,
    conv: &str,
) -> rusqlite::Result<Option<ConversationRow>> {
    conn.prepare_cached(&format!("{CONV} WHERE domain_id = ?1 AND conv = ?2"))?
        .query_row(params![domain_id, conv], conv_row)
        .optional()
}

/// The conversation of a group chat, if it has one yet.
pub fn of_groupchat(
    conn: &Connection,
    domain_id: i64,
    name: &str,
) -> rusqlite::Result<Option<ConversationRow>> {
    conn.prepare_cached(&format!("{CONV} WHERE domain_id = ?1 AND name = ?2"))?
        .query_row(params![domain_id, name], conv_row)
        .optional()
}

/// The conversations a user takes part in (not group chats), oldest first.
pub fn of_user(
    conn: &Connection,
    domain_id: i64,
    im: &str,
) -> rusqlite::Result<Vec<ConversationRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{CONV} WHERE domain_id = ?1 AND name IS NULL AND (a = ?2 OR b = ?2) ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![domain_id, im], conv_row)?;
    rows.collect()
}

pub fn insert_conversation(
    conn: &Connection,
    domain_id: i64,
    conv: &str,
    name: Option<&str>,
    pair: Option<(&str, &str)>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO conversation (domain_id, conv, name, a, b) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        domain_id,
        conv,
        name,
        pair.map(|p| p.0),
        pair.map(|p| p.1)
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn bump_revision(conn: &Connection, conversation_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE conversation SET revision = revision + 1 WHERE id = ?1")?
        .execute(params![conversation_id])?;
    Ok(())
}

pub fn weeks(conn: &Connection, conversation_id: i64) -> rusqlite::Result<Vec<WeekRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT year, week, count(*) FROM message WHERE conversation_id = ?1 \
         GROUP BY year, week ORDER BY year, week",
    )?;
    let rows = stmt.query_map(params![conversation_id], |r| {
        Ok(WeekRow {
            year: r.get(0)?,
            week: r.get(1)?,
            messages: r.get(2)?,
        })
    })?;
    rows.collect()
}

pub fn week(
    conn: &Connection,
    conversation_id: i64,
    year: i32,
    week: u8,
) -> rusqlite::Result<Vec<MessageRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ts, sender, body FROM message WHERE conversation_id = ?1 AND year = ?2 AND week = ?3 \
         ORDER BY ts, id",
    )?;
    let rows = stmt.query_map(params![conversation_id, year, week], |r| {
        Ok(MessageRow {
            timestamp: r.get(0)?,
            from: r.get(1)?,
            text: r.get(2)?,
        })
    })?;
    rows.collect()
}

pub fn insert(
    conn: &Connection,
    conversation_id: i64,
    year: i32,
    week: u8,
    m: &MessageRow,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO message (conversation_id, year, week, ts, sender, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        conversation_id,
        year,
        week,
        m.timestamp,
        m.from,
        m.text
    ])?;
    Ok(())
}

/// Deletes the week's messages equal to `m` (timestamp, sender, text); returns how many.
pub fn delete_matching(
    conn: &Connection,
    conversation_id: i64,
    year: i32,
    week: u8,
    m: &MessageRow,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM message WHERE conversation_id = ?1 AND year = ?2 AND week = ?3 AND ts = ?4 \
         AND sender = ?5 AND body = ?6",
    )?
    .execute(params![
        conversation_id,
        year,
        week,
        m.timestamp,
        m.from,
        m.text
    ])
}

pub fn delete_week(
    conn: &Connection,
    conversation_id: i64,
    year: i32,
    week: u8,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM message WHERE conversation_id = ?1 AND year = ?2 AND week = ?3",
    )?
    .execute(params![conversation_id, year, week])
}

pub fn delete_all(conn: &Connection, conversation_id: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM message WHERE conversation_id = ?1")?
        .execute(params![conversation_id])
}

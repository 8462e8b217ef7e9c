//! Policies: named sets of `trillian.` items (stored as the Base64 the API carries).

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A policy as stored; `data` is Base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub data: String,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<PolicyRow> {
    Ok(PolicyRow {
        id: r.get(0)?,
        name: r.get(1)?,
        data: r.get(2)?,
    })
}

pub fn list(conn: &Connection, domain_id: i64) -> rusqlite::Result<Vec<PolicyRow>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name, data FROM policy WHERE domain_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map(params![domain_id], from_row)?;
    rows.collect()
}

pub fn get(conn: &Connection, domain_id: i64, id: i64) -> rusqlite::Result<Option<PolicyRow>> {
    conn.prepare_cached("SELECT id, name, data FROM policy WHERE domain_id = ?1 AND id = ?2")?
        .query_row(params![domain_id, id], from_row)
        .optional()
}

pub fn insert(conn: &Connection, domain_id: i64, name: &str, data: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached("INSERT INTO policy (domain_id, name, data) VALUES (?1, ?2, ?3)")?
        .execute(params![domain_id, name, data])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, p: &PolicyRow) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE policy SET name = ?2, data = ?3 WHERE id = ?1")?
        .execute(params![p.id, p.name, p.data])?;
    Ok(())
}

/// Deletes the policy; users and groups bound to it fall back to 0 (inherit / none).
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE user SET policy = 0 WHERE policy = ?1")?
        .execute(params![id])?;
    conn.prepare_cached("UPDATE grp SET policy = 0 WHERE policy = ?1")?
        .execute(params![id])?;
    conn.prepare_cached("DELETE FROM policy WHERE id = ?1")?
        .execute(params![id])?;
    Ok(())
}

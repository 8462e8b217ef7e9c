//! Groups and their (directed) peers.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub id: i64,
    pub displayname: String,
    pub name: String,
    pub parent: i64,
    pub policy: i64,
    pub priority: i64,
    pub kind: i64,
}

const COLUMNS: &str = "id, displayname, name, parent, policy, priority, type";

fn from_row(r: &Row<'_>) -> rusqlite::Result<GroupRow> {
    Ok(GroupRow {
        id: r.get(0)?,
        displayname: r.get(1)?,
        name: r.get(2)?,
        parent: r.get(3)?,
        policy: r.get(4)?,
        priority: r.get(5)?,
        kind: r.get(6)?,
    })
}

pub fn list(conn: &Connection, domain_id: i64) -> rusqlite::Result<Vec<GroupRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM grp WHERE domain_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![domain_id], from_row)?;
    rows.collect()
}

pub fn get(conn: &Connection, domain_id: i64, id: i64) -> rusqlite::Result<Option<GroupRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM grp WHERE domain_id = ?1 AND id = ?2"
    ))?
    .query_row(params![domain_id, id], from_row)
    .optional()
}

pub fn name_taken(
    conn: &Connection,
    domain_id: i64,
    name: &str,
    except: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM grp WHERE domain_id = ?1 AND name = ?2 AND id <> ?3")?
        .query_row(params![domain_id, name, except], |_| Ok(()))
        .optional()
        .map(|o| o.is_some())
}

/// The root group (the domain's own), created with the domain.
pub fn root(conn: &Connection, domain_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT id FROM grp WHERE domain_id = ?1 AND parent = 0 ORDER BY id LIMIT 1",
    )?
    .query_row(params![domain_id], |r| r.get(0))
    .optional()
}

pub fn insert(conn: &Connection, domain_id: i64, g: &GroupRow) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO grp (domain_id, displayname, name, parent, policy, priority, type) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        domain_id,
        g.displayname,
        g.name,
        g.parent,
        g.policy,
        g.priority,
        g.kind
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, g: &GroupRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE grp SET displayname = ?2, name = ?3, parent = ?4, policy = ?5, priority = ?6, \
         type = ?7 WHERE id = ?1",
    )?
    .execute(params![
        g.id,
        g.displayname,
        g.name,
        g.parent,
        g.policy,
        g.priority,
        g.kind
    ])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM grp WHERE id = ?1")?
        .execute(params![id])?;
    Ok(())
}

/// Users in the group plus groups under it.
pub fn dependants(conn: &Connection, id: i64) -> rusqlite::Result<(i64, i64)> {
    let users = conn
        .prepare_cached("SELECT count(*) FROM user WHERE group_id = ?1")?
        .query_row(params![id], |r| r.get(0))?;
    let children = conn
        .prepare_cached("SELECT count(*) FROM grp WHERE parent = ?1")?
        .query_row(params![id], |r| r.get(0))?;
    Ok((users, children))
}

pub fn peers(conn: &Connection, id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT peer_id FROM group_peer WHERE group_id = ?1 ORDER BY peer_id")?;
    let rows = stmt.query_map(params![id], |r| r.get(0))?;
    rows.collect()
}

/// Every (group, peer) pair of the domain.
pub fn all_peers(conn: &Connection, domain_id: i64) -> rusqlite::Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.group_id, p.peer_id FROM group_peer p JOIN grp g ON g.id = p.group_id \
         WHERE g.domain_id = ?1 ORDER BY p.group_id, p.peer_id",
    )?;
    let rows = stmt.query_map(params![domain_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

pub fn add_peer(conn: &Connection, id: i64, peer: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO group_peer (group_id, peer_id) VALUES (?1, ?2)")?
        .execute(params![id, peer])?;
    Ok(())
}

/// Returns whether the peering existed.
pub fn remove_peer(conn: &Connection, id: i64, peer: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM group_peer WHERE group_id = ?1 AND peer_id = ?2")?
        .execute(params![id, peer])?
        > 0)
}

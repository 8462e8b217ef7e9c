//! Presence of users and the devices they are signed in from.

use rusqlite::{Connection, params};

/// A user's presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceRow {
    pub user_id: i64,
    pub im: String,
    pub status: u32,
    pub message: String,
    pub timestamp: i64,
}

/// A device a user is signed in from; `ip` as the API carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub user_id: i64,
    pub ip: u32,
    pub name: String,
    pub platform: String,
    pub version: String,
    pub build: String,
}

pub fn list(conn: &Connection, domain_id: i64) -> rusqlite::Result<Vec<PresenceRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.user_id, u.im, p.status, p.message, p.timestamp FROM presence p \
         JOIN user u ON u.id = p.user_id WHERE u.domain_id = ?1 ORDER BY u.id",
    )?;
    let rows = stmt.query_map(params![domain_id], |r| {
        Ok(PresenceRow {
            user_id: r.get(0)?,
            im: r.get(1)?,
            status: r.get(2)?,
            message: r.get(3)?,
            timestamp: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Every device of the domain's users, by user then id.
pub fn devices(conn: &Connection, domain_id: i64) -> rusqlite::Result<Vec<DeviceRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.user_id, d.ip, d.name, d.platform, d.version, d.build FROM device d \
         JOIN user u ON u.id = d.user_id WHERE u.domain_id = ?1 ORDER BY d.user_id, d.id",
    )?;
    let rows = stmt.query_map(params![domain_id], |r| {
        Ok(DeviceRow {
            user_id: r.get(0)?,
            ip: r.get(1)?,
            name: r.get(2)?,
            platform: r.get(3)?,
            version: r.get(4)?,
            build: r.get(5)?,
        })
    })?;
    rows.collect()
}

pub fn get(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<(u32, String)>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached("SELECT status, message FROM presence WHERE user_id = ?1")?
        .query_row(params![user_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

pub fn put(
    conn: &Connection,
    user_id: i64,
    status: u32,
    message: &str,
    timestamp: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO presence (user_id, status, message, timestamp) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, message = excluded.message, \
         timestamp = excluded.timestamp",
    )?
    .execute(params![user_id, status, message, timestamp])?;
    Ok(())
}

pub fn add_device(conn: &Connection, d: &DeviceRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO device (user_id, ip, name, platform, version, build) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![d.user_id, d.ip, d.name, d.platform, d.version, d.build])?;
    Ok(())
}

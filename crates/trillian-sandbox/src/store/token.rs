//! API tokens: one principal (administrator or one user) of one domain per token.

use rusqlite::{Connection, OptionalExtension, params};

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub domain_id: i64,
    pub domain: String,
    /// None: the domain's administrator.
    pub owner: Option<String>,
}

pub fn insert(
    conn: &Connection,
    domain_id: i64,
    owner: Option<&str>,
    token: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO token (token, domain_id, owner, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![token, domain_id, owner, now])?;
    Ok(())
}

pub fn lookup(conn: &Connection, token: &str) -> rusqlite::Result<Option<TokenRow>> {
    conn.prepare_cached(
        "SELECT t.domain_id, d.name, t.owner FROM token t JOIN domain d ON d.id = t.domain_id \
         WHERE t.token = ?1",
    )?
    .query_row(params![token], |r| {
        Ok(TokenRow {
            domain_id: r.get(0)?,
            domain: r.get(1)?,
            owner: r.get(2)?,
        })
    })
    .optional()
}

/// The oldest token of a principal (owner None: the administrator).
pub fn first(
    conn: &Connection,
    domain_id: i64,
    owner: Option<&str>,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT token FROM token WHERE domain_id = ?1 AND owner IS ?2 ORDER BY created_at, rowid LIMIT 1",
    )?
    .query_row(params![domain_id, owner], |r| r.get(0))
    .optional()
}

pub fn delete_for_owner(conn: &Connection, domain_id: i64, owner: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM token WHERE domain_id = ?1 AND owner = ?2")?
        .execute(params![domain_id, owner])
}

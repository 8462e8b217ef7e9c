//! Demo data (placeholder).
use rusqlite::Connection;
use crate::error::Result;
pub fn init_domain(_c: &Connection, _id: i64, _domain: &str) -> Result<()> { Ok(()) }
pub fn generate(_c: &Connection, _id: i64, _domain: &str, _seed: u64, _now: i64) -> Result<()> { Ok(()) }

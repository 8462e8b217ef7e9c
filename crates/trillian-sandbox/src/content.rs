//! Media bytes as content-addressed files in a directory beside the database (`<db>.media/`), or
//! in a temporary directory owned by an in-memory sandbox (removed when the sandbox is dropped).
//!
//! A file is named by the hex SHA-256 of its bytes; the media item's `m` is the same digest in
//! Base64. New content is written to a temporary file in the same directory (`.upload-*`), synced,
//! and renamed into place by the writer (under the database's writer lock) just before the row
//! that refers to it is committed. So an interrupted upload leaves no row, at most a temporary
//! or an unreferenced file, and both are removed at the next start ([`Content::sweep`]).

use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Prefix of temporary files; anything so named is stale at start.
const TEMP_PREFIX: &str = ".upload-";

/// Distinguishes the temporary files of one process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// The directory of media files.
#[derive(Debug)]
pub struct Content {
    dir: PathBuf,
    /// Sync files and the directory (a database file); an in-memory sandbox skips it.
    durable: bool,
    /// The temporary directory of an in-memory sandbox, removed on drop.
    _owned: Option<tempfile::TempDir>,
}

/// Hex file name of a Base64 SHA-256 digest; None when `m` is not one.
pub fn file_name(m: &str) -> Option<String> {
    let mut raw = [0u8; 32];
    match STANDARD.decode_slice(m, &mut raw) {
        Ok(32) => Some(raw.iter().map(|b| format!("{b:02x}")).collect()),
        _ => None,
    }
}

/// Base64 SHA-256 digest of a hex file name; None for any other name.
fn digest_of_name(name: &str) -> Option<String> {
    if name.len() != 64 {
        return None;
    }
    let mut raw = [0u8; 32];
    for (i, pair) in name.as_bytes().chunks_exact(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        raw[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(STANDARD.encode(raw))
}

/// Base64 of a finished SHA-256.
pub fn encode_digest(hasher: Sha256) -> String {
    STANDARD.encode(hasher.finalize())
}

impl Content {
    /// The directory beside the database file `db` (`<db>.media`), created if missing.
    pub fn beside(db: &Path) -> io::Result<Content> {
        let mut name = db.as_os_str().to_owned();
        name.push(".media");
        let dir = PathBuf::from(name);
        std::fs::create_dir_all(&dir)?;
        Ok(Content {
            dir,
            durable: true,
            _owned: None,
        })
    }

    /// A private temporary directory, removed when this is dropped.
    pub fn temporary() -> io::Result<Content> {
        let owned = tempfile::Builder::new()
            .prefix("trillian-sandbox-media-")
            .tempdir()?;
        Ok(Content {
            dir: owned.path().to_owned(),
            durable: false,
            _owned: Some(owned),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the content of digest `m` lives (whether or not it exists).
    pub fn path(&self, m: &str) -> Option<PathBuf> {
        file_name(m).map(|n| self.dir.join(n))
    }

    /// Opens the content of `m` for reading, with its length; None when there is no such file.
    pub fn open(&self, m: &str) -> io::Result<Option<(File, u64)>> {
        let Some(path) = self.path(m) else {
            return Ok(None);
        };
        match File::open(path) {
            Ok(f) => {
                let len = f.metadata()?.len();
                Ok(Some((f, len)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The length of the content of `m`, if present.
    pub fn len(&self, m: &str) -> io::Result<Option<u64>> {
        let Some(path) = self.path(m) else {
            return Ok(None);
        };
        match std::fs::metadata(path) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A new temporary file in the directory, removed on drop unless placed.
    pub fn create_temp(&self) -> io::Result<Pending> {
        let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = self
            .dir
            .join(format!("{TEMP_PREFIX}{}-{n}-{nanos}", std::process::id()));
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok(Pending {
            path,
            file: Some(file),
            durable: self.durable,
        })
    }

    /// Stores `data` under its digest unless already there (small content: demo data, migration).
    /// Call with the writer lock held. Returns the digest.
    pub fn put_bytes(&self, data: &[u8]) -> io::Result<String> {
        let m = STANDARD.encode(Sha256::digest(data));
        if self.len(&m)?.is_none() {
            let mut p = self.create_temp()?;
            p.write(data)?;
            p.finish()?;
            self.place(p, &m)?;
        }
        Ok(m)
    }

    /// Renames a finished temporary file into place as the content of `m`. Call with the writer
    /// lock held, before committing the row that refers to it. Returns whether the content is new
    /// (false: the same bytes were there already, and the temporary file is removed).
    pub fn place(&self, mut pending: Pending, m: &str) -> io::Result<bool> {
        let target = self
            .path(m)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256 digest"))?;
        if target.exists() {
            return Ok(false); // `pending` removes its file on drop
        }
        pending.file = None;
        std::fs::rename(&pending.path, &target)?;
        pending.path = PathBuf::new();
        if self.durable {
            File::open(&self.dir)?.sync_all()?;
        }
        Ok(true)
    }

    /// Removes the content of `m` (nothing refers to it any more). Call with the writer lock held.
    pub fn remove(&self, m: &str) -> io::Result<()> {
        let Some(path) = self.path(m) else {
            return Ok(());
        };
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// At start: removes temporary files (an upload interrupted by a crash) and files no row
    /// refers to (a crash between the rename and the commit). Returns how many were removed.
    pub fn sweep(&self, referenced: impl Fn(&str) -> io::Result<bool>) -> io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let stale = if name.starts_with(TEMP_PREFIX) {
                true
            } else {
                match digest_of_name(&name) {
                    Some(m) => !referenced(&m)?,
                    None => false, // not ours: leave it
                }
            };
            if stale {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// `name size` of every content file, sorted (for the content digest of tests).
    pub fn listing(&self) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let len = entry.metadata()?.len();
            out.push(format!("{} {len}", entry.file_name().to_string_lossy()));
        }
        out.sort();
        Ok(out)
    }
}

/// A temporary file being written; removed on drop unless [`Content::place`]d.
#[derive(Debug)]
pub struct Pending {
    path: PathBuf,
    file: Option<File>,
    durable: bool,
}

impl Pending {
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Err(io::Error::other("temporary file already finished")),
        }
    }

    /// Syncs the bytes to disk (a durable store) and closes the file.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(f) = self.file.take()
            && self.durable
        {
            f.sync_all()?;
        }
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.file = None;
        if !self.path.as_os_str().is_empty()
            && let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.path.display(), error = %e, "temporary upload not removed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_digests_round_trip() {
        let m = STANDARD.encode(Sha256::digest(b"x"));
        let name = file_name(&m).expect("a digest");
        assert_eq!(name.len(), 64, "hex of 32 bytes");
        assert_eq!(digest_of_name(&name).as_deref(), Some(m.as_str()));
        assert_eq!(file_name("../etc/passwd"), None, "not a digest");
        assert_eq!(file_name("aGk="), None, "too short");
        assert_eq!(digest_of_name(".upload-1-2-3"), None);
    }

    #[test]
    fn pending_files_are_removed_unless_placed_and_content_is_deduplicated() {
        let c = Content::temporary().expect("temp");
        let mut p = c.create_temp().expect("create");
        p.write(b"abc").expect("write");
        drop(p);
        assert!(c.listing().expect("ls").is_empty(), "dropped temp removed");
        let m = c.put_bytes(b"abc").expect("put");
        assert_eq!(c.put_bytes(b"abc").expect("again"), m, "same digest");
        assert_eq!(c.listing().expect("ls").len(), 1, "one file per digest");
        assert_eq!(c.len(&m).expect("len"), Some(3));
        let stale = c.create_temp().expect("temp");
        std::mem::forget(stale); // as after a crash
        assert_eq!(
            c.sweep(|_| Ok(true)).expect("sweep"),
            1,
            "stale temp removed"
        );
        assert_eq!(c.sweep(|_| Ok(false)).expect("sweep"), 1, "orphan removed");
        assert!(c.listing().expect("ls").is_empty());
    }
}

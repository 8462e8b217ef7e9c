//! Trusted CA certificates picked by the user: read and checked in Rust, held behind a handle.

use std::path::{Path, PathBuf};

use crate::error::{IpcError, IpcResult};

/// Largest certificate file accepted (a bundle of a few certificates is far smaller).
pub const MAX_PEM_BYTES: u64 = 256 * 1024;

/// A PEM file read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemFile {
    pub path: PathBuf,
    pub file_name: String,
    pub pem: String,
}

/// Reads `path`, refusing anything too large, not UTF-8, or without a PEM certificate block.
pub fn read_pem_file(path: &Path) -> IpcResult<PemFile> {
    let meta = std::fs::metadata(path)
        .map_err(|_| IpcError::invalid("The certificate file cannot be read."))?;
    if !meta.is_file() {
        return Err(IpcError::invalid("Pick a certificate file, not a folder."));
    }
    if meta.len() > MAX_PEM_BYTES {
        return Err(IpcError::invalid(
            "That file is too large to be a CA certificate.",
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|_| IpcError::invalid("The certificate file cannot be read."))?;
    let pem = String::from_utf8(bytes)
        .map_err(|_| IpcError::invalid("The certificate must be a PEM (text) file."))?;
    check_pem(&pem)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "certificate.pem".into());
    Ok(PemFile {
        path: path.to_path_buf(),
        file_name,
        pem,
    })
}

/// At least one complete `CERTIFICATE` block, and no private key.
pub fn check_pem(pem: &str) -> IpcResult<()> {
    if pem.contains("PRIVATE KEY-----") {
        return Err(IpcError::invalid(
            "That file contains a private key. Pick the CA's certificate only.",
        ));
    }
    let begin = pem.find("-----BEGIN CERTIFICATE-----");
    let end = pem.find("-----END CERTIFICATE-----");
    match (begin, end) {
        (Some(b), Some(e)) if b < e => Ok(()),
        _ => Err(IpcError::invalid(
            "No PEM certificate (BEGIN CERTIFICATE) found in that file.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_pem_certificate_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, CERT).unwrap();
        let file = read_pem_file(&path).unwrap();
        assert_eq!(file.file_name, "ca.pem");
        assert_eq!(file.pem, CERT);
    }

    #[test]
    fn other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8]); 4] = [
            ("der.cer", &[0x30, 0x82, 0xff, 0xfe]),
            ("empty.pem", b""),
            (
                "key.pem",
                b"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
            ),
            ("half.pem", b"-----BEGIN CERTIFICATE-----\nMIIB\n"),
        ];
        for (name, body) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, body).unwrap();
            assert!(read_pem_file(&path).is_err(), "{name} must be refused");
        }
        let big = dir.path().join("big.pem");
        std::fs::write(&big, CERT.repeat(30_000)).unwrap();
        assert!(
            read_pem_file(&big).is_err(),
            "an oversized file must be refused"
        );
        assert!(
            read_pem_file(dir.path()).is_err(),
            "a folder must be refused"
        );
        assert!(read_pem_file(&dir.path().join("missing.pem")).is_err());
    }
}

//! Integration tests of trillian-api: reference fixtures, hostile documents, request building of
//! every operation against a loopback capture server, transport behaviour, token redaction and
//! streamed uploads.

mod alloc;
mod capture;
mod fixtures;
mod fuzz_corpus;
mod hostile;
mod raw;
mod redaction;
mod requests;
mod tls;
mod transport;
mod upload;

use std::sync::{Arc, Mutex, OnceLock};

/// The token of every test client: a sentinel that must never appear in any output.
pub const TOKEN: &str = "SENTINEL-t0k3n/+=#s3cr3t-tail-0123456789";

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// Everything logged by any test, at TRACE level (tracing and `log` records).
pub fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(buf.clone());
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
    .clone()
}

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(data);
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

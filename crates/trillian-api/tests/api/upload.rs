//! Streamed uploads: exact length up front, progress, and memory that stays flat in the size.

use std::io::SeekFrom;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncSeek, ReadBuf};
use trillian_api::*;

use crate::capture::{CaptureServer, Reply};

/// A deterministic pseudo-random source of `len` bytes that holds nothing in memory.
struct Generated {
    pos: u64,
    len: u64,
}

fn byte_at(i: u64) -> u8 {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8
}

impl AsyncRead for Generated {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let left = self.len - self.pos;
        let n = (buf.remaining() as u64).min(left) as usize;
        let start = self.pos;
        let dst = buf.initialize_unfilled_to(n);
        for (k, b) in dst.iter_mut().enumerate() {
            *b = byte_at(start + k as u64);
        }
        buf.advance(n);
        self.pos += n as u64;
        Poll::Ready(Ok(()))
    }
}

impl AsyncSeek for Generated {
    fn start_seek(mut self: Pin<&mut Self>, pos: SeekFrom) -> std::io::Result<()> {
        self.pos = match pos {
            SeekFrom::Start(p) => p.min(self.len),
            SeekFrom::End(d) => self.len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(())
    }
    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<u64>> {
        Poll::Ready(Ok(self.pos))
    }
}

/// Upload size of the memory test (a 1 GiB upload scaled down; memory must not grow with it).
const BIG: u64 = 200 * 1024 * 1024;

#[tokio::test]
async fn a_200_mib_upload_streams_with_flat_memory() {
    // current-thread runtime: the client, hyper and the capture server all run on this thread,
    // whose allocations the counting allocator tracks
    let s = CaptureServer::start().await;
    let c = s.client();
    s.push(Reply {
        discard_body: true,
        ..Reply::empty(201)
    });
    let done = Arc::new(AtomicU64::new(0));
    let calls = Arc::new(AtomicU64::new(0));
    let (d, n) = (done.clone(), calls.clone());
    let progress: ProgressFn = Arc::new(move |bytes, total| {
        assert_eq!(total, Some(BIG), "total known up front");
        d.store(bytes, Ordering::Relaxed);
        n.fetch_add(1, Ordering::Relaxed);
    });
    let baseline = crate::alloc::reset_peak();
    let upload = MediaUpload::new(
        "big.bin",
        "application/octet-stream",
        Generated { pos: 0, len: BIG },
    );
    let r = c
        .users()
        .media("a@d")
        .upload(upload, Some(progress))
        .await
        .expect("upload");
    let peak = crate::alloc::peak() - baseline;
    assert_eq!(r, None);
    assert_eq!(
        done.load(Ordering::Relaxed),
        BIG,
        "progress reached the whole size"
    );
    assert!(
        calls.load(Ordering::Relaxed) > 100,
        "progress reported along the way"
    );
    let req = s.last();
    let declared: u64 = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .expect("length");
    assert_eq!(
        req.body_len, declared,
        "Content-Length computed up front is exact"
    );
    assert!(declared > BIG * 4 / 3, "Base64 and escapes: {declared}");
    assert!(req.body_head.starts_with(b"data="), "data first");
    assert!(
        req.body_tail
            .ends_with(b"&name=big.bin&type=application%2Foctet-stream"),
        "fields after the data"
    );
    eprintln!("upload of {BIG} bytes: peak extra memory {peak} bytes");
    assert!(
        peak < 8 * 1024 * 1024,
        "memory stays flat: peak {peak} bytes for a {BIG}-byte upload"
    );
}

/// A source that is shorter on the second read than on the first.
struct Shrinking {
    inner: Generated,
    reads: u32,
}

impl AsyncRead for Shrinking {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncSeek for Shrinking {
    fn start_seek(mut self: Pin<&mut Self>, pos: SeekFrom) -> std::io::Result<()> {
        self.reads += 1;
        if self.reads > 1 {
            self.inner.len /= 2;
        }
        Pin::new(&mut self.inner).start_seek(pos)
    }
    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<u64>> {
        Pin::new(&mut self.inner).poll_complete(cx)
    }
}

#[tokio::test]
async fn a_source_that_changes_between_reads_fails_cleanly() {
    let s = CaptureServer::start().await;
    let c = s.client();
    s.push(Reply {
        discard_body: true,
        ..Reply::empty(201)
    });
    let src = Shrinking {
        inner: Generated {
            pos: 0,
            len: 3 << 20,
        },
        reads: 0,
    };
    let r = c
        .users()
        .media("a@d")
        .upload(MediaUpload::new("x", "a/b", src), None)
        .await;
    assert!(
        r.is_err(),
        "a short body is an error, not a silent truncation: {r:?}"
    );
}

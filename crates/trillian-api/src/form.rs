//! Form bodies (`application/x-www-form-urlencoded`) and percent-encoding, including the
//! streaming encoder of media uploads: `data=<percent-encoded Base64>&name=…`, produced chunk by
//! chunk with its exact length known before the first byte is sent.

use std::io::SeekFrom;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::model::MediaSource;

/// Everything but the unreserved characters `A-Z a-z 0-9 - . _ ~` is escaped: `#` is `%23`,
/// `/` is `%2F`, `+` is `%2B`, `=` is `%3D`, space is `%20`.
pub const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment, query value or form value.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, STRICT).to_string()
}

/// A form body being built.
#[derive(Default)]
pub(crate) struct Form(String);

impl Form {
    pub(crate) fn new() -> Self {
        Form(String::new())
    }

    pub(crate) fn text(mut self, key: &str, value: &str) -> Self {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(key);
        self.0.push('=');
        self.0.extend(utf8_percent_encode(value, STRICT));
        self
    }

    pub(crate) fn opt_text(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.text(key, v),
            None => self,
        }
    }

    pub(crate) fn opt_num(self, key: &str, value: Option<impl std::fmt::Display>) -> Self {
        match value {
            Some(v) => self.text(key, &v.to_string()),
            None => self,
        }
    }

    pub(crate) fn finish(self) -> String {
        self.0
    }
}

/// Size of the raw chunks read from an upload source (a multiple of 3: no Base64 carry).
pub const UPLOAD_CHUNK: usize = 3 * 64 * 1024;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// For each sextet: its percent-encoded form, padded to 4 bytes, and its length (1 or 3).
const ENCODED: [([u8; 4], usize); 64] = {
    let mut t = [([0u8; 4], 1usize); 64];
    let mut i = 0;
    while i < 64 {
        t[i] = ([B64[i], 0, 0, 0], 1);
        i += 1;
    }
    t[62] = (*b"%2B\0", 3);
    t[63] = (*b"%2F\0", 3);
    t
};

/// For each pair of sextets (12 bits): its two characters percent-encoded, padded to 8 bytes.
static PAIRS: [[u8; 8]; 4096] = {
    let mut t = [[0u8; 8]; 4096];
    let mut i = 0;
    while i < 4096 {
        let (a, na) = ENCODED[i >> 6];
        let (b, nb) = ENCODED[i & 63];
        let mut k = 0;
        while k < na {
            t[i][k] = a[k];
            k += 1;
        }
        let mut j = 0;
        while j < nb {
            t[i][na + j] = b[j];
            j += 1;
        }
        i += 1;
    }
    t
};

/// Length of each [`PAIRS`] entry (2, 4 or 6).
static PAIR_LENS: [u8; 4096] = {
    let mut t = [0u8; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = (ENCODED[i >> 6].1 + ENCODED[i & 63].1) as u8;
        i += 1;
    }
    t
};

/// Counts the Base64 characters of some bytes that percent-encoding expands (`+` and `/`),
/// chunk by chunk, so that the encoded length is known before encoding.
#[derive(Debug, Default, Clone)]
pub struct SpecialCounter {
    carry: [u8; 3],
    carry_len: usize,
    len: u64,
    specials: u64,
}

impl SpecialCounter {
    pub fn new() -> Self {
        SpecialCounter::default()
    }

    /// Feeds the next bytes.
    pub fn update(&mut self, mut input: &[u8]) {
        self.len += input.len() as u64;
        if self.carry_len > 0 {
            while self.carry_len < 3 && !input.is_empty() {
                self.carry[self.carry_len] = input[0];
                self.carry_len += 1;
                input = &input[1..];
            }
            if self.carry_len < 3 {
                return;
            }
            self.specials += count_group(self.carry);
            self.carry_len = 0;
        }
        let mut groups = input.chunks_exact(3);
        let mut n = 0u64;
        for g in &mut groups {
            n += count_group([g[0], g[1], g[2]]);
        }
        self.specials += n;
        let rest = groups.remainder();
        self.carry[..rest.len()].copy_from_slice(rest);
        self.carry_len = rest.len();
    }

    /// Total input length and count of `+`/`/` in its Base64 (padding not included).
    pub fn finish(&self) -> (u64, u64) {
        let mut specials = self.specials;
        if self.carry_len > 0 {
            let mut g = [0u8; 3];
            g[..self.carry_len].copy_from_slice(&self.carry[..self.carry_len]);
            let s = sextets(g);
            // a partial group of n bytes yields n + 1 sextets
            specials += s[..=self.carry_len].iter().filter(|&&x| x >= 62).count() as u64;
        }
        (self.len, specials)
    }
}

#[inline(always)]
fn sextets(g: [u8; 3]) -> [u8; 4] {
    let n = (u32::from(g[0]) << 16) | (u32::from(g[1]) << 8) | u32::from(g[2]);
    [
        (n >> 18) as u8 & 63,
        (n >> 12) as u8 & 63,
        (n >> 6) as u8 & 63,
        n as u8 & 63,
    ]
}

#[inline(always)]
fn count_group(g: [u8; 3]) -> u64 {
    let n = (usize::from(g[0]) << 16) | (usize::from(g[1]) << 8) | usize::from(g[2]);
    // each special sextet adds 2 to a pair's length of 2
    u64::from(PAIR_LENS[n >> 12] + PAIR_LENS[n & 0xfff] - 4) / 2
}

/// Length of the percent-encoded Base64 of `len` bytes whose Base64 holds `specials` `+`/`/`.
pub fn encoded_len(len: u64, specials: u64) -> u64 {
    let base = len.div_ceil(3) * 4;
    let padding = match len % 3 {
        1 => 2,
        2 => 1,
        _ => 0,
    };
    base + 2 * (specials + padding)
}

/// Base64 and percent-encoding fused, chunk by chunk. Output is written to a reused buffer.
#[derive(Debug, Default)]
pub struct Base64FormEncoder {
    carry: [u8; 3],
    carry_len: usize,
    buf: Vec<u8>,
}

impl Base64FormEncoder {
    pub fn new() -> Self {
        Base64FormEncoder::default()
    }

    /// Encodes the next bytes; returns the encoded output (valid until the next call).
    pub fn encode(&mut self, mut input: &[u8]) -> &[u8] {
        let mut pos = 0usize;
        let need = (input.len() / 3 + 2) * 12 + 4;
        if self.buf.len() < need {
            self.buf.resize(need, 0);
        }
        if self.carry_len > 0 {
            while self.carry_len < 3 && !input.is_empty() {
                self.carry[self.carry_len] = input[0];
                self.carry_len += 1;
                input = &input[1..];
            }
            if self.carry_len < 3 {
                return &self.buf[..0];
            }
            pos = put_group(&mut self.buf, pos, self.carry);
            self.carry_len = 0;
        }
        let mut groups = input.chunks_exact(3);
        for g in &mut groups {
            pos = put_group(&mut self.buf, pos, [g[0], g[1], g[2]]);
        }
        let rest = groups.remainder();
        self.carry[..rest.len()].copy_from_slice(rest);
        self.carry_len = rest.len();
        &self.buf[..pos]
    }

    /// Encodes the last partial group with its padding (`%3D`).
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.carry_len == 0 {
            return out;
        }
        let mut g = [0u8; 3];
        g[..self.carry_len].copy_from_slice(&self.carry[..self.carry_len]);
        let s = sextets(g);
        for &x in &s[..=self.carry_len] {
            let (bytes, n) = &ENCODED[usize::from(x)];
            out.extend_from_slice(&bytes[..*n]);
        }
        for _ in self.carry_len..3 {
            out.extend_from_slice(b"%3D");
        }
        self.carry_len = 0;
        out
    }
}

#[inline(always)]
fn put_group(buf: &mut [u8], pos: usize, g: [u8; 3]) -> usize {
    let n = (usize::from(g[0]) << 16) | (usize::from(g[1]) << 8) | usize::from(g[2]);
    let (hi, lo) = (n >> 12, n & 0xfff);
    // The caller sizes `buf` with at least 16 spare bytes past `pos`.
    let Some(dst) = buf.get_mut(pos..pos + 16) else {
        debug_assert!(false, "encoder buffer too small");
        return pos;
    };
    let a = usize::from(PAIR_LENS[hi]);
    dst[..8].copy_from_slice(&PAIRS[hi]);
    dst[a..a + 8].copy_from_slice(&PAIRS[lo]);
    pos + a + usize::from(PAIR_LENS[lo])
}

/// Callback of uploads and downloads: `(bytes done, total bytes if known)`.
pub type ProgressFn = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// A streaming upload body: the stream and its exact length.
pub(crate) struct UploadBody {
    pub(crate) body: reqwest::Body,
    pub(crate) len: u64,
    /// Milliseconds since `started` of the last chunk produced (for the idle watchdog).
    pub(crate) activity: Arc<AtomicU64>,
    /// Set once the whole body has been produced.
    pub(crate) finished: Arc<AtomicBool>,
    pub(crate) started: Instant,
}

struct UploadState {
    source: Box<dyn MediaSource>,
    encoder: Base64FormEncoder,
    raw: Vec<u8>,
    done: u64,
    total: u64,
    suffix: Option<Vec<u8>>,
    prefix: bool,
    progress: Option<ProgressFn>,
    activity: Arc<AtomicU64>,
    finished: Arc<AtomicBool>,
    started: Instant,
}

/// Reads the source once to size the body, then builds the stream that encodes it while sent.
/// `fields` are the other form fields, sent after `data`.
pub(crate) async fn upload_body(
    mut source: Box<dyn MediaSource>,
    fields: Form,
    progress: Option<ProgressFn>,
) -> std::io::Result<UploadBody> {
    let origin = source.stream_position().await?;
    let mut counter = SpecialCounter::new();
    let mut raw = vec![0u8; UPLOAD_CHUNK];
    loop {
        let n = source.read(&mut raw).await?;
        if n == 0 {
            break;
        }
        counter.update(&raw[..n]);
    }
    source.seek(SeekFrom::Start(origin)).await?;
    let (total, specials) = counter.finish();
    let mut suffix = fields.finish().into_bytes();
    if !suffix.is_empty() {
        suffix.insert(0, b'&');
    }
    let len = 5 + encoded_len(total, specials) + suffix.len() as u64;
    let activity = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let state = UploadState {
        source,
        encoder: Base64FormEncoder::new(),
        raw,
        done: 0,
        total,
        suffix: Some(suffix),
        prefix: true,
        progress,
        activity: activity.clone(),
        finished: finished.clone(),
        started,
    };
    let stream = futures_util::stream::try_unfold(state, |mut st| async move {
        let chunk = next_chunk(&mut st).await?;
        let ms = u64::try_from(st.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        st.activity.store(ms, Ordering::Relaxed);
        if chunk.is_none() {
            st.finished.store(true, Ordering::Relaxed);
        }
        Ok::<_, std::io::Error>(chunk.map(|c| (c, st)))
    });
    Ok(UploadBody {
        body: reqwest::Body::wrap_stream(stream),
        len,
        activity,
        finished,
        started,
    })
}

async fn next_chunk(st: &mut UploadState) -> std::io::Result<Option<Bytes>> {
    if st.prefix {
        st.prefix = false;
        return Ok(Some(Bytes::from_static(b"data=")));
    }
    if st.done < st.total {
        // fill a whole chunk (a multiple of 3) unless the source ends
        let mut filled = 0;
        while filled < st.raw.len() {
            let n = st.source.read(&mut st.raw[filled..]).await?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the upload source got shorter while it was being sent",
            ));
        }
        let filled = filled.min(usize::try_from(st.total - st.done).unwrap_or(usize::MAX));
        st.done += filled as u64;
        if let Some(p) = &st.progress {
            p(st.done, Some(st.total));
        }
        let out = Bytes::copy_from_slice(st.encoder.encode(&st.raw[..filled]));
        return Ok(Some(out));
    }
    match st.suffix.take() {
        Some(suffix) => {
            let mut tail = st.encoder.finish();
            tail.extend_from_slice(&suffix);
            Ok(Some(Bytes::from(tail)))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn reference(data: &[u8]) -> String {
        encode(&base64::engine::general_purpose::STANDARD.encode(data))
    }

    #[test]
    fn fused_encoder_matches_base64_then_percent_encoding() {
        let mut rng = fastrand::Rng::with_seed(7);
        for len in [0usize, 1, 2, 3, 4, 5, 6, 7, 100, 1000, 4099] {
            let data: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
            for split in [1usize, 2, 5, 64, 4096] {
                let mut enc = Base64FormEncoder::new();
                let mut counter = SpecialCounter::new();
                let mut out = Vec::new();
                for part in data.chunks(split) {
                    out.extend_from_slice(enc.encode(part));
                    counter.update(part);
                }
                out.extend_from_slice(&enc.finish());
                let expected = reference(&data);
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    expected,
                    "len {len} split {split}"
                );
                let (n, specials) = counter.finish();
                assert_eq!(n, len as u64);
                assert_eq!(encoded_len(n, specials), expected.len() as u64, "len {len}");
            }
        }
    }

    #[test]
    fn strict_set_escapes_the_characters_that_matter() {
        assert_eq!(encode("#a/b+c=d e~f.g-h_i"), "%23a%2Fb%2Bc%3Dd%20e~f.g-h_i");
        assert_eq!(encode("é"), "%C3%A9");
    }
}

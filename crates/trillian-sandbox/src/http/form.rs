//! The streaming decoder of media-upload bodies (`application/x-www-form-urlencoded`:
//! `data=<percent-encoded Base64>&name=…&thumbnail=…&type=…&imagewidth=…&imageheight=…`).
//!
//! The body is read chunk by chunk (never whole): fields are split on `&` and `=`, `+` becomes a
//! space and `%XX` is decoded as the bytes arrive (an escape or a Base64 quartet may straddle two
//! chunks), and `data` is Base64-decoded on the fly while it is hashed (SHA-256) and written to a
//! temporary file in the media directory. The other fields are kept in memory with a cap.
//!
//! The result says everything [`super::parse_pairs`] would have found, so that the handler keeps
//! the same answers in the same order as when the body was read whole: the body not UTF-8, a field
//! not UTF-8 once percent-decoded, a missing field, bad Base64, a thumbnail too large.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt as _;
use sha2::{Digest, Sha256};

use super::Params;
use super::error::{ApiError, ApiResult};
use super::media::MAX_THUMBNAIL;
use crate::content::{self, Content, Pending};
use crate::store::Db;

/// The largest text field kept (name, type, image dimensions), decoded.
pub const MAX_TEXT: usize = 64 * 1024;
/// The largest key looked at (longer keys are no field of ours).
const MAX_KEY: usize = 256;
/// Base64 characters gathered before decoding them in one go.
const B64_BATCH: usize = 256 * 1024;
/// Body chunks in flight between the connection and the decoding thread.
const CHANNEL: usize = 32;
/// After a body went over the limit, how much more of it is read (and thrown away) before the 413
/// is sent, so that a client still writing reads the answer instead of a broken connection.
const DRAIN_BYTES: u64 = 128 * 1024 * 1024;
/// ... and for how long at most.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);
/// Bytes of decoded data kept to sniff the type from.
const HEAD: usize = 64;

/// The text fields collected in memory.
const TEXT_FIELDS: [&str; 4] = ["name", "type", "imagewidth", "imageheight"];

/// Incremental UTF-8 validation (a sequence may straddle two pieces).
#[derive(Debug, Default)]
struct Utf8 {
    carry: [u8; 4],
    n: usize,
    bad: bool,
}

impl Utf8 {
    fn feed(&mut self, mut b: &[u8]) {
        if self.bad || (self.n == 0 && b.is_ascii()) {
            return;
        }
        while self.n > 0 {
            let Some((&first, rest)) = b.split_first() else {
                return;
            };
            self.carry[self.n] = first;
            self.n += 1;
            b = rest;
            match std::str::from_utf8(&self.carry[..self.n]) {
                Ok(_) => self.n = 0,
                Err(e) if e.error_len().is_some() || self.n == 4 => {
                    self.bad = true;
                    return;
                }
                Err(_) => {}
            }
        }
        if let Err(e) = std::str::from_utf8(b) {
            if e.error_len().is_some() {
                self.bad = true;
            } else {
                let tail = &b[e.valid_up_to()..];
                self.carry[..tail.len()].copy_from_slice(tail);
                self.n = tail.len();
            }
        }
    }

    fn ok(&self) -> bool {
        !self.bad && self.n == 0
    }
}

/// Base64 (standard alphabet, padding required, ASCII whitespace ignored) decoded in pieces.
#[derive(Debug, Default)]
struct B64 {
    buf: Vec<u8>,
    out: Vec<u8>,
    /// A padded quartet was decoded: only whitespace may follow.
    padded: bool,
    bad: bool,
}

impl B64 {
    /// Takes more characters; the bytes decoded (possibly none) are then in `out`.
    fn feed(&mut self, s: &[u8]) {
        self.out.clear();
        if !self.bad {
            self.buf.extend_from_slice(s);
            if self.buf.len() >= B64_BATCH {
                self.decode(false);
            }
        }
    }

    /// [`B64::feed`] of characters not yet percent-decoded (the decoder must not have failed):
    /// [`decode_run`] puts them straight into `buf`. Returns the bytes of `s` consumed.
    fn feed_encoded(&mut self, s: &[u8]) -> usize {
        self.out.clear();
        let n = decode_run(s, &mut self.buf);
        if self.buf.len() >= B64_BATCH {
            self.decode(false);
        }
        n
    }

    /// No more characters: the last bytes decoded are then in `out`.
    fn end(&mut self) {
        self.out.clear();
        if !self.bad {
            self.decode(true);
        }
    }

    fn strip_whitespace(&mut self) -> bool {
        if !self.buf.is_ascii() {
            // Not Base64 anyway; kept as it came for the UTF-8 check of the field.
            return false;
        }
        let before = self.buf.len();
        self.buf.retain(|b| !b.is_ascii_whitespace());
        self.buf.len() != before
    }

    fn decode(&mut self, last: bool) {
        let mut stripped = false;
        loop {
            // Nothing decoded yet in this call (a failed attempt may have left room reserved).
            self.out.clear();
            if self.padded {
                self.strip_whitespace();
                self.bad = !self.buf.is_empty();
                return;
            }
            let n = if last {
                self.buf.len()
            } else {
                self.buf.len() & !3
            };
            if n == 0 {
                if last && !self.buf.is_empty() && !stripped && self.strip_whitespace() {
                    stripped = true;
                    continue;
                }
                return;
            }
            self.out.resize(n / 4 * 3 + 3, 0);
            match STANDARD.decode_slice(&self.buf[..n], &mut self.out) {
                Ok(k) => {
                    self.out.truncate(k);
                    self.padded = self.buf[n - 1] == b'=';
                    self.buf.drain(..n);
                    if last && !self.buf.is_empty() {
                        continue;
                    }
                    return;
                }
                Err(_) if !stripped && self.strip_whitespace() => stripped = true,
                Err(_) => {
                    self.out.clear();
                    self.bad = true;
                    return;
                }
            }
        }
    }
}

/// A text field collected in memory, up to a cap.
#[derive(Debug)]
struct Text {
    buf: Vec<u8>,
    cap: usize,
    over: bool,
    utf8: Utf8,
}

impl Text {
    fn new(cap: usize) -> Text {
        Text {
            buf: Vec::new(),
            cap,
            over: false,
            utf8: Utf8::default(),
        }
    }

    fn push(&mut self, s: &[u8]) {
        self.utf8.feed(s);
        if self.buf.len() + s.len() <= self.cap {
            self.buf.extend_from_slice(s);
        } else {
            self.over = true;
        }
    }

    /// The text, or None when it is not UTF-8 (an error already recorded by the caller).
    fn take(&mut self) -> Option<String> {
        self.utf8.feed(&[]);
        if !self.utf8.ok() {
            return None;
        }
        String::from_utf8(std::mem::take(&mut self.buf)).ok()
    }
}

/// The decoded `data`, written to a temporary file in the media directory.
#[derive(Debug)]
pub struct Stored {
    pub pending: Pending,
    pub len: u64,
    /// Base64 SHA-256 of the bytes: the item's `m`.
    pub m: String,
    /// The first bytes, to sniff the type from.
    pub head: Vec<u8>,
}

impl Stored {
    /// Writes bytes decoded in memory (a `data` given in the query string).
    pub fn from_bytes(content: &Content, data: &[u8]) -> std::io::Result<Stored> {
        let mut pending = content.create_temp()?;
        pending.write(data)?;
        pending.finish()?;
        Ok(Stored {
            pending,
            len: data.len() as u64,
            m: content::encode_digest(Sha256::new_with_prefix(data)),
            head: data[..data.len().min(HEAD)].to_vec(),
        })
    }
}

/// Hashes and writes the decoded data on a thread of its own, behind the decoder: the two halves
/// of the work overlap on two cores. Buffers go back and forth (no copy, no allocation per piece).
#[derive(Debug)]
struct Writer {
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    back: std::sync::mpsc::Receiver<Vec<u8>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<(Pending, Sha256)>>>,
}

/// Decoded pieces in flight to the writer thread.
const WRITER_QUEUE: usize = 4;

impl Writer {
    fn start(mut pending: Pending) -> std::io::Result<Writer> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(WRITER_QUEUE);
        let (back_tx, back) = std::sync::mpsc::sync_channel::<Vec<u8>>(WRITER_QUEUE + 2);
        let thread = std::thread::Builder::new()
            .name("upload-writer".into())
            .spawn(move || {
                let mut sha = Sha256::new();
                while let Ok(buf) = rx.recv() {
                    sha.update(&buf);
                    pending.write(&buf)?;
                    let _ = back_tx.try_send(buf);
                }
                pending.finish()?;
                Ok((pending, sha))
            })?;
        Ok(Writer {
            tx: Some(tx),
            back,
            thread: Some(thread),
        })
    }

    /// Hands `buf` over; returns an empty buffer to decode into next.
    fn send(&mut self, buf: Vec<u8>) -> std::io::Result<Vec<u8>> {
        let sent = match &self.tx {
            Some(tx) => tx.send(buf).is_ok(),
            None => false,
        };
        if !sent {
            // The writer stopped: its error says why.
            self.tx = None;
            return match self.join() {
                Err(e) => Err(e),
                Ok(_) => Err(std::io::Error::other("upload writer stopped")),
            };
        }
        Ok(self.back.try_recv().unwrap_or_default())
    }

    fn join(&mut self) -> std::io::Result<(Pending, Sha256)> {
        self.tx = None;
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("upload writer panicked"))),
            None => Err(std::io::Error::other("upload writer already joined")),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Stops the thread; the temporary file goes with its `Pending` unless taken by `join`.
        if self.thread.is_some() {
            let _ = self.join();
        }
    }
}

/// `data` as it streams in.
#[derive(Debug)]
struct Data {
    b64: B64,
    utf8: Utf8,
    nonempty: bool,
    /// None once the data turned out not to be Base64 (the temporary file is removed then).
    writer: Option<Writer>,
    len: u64,
    head: Vec<u8>,
}

impl Data {
    fn start(content: &Content) -> std::io::Result<Data> {
        Ok(Data {
            b64: B64::default(),
            utf8: Utf8::default(),
            nonempty: false,
            writer: Some(Writer::start(content.create_temp()?)?),
            len: 0,
            head: Vec::new(),
        })
    }

    fn push(&mut self, s: &[u8]) -> std::io::Result<()> {
        self.nonempty |= !s.is_empty();
        if self.b64.bad {
            self.utf8.feed(s);
            return Ok(());
        }
        self.b64.feed(s);
        self.write()?;
        if self.b64.bad {
            // Everything decoded so far was Base64, hence ASCII: the UTF-8 check of the field
            // starts with the characters that failed.
            self.utf8.feed(&self.b64.buf);
            self.writer = None; // removes the temporary file
        }
        Ok(())
    }

    /// [`Data::push`] of characters not yet percent-decoded (the Base64 decoder must not have
    /// failed): they are decoded straight into the decoder's buffer, see [`decode_run`] for what
    /// is taken. Returns the bytes consumed.
    fn push_encoded(&mut self, s: &[u8]) -> std::io::Result<usize> {
        let n = self.b64.feed_encoded(s);
        self.nonempty |= n > 0;
        self.write()?;
        if self.b64.bad {
            self.utf8.feed(&self.b64.buf);
            self.writer = None; // removes the temporary file
        }
        Ok(n)
    }

    /// Sends what the decoder produced to the writer thread.
    fn write(&mut self) -> std::io::Result<()> {
        let out = &self.b64.out;
        if out.is_empty() {
            return Ok(());
        }
        let Some(writer) = &mut self.writer else {
            return Ok(());
        };
        self.len += out.len() as u64;
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(out.len());
            self.head.extend_from_slice(&out[..take]);
        }
        let buf = std::mem::take(&mut self.b64.out);
        self.b64.out = writer.send(buf)?;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<Field> {
        if !self.b64.bad {
            self.b64.end();
            self.write()?;
        }
        let value = match (self.b64.bad, self.writer.take()) {
            (false, Some(mut writer)) => {
                let (pending, sha) = writer.join()?;
                Ok(Stored {
                    pending,
                    len: self.len,
                    m: content::encode_digest(sha),
                    head: self.head,
                })
            }
            _ => Err(()),
        };
        Ok(Field::Data {
            present: self.nonempty,
            value,
            utf8: self.utf8.ok(),
        })
    }
}

/// `thumbnail` as it streams in: kept up to the limit, counted beyond it.
#[derive(Debug, Default)]
struct Thumb {
    b64: B64,
    utf8: Utf8,
    nonempty: bool,
    bytes: Vec<u8>,
    len: usize,
}

impl Thumb {
    fn push(&mut self, s: &[u8]) {
        self.utf8.feed(s);
        self.nonempty |= !s.is_empty();
        self.b64.feed(s);
        Thumb::keep(&mut self.bytes, &mut self.len, &self.b64.out);
    }

    fn keep(bytes: &mut Vec<u8>, len: &mut usize, out: &[u8]) {
        *len += out.len();
        if bytes.len() < MAX_THUMBNAIL + 1 {
            let take = (MAX_THUMBNAIL + 1 - bytes.len()).min(out.len());
            bytes.extend_from_slice(&out[..take]);
        }
    }

    fn finish(mut self) -> Field {
        self.b64.end();
        Thumb::keep(&mut self.bytes, &mut self.len, &self.b64.out);
        Field::Thumbnail {
            present: self.nonempty,
            value: if self.b64.bad {
                Err(ThumbError::Base64)
            } else if self.len > MAX_THUMBNAIL {
                Err(ThumbError::TooLarge(self.len))
            } else {
                Ok(self.bytes)
            },
            utf8: self.utf8.ok(),
        }
    }
}

/// Why a thumbnail was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbError {
    Base64,
    TooLarge(usize),
}

/// Where the current value goes.
#[derive(Debug)]
enum Sink {
    /// No field of ours (or a repeat): checked for UTF-8 only.
    Skip(Utf8),
    Text(&'static str, Text),
    Data(Box<Data>),
    Thumbnail(Box<Thumb>),
}

impl Sink {
    fn push(&mut self, s: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Skip(u) => u.feed(s),
            Sink::Text(_, t) => t.push(s),
            Sink::Data(d) => d.push(s)?,
            Sink::Thumbnail(t) => t.push(s),
        }
        Ok(())
    }
}

/// A finished field.
#[derive(Debug)]
enum Field {
    Skipped {
        utf8: bool,
    },
    Text(&'static str, Option<String>, bool),
    Data {
        present: bool,
        value: Result<Stored, ()>,
        utf8: bool,
    },
    Thumbnail {
        present: bool,
        value: Result<Vec<u8>, ThumbError>,
        utf8: bool,
    },
}

/// Percent-decoding state across chunk boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pct {
    None,
    /// After `%`.
    Percent,
    /// After `%` and one hex digit.
    Hex(u8),
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// What a media-upload body held.
#[derive(Debug, Default)]
pub struct Upload {
    /// The raw body is not UTF-8.
    pub not_utf8: bool,
    /// A key or value is not UTF-8 once percent-decoded.
    pub decoded_not_utf8: bool,
    /// A text field longer than [`MAX_TEXT`].
    pub too_long: Option<&'static str>,
    /// The text fields, first occurrence of each.
    pub text: Vec<(String, String)>,
    /// `data`: None when absent or empty; Err when not Base64.
    pub data: Option<Result<Stored, ()>>,
    /// `thumbnail`: None when absent or empty.
    pub thumbnail: Option<Result<Vec<u8>, ThumbError>>,
}

/// The body decoder: feed it chunks, then [`Parser::finish`].
pub struct Parser<'a> {
    content: &'a Content,
    in_value: bool,
    /// Bytes seen in the current `&`-separated part.
    started: bool,
    pct: Pct,
    key: Text,
    sink: Sink,
    /// Fields already decided (by the query string or an earlier occurrence).
    taken: Vec<&'static str>,
    raw_utf8: Utf8,
    out: Upload,
    /// Reused buffer of [`decode_run`].
    run: Vec<u8>,
}

/// A `u64` with every byte `b`.
const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The high bit of every byte of a `u64`.
const HIGH: u64 = splat(0x80);

/// The bytes of `x` (8 characters) that [`decode_run`] must look at one by one: the ASCII bytes
/// below `,`, among them `%`, `&` and `+` (none of the Base64 alphabet but `+`, which a form
/// escapes). Each such byte has its high bit set in the result, the others none: `(b | 0x80) -
/// 0x2C` borrows from no other byte, and keeps its high bit exactly when `b & 0x7F >= 0x2C`.
const fn specials(x: u64) -> u64 {
    !((x | HIGH) - splat(b',')) & !x & HIGH
}

/// Percent-decodes the start of a value's characters onto the end of `out` (`+` as a space) up to
/// a `&`, the end, or a `%` that is not followed by two hex digits in `s` (an escape cut by the
/// chunk's end, or no escape at all: left to the byte-wise path). Returns the bytes consumed.
///
/// Eight characters are looked at in one go (most of a Base64 value is plain characters), copied
/// straight to their place in `out`; only the blocks with a special character go byte by byte.
fn decode_run(s: &[u8], out: &mut Vec<u8>) -> usize {
    let start = out.len();
    // Room for the worst case (nothing to decode); cut back to what was written at the end.
    out.resize(start + s.len(), 0);
    let dst = &mut out[start..];
    let (mut r, mut w) = (0, 0);
    loop {
        while let Some(block) = s[r..].first_chunk::<8>() {
            // w <= r and r + 8 <= s.len() == dst.len(): the block fits at w.
            dst[w..w + 8].copy_from_slice(block);
            let m = specials(u64::from_le_bytes(*block));
            if m == 0 {
                r += 8;
                w += 8;
            } else {
                // The bytes after the first special one are written again from there on.
                let k = (m.trailing_zeros() / 8) as usize;
                r += k;
                w += k;
                break;
            }
        }
        let Some(&c) = s.get(r) else {
            break;
        };
        match c {
            b'&' => break,
            b'+' => {
                dst[w] = b' ';
                r += 1;
            }
            b'%' => match (
                s.get(r + 1).and_then(|&c| hex(c)),
                s.get(r + 2).and_then(|&c| hex(c)),
            ) {
                (Some(hi), Some(lo)) => {
                    dst[w] = hi << 4 | lo;
                    r += 3;
                }
                _ => break,
            },
            _ => {
                dst[w] = c;
                r += 1;
            }
        }
        w += 1;
    }
    out.truncate(start + w);
    r
}

impl<'a> Parser<'a> {
    /// `taken`: the fields the query string gives already (the query string wins).
    pub fn new(content: &'a Content, taken: Vec<&'static str>) -> Parser<'a> {
        Parser {
            content,
            in_value: false,
            started: false,
            pct: Pct::None,
            key: Text::new(MAX_KEY),
            sink: Sink::Skip(Utf8::default()),
            taken,
            raw_utf8: Utf8::default(),
            out: Upload::default(),
            run: Vec::new(),
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.raw_utf8.feed(chunk);
        let mut rest = chunk;
        while let Some((&b, tail)) = rest.split_first() {
            if self.in_value && self.pct == Pct::None && b != b'&' {
                // The common case: plain characters, `+` and whole escapes, decoded in one go
                // (for `data`, straight into the Base64 decoder's buffer).
                let n = match &mut self.sink {
                    Sink::Data(d) if !d.b64.bad => d.push_encoded(rest)?,
                    sink => {
                        self.run.clear();
                        let n = decode_run(rest, &mut self.run);
                        sink.push(&self.run)?;
                        n
                    }
                };
                if n > 0 {
                    rest = &rest[n..];
                    continue;
                }
            }
            rest = tail;
            self.started = true;
            match b {
                b'&' => self.end_pair()?,
                b'=' if !self.in_value => self.end_key()?,
                b'+' => self.decoded(b' ')?,
                _ => self.decoded(b)?,
            }
        }
        Ok(())
    }

    /// One character after `+` became a space, through the percent-decoder.
    fn decoded(&mut self, c: u8) -> std::io::Result<()> {
        match self.pct {
            Pct::None if c == b'%' => self.pct = Pct::Percent,
            Pct::None => self.emit(&[c])?,
            Pct::Percent => match hex(c) {
                Some(_) => self.pct = Pct::Hex(c),
                None => {
                    self.pct = Pct::None;
                    self.emit(b"%")?;
                    self.decoded(c)?;
                }
            },
            Pct::Hex(h) => match (hex(h), hex(c)) {
                (Some(hi), Some(lo)) => {
                    self.pct = Pct::None;
                    self.emit(&[hi << 4 | lo])?;
                }
                _ => {
                    self.pct = Pct::None;
                    self.emit(&[b'%', h])?;
                    self.decoded(c)?;
                }
            },
        }
        Ok(())
    }

    fn emit(&mut self, s: &[u8]) -> std::io::Result<()> {
        if self.in_value {
            self.sink.push(s)
        } else {
            self.key.push(s);
            Ok(())
        }
    }

    /// An unfinished escape at the end of a key or value is kept as it was.
    fn flush_pct(&mut self) -> std::io::Result<()> {
        match std::mem::replace(&mut self.pct, Pct::None) {
            Pct::None => Ok(()),
            Pct::Percent => self.emit(b"%"),
            Pct::Hex(h) => self.emit(&[b'%', h]),
        }
    }

    /// `=` after a key: picks where its value goes.
    fn end_key(&mut self) -> std::io::Result<()> {
        self.flush_pct()?;
        let mut key = std::mem::replace(&mut self.key, Text::new(MAX_KEY));
        let over = key.over;
        let name = match key.take() {
            Some(k) if !over => k,
            Some(_) => String::new(),
            None => {
                self.out.decoded_not_utf8 = true;
                String::new()
            }
        };
        let field = ["data", "thumbnail"]
            .into_iter()
            .chain(TEXT_FIELDS)
            .find(|f| *f == name && !self.taken.contains(f));
        self.sink = match field {
            Some(f) => {
                self.taken.push(f);
                match f {
                    "data" => Sink::Data(Box::new(Data::start(self.content)?)),
                    "thumbnail" => Sink::Thumbnail(Box::default()),
                    _ => Sink::Text(f, Text::new(MAX_TEXT)),
                }
            }
            None => Sink::Skip(Utf8::default()),
        };
        self.in_value = true;
        Ok(())
    }

    /// `&` or the end of the body.
    fn end_pair(&mut self) -> std::io::Result<()> {
        if !self.in_value {
            if !self.started {
                return Ok(()); // an empty part: `&&`
            }
            self.end_key()?;
        }
        self.flush_pct()?;
        let sink = std::mem::replace(&mut self.sink, Sink::Skip(Utf8::default()));
        let field = match sink {
            Sink::Skip(u) => Field::Skipped { utf8: u.ok() },
            Sink::Text(name, mut t) => {
                let over = t.over;
                let value = t.take();
                let utf8 = value.is_some();
                if over && self.out.too_long.is_none() {
                    self.out.too_long = Some(name);
                }
                Field::Text(name, value, utf8)
            }
            Sink::Data(d) => d.finish()?,
            Sink::Thumbnail(t) => t.finish(),
        };
        self.record(field);
        self.in_value = false;
        self.started = false;
        Ok(())
    }

    fn record(&mut self, field: Field) {
        let utf8 = match field {
            Field::Skipped { utf8 } => utf8,
            Field::Text(name, value, utf8) => {
                if let Some(v) = value {
                    self.out.text.push((name.to_owned(), v));
                }
                utf8
            }
            Field::Data {
                present,
                value,
                utf8,
            } => {
                // Absent and empty are the same ("missing required parameter data").
                self.out.data = present.then_some(value);
                utf8
            }
            Field::Thumbnail {
                present,
                value,
                utf8,
            } => {
                self.out.thumbnail = present.then_some(value);
                utf8
            }
        };
        if !utf8 {
            self.out.decoded_not_utf8 = true;
        }
    }

    /// The end of the body.
    pub fn finish(mut self) -> std::io::Result<Upload> {
        self.end_pair()?;
        self.raw_utf8.feed(&[]);
        self.out.not_utf8 = !self.raw_utf8.ok();
        Ok(self.out)
    }
}

/// Reads an upload body (at most `limit` bytes, else 413) through a [`Parser`] on the blocking
/// pool; the connection side only moves chunks. Fields the query string gives are ignored in the
/// body (the query string comes first, as in [`super::Form`]).
pub async fn read(
    db: &Db,
    limit: usize,
    query: &Params,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Upload> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared
        && n > limit as u64
    {
        if n <= (limit as u64).saturating_add(DRAIN_BYTES) {
            drain(body).await;
        }
        return Err(ApiError::TooLarge);
    }
    let taken: Vec<&'static str> = ["data", "thumbnail"]
        .into_iter()
        .chain(TEXT_FIELDS)
        .filter(|f| query.get(f).is_some())
        .collect();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(CHANNEL);
    let worker_db = db.clone();
    let worker = tokio::task::spawn_blocking(move || -> ApiResult<Option<Upload>> {
        let io = |e: std::io::Error| ApiError::Internal(format!("upload: {e}"));
        let mut parser = Parser::new(worker_db.content(), taken);
        while let Some(chunk) = rx.blocking_recv() {
            if chunk.is_empty() {
                // The end marker: the body was read whole.
                return parser.finish().map(Some).map_err(io);
            }
            parser.feed(&chunk).map_err(io)?;
        }
        Ok(None) // cut off: the parser's temporary file goes with it
    });
    let mut stream = body.into_data_stream();
    let mut total = 0usize;
    let read: ApiResult<()> = loop {
        match stream.next().await {
            None => {
                let _ = tx.send(Bytes::new()).await;
                break Ok(());
            }
            Some(Err(_)) => break Err(ApiError::bad("the request body could not be read")),
            Some(Ok(chunk)) => {
                total = total.saturating_add(chunk.len());
                if total > limit {
                    break Err(ApiError::TooLarge);
                }
                if !chunk.is_empty() && tx.send(chunk).await.is_err() {
                    break Ok(()); // the decoder stopped: its result says why
                }
            }
        }
    };
    drop(tx);
    if matches!(read, Err(ApiError::TooLarge)) {
        drain_stream(stream).await;
    }
    // Wait for the decoder even after an error: its temporary file is gone when this returns.
    let parsed = worker
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    read?;
    parsed?.ok_or_else(|| ApiError::Internal("upload decoder stopped early".into()))
}

/// Reads and throws away what is left of a refused body, within [`DRAIN_BYTES`] and
/// [`DRAIN_TIME`] (a lingering close: the client gets to read the 413).
async fn drain(body: Body) {
    drain_stream(body.into_data_stream()).await;
}

async fn drain_stream(mut stream: axum::body::BodyDataStream) {
    let mut left = DRAIN_BYTES;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(chunk)) = stream.next().await {
            left = left.saturating_sub(chunk.len() as u64);
            if left == 0 {
                break;
            }
        }
    })
    .await;
}

/// Base64 of something small given in memory (the query string), whitespace ignored.
pub fn decode_b64(what: &str, s: &str) -> ApiResult<Vec<u8>> {
    let decoded = if s.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(compact)
    } else {
        STANDARD.decode(s)
    };
    decoded.map_err(|_| ApiError::bad(format!("{what} is not valid Base64")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `body` fed in pieces of `split` bytes; returns the data bytes read back.
    fn parse(body: &[u8], split: usize) -> (Upload, Option<Vec<u8>>) {
        let content = Content::temporary().expect("content");
        let mut p = Parser::new(&content, Vec::new());
        for piece in body.chunks(split.max(1)) {
            p.feed(piece).expect("feed");
        }
        let mut up = p.finish().expect("finish");
        let data = match &mut up.data {
            Some(Ok(stored)) => {
                let files = std::fs::read_dir(content.dir()).expect("dir");
                let path = files
                    .map(|e| e.expect("entry").path())
                    .next()
                    .expect("the pending file");
                let bytes = std::fs::read(path).expect("read");
                assert_eq!(bytes.len() as u64, stored.len, "length counted");
                assert_eq!(
                    stored.m,
                    content::encode_digest(Sha256::new_with_prefix(&bytes)),
                    "digest"
                );
                Some(bytes)
            }
            _ => None,
        };
        (up, data)
    }

    /// What `parse_pairs` + the handler's decoding give for the same body.
    fn whole(body: &[u8]) -> Option<Result<Vec<u8>, ()>> {
        let pairs = super::super::parse_pairs(body).ok()?;
        let v = pairs.iter().find(|(k, _)| k == "data").map(|(_, v)| v)?;
        if v.is_empty() {
            return None;
        }
        Some(decode_b64("data", v).map_err(|_| ()))
    }

    fn form(data: &str) -> String {
        let enc: String =
            percent_encoding::utf8_percent_encode(data, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        format!("name=x&data={enc}&type=text%2Fplain")
    }

    #[test]
    fn every_split_gives_the_whole_body_answer() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let b64 = STANDARD.encode(&bytes);
        let mut bodies = vec![
            form(&b64),
            form(&format!("{}\n{}", &b64[..100], &b64[100..])),
            form("aGk="),
            form("aGk"),
            form("aG=k"),
            form("aGk=aGk="),
            form("aGk= \n"),
            form("aGl="),
            form("%%%"),
            form(" "),
            "data=aGk%3D%".into(),
            "data=aGk%3".into(),
            "data=aG+k%3D".into(),
            "data=aGk%3d&data=AAAA".into(),
            "%64ata=aGk%3D".into(),
            "data".into(),
            "data=".into(),
            "data=aGk=".into(),
            "data=%4%41AA".into(),
        ];
        bodies.push(form(&b64.replace('A', "A\r\n")));
        // Escapes in lower case and of characters that need none, `+` for spaces, bytes that are
        // no Base64 (`*`, non-ASCII): the paths beside the client's %2B, %2F and %3D.
        let lower = form(&b64).replace("%2B", "%2b").replace("%2F", "%2f");
        bodies.push(lower.replace("%3D", "%3d"));
        bodies.push(format!(
            "data={}",
            b64.replace('A', "%41").replace('z', "%7a")
        ));
        bodies.push(format!(
            "data={}",
            b64.replace('Q', "+Q").replace('/', "%2f")
        ));
        bodies.push(format!("data={}*&name=x", form_value(&b64[..800])));
        bodies.push(format!("data={}\u{e9}", form_value(&b64[..800])));
        bodies.push(format!("data={}%C3%A9", form_value(&b64[..800])));
        for body in &bodies {
            let expect = whole(body.as_bytes());
            for split in [1, 2, 3, 5, 7, 64, 4096, usize::MAX] {
                let (up, data) = parse(body.as_bytes(), split);
                let got = match &up.data {
                    None => None,
                    Some(Ok(_)) => Some(Ok(data.clone().expect("bytes"))),
                    Some(Err(())) => Some(Err(())),
                };
                assert_eq!(got, expect, "{body:?} split every {split}");
            }
        }
    }

    #[test]
    fn text_fields_thumbnails_and_utf8_match_the_whole_body_rules() {
        let (up, _) = parse(
            "name=Sales+Goals+%22Q4%22.txt&imagewidth=12&imagewidth=13&x=%FF".as_bytes(),
            3,
        );
        assert_eq!(
            up.text,
            vec![
                ("name".to_owned(), "Sales Goals \"Q4\".txt".to_owned()),
                ("imagewidth".to_owned(), "12".to_owned())
            ],
            "first occurrence wins"
        );
        assert!(up.decoded_not_utf8, "%FF is not UTF-8 once decoded");
        assert!(!up.not_utf8, "the raw body is ASCII");
        let (up, _) = parse(b"name=\xc3", 1);
        assert!(up.not_utf8, "truncated UTF-8 at the end");
        let (up, _) = parse("name=é".as_bytes(), 1);
        assert!(
            !up.not_utf8 && !up.decoded_not_utf8,
            "é split over two chunks"
        );
        let big = STANDARD.encode(vec![7u8; MAX_THUMBNAIL + 1]);
        let (up, _) = parse(format!("thumbnail={}", form_value(&big)).as_bytes(), 1000);
        assert_eq!(
            up.thumbnail,
            Some(Err(ThumbError::TooLarge(MAX_THUMBNAIL + 1))),
            "counted beyond the limit"
        );
        let (up, _) = parse(b"thumbnail=aGk%3D", 2);
        assert_eq!(up.thumbnail, Some(Ok(b"hi".to_vec())));
        let long = "n".repeat(MAX_TEXT + 1);
        let (up, _) = parse(format!("name={long}").as_bytes(), 4096);
        assert_eq!(up.too_long, Some("name"));
    }

    fn form_value(s: &str) -> String {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    /// What [`decode_run`] does, one byte at a time.
    fn decode_run_bytewise(s: &[u8], out: &mut Vec<u8>) -> usize {
        let mut i = 0;
        while let Some(&c) = s.get(i) {
            match c {
                b'&' => break,
                b'+' => out.push(b' '),
                b'%' => match (
                    s.get(i + 1).and_then(|&c| hex(c)),
                    s.get(i + 2).and_then(|&c| hex(c)),
                ) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 2;
                    }
                    _ => break,
                },
                _ => out.push(c),
            }
            i += 1;
        }
        i
    }

    #[test]
    fn decode_run_matches_the_bytewise_decoder_at_every_offset() {
        // Every byte value, escapes (upper and lower case, cut, not hex) and `&` at every position
        // of an 8-byte block, after something already in the buffer.
        let mut pieces: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        for e in [
            "%2B", "%2f", "%3D", "%3d", "%41", "%e9", "%", "%4", "%G1", "%4G", "+", "&",
        ] {
            pieces.push(e.as_bytes().to_vec());
        }
        for piece in &pieces {
            for before in 0..20 {
                for after in [0, 1, 7, 8, 13] {
                    let mut s = vec![b'Q'; before];
                    s.extend_from_slice(piece);
                    s.extend(std::iter::repeat_n(b'w', after));
                    let mut fast = b"xyz".to_vec();
                    let mut slow = b"xyz".to_vec();
                    let n = decode_run(&s, &mut fast);
                    let m = decode_run_bytewise(&s, &mut slow);
                    assert_eq!((n, &fast), (m, &slow), "{s:?}");
                }
            }
        }
        let b64 = STANDARD.encode((0..=255u8).cycle().take(5000).collect::<Vec<u8>>());
        let body = format!("{}&name=x", form_value(&b64));
        let mut out = Vec::new();
        let n = decode_run(body.as_bytes(), &mut out);
        assert_eq!(n, body.len() - "&name=x".len(), "stops at the `&`");
        assert_eq!(out, b64.as_bytes(), "the Base64 back");
    }

    #[test]
    fn bad_base64_leaves_no_file() {
        let content = Content::temporary().expect("content");
        let mut p = Parser::new(&content, Vec::new());
        let good = STANDARD.encode(vec![1u8; 600_000]);
        p.feed(format!("data={}", &good[..400_000]).as_bytes())
            .expect("feed");
        p.feed(b"!!!!").expect("feed");
        p.feed(&good.as_bytes()[400_000..]).expect("feed");
        let up = p.finish().expect("finish");
        assert!(matches!(up.data, Some(Err(()))), "bad Base64");
        assert!(
            content.listing().expect("ls").is_empty(),
            "the temporary file is gone"
        );
    }
}

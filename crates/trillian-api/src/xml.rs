//! The one XML path of the crate: hand-written quick-xml event loops that read the server's
//! documents into models, and the writers that produce the same documents (for the sandbox
//! server and for round-trip tests).
//!
//! Reading is strict about safety and lenient about shape: a `<!DOCTYPE>`, invalid UTF-8, nesting
//! deeper than [`MAX_DEPTH`], an unknown entity or a truncated document is a typed
//! [`Error::Decode`] naming the operation; unknown elements and attributes, attribute order,
//! whitespace between elements, comments, CDATA, entities and a UTF-8 BOM are all fine.

use std::borrow::Cow;
use std::fmt::Write as _;

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::error::{Error, Result};
use crate::model::{
    Device, Group, GroupChat, GroupChatFlags, MediaItem, Member, MemberFlags, Message,
    MessageHistory, MessageWeek, Policy, PolicyItems, Presence, PresenceStatus, User, UserFlags,
};

/// Deepest element nesting accepted (the API's documents are at most 5 deep).
pub const MAX_DEPTH: usize = 64;

/// A model with an XML form: read by a hand-written event loop, written by hand.
pub trait XmlModel: Sized {
    /// The element name (`user`, `group`, ...).
    const TAG: &'static str;
    /// Reads the element `el` (its start tag was just read) up to its end tag.
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self>;
    /// Appends the element to `out`.
    fn write(&self, out: &mut String);
}

/// An XML document being read. Opaque: used through [`XmlModel::read`].
pub struct XmlReader<'a> {
    reader: Reader<&'a [u8]>,
    src: &'a [u8],
    depth: usize,
    what: &'a str,
}

/// An element whose start tag was just read. Opaque: used through [`XmlModel::read`].
pub struct XmlElement<'a> {
    start: BytesStart<'a>,
    empty: bool,
}

impl XmlElement<'_> {
    fn name(&self) -> &str {
        self.start.name().0
    }
}

impl<'a> XmlReader<'a> {
    /// Opens a document whose root element must be `root`; returns the reader and the root.
    fn open(body: &'a [u8], what: &'a str, root: &str) -> Result<(Self, XmlElement<'a>)> {
        // quick-xml checks that every event's bytes are UTF-8 (its events are `&str`); an
        // invalid byte is reported as such below, in `next`.
        let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::decode(what, "empty body"));
        }
        let mut doc = XmlReader {
            reader: Reader::from_reader(body),
            src: body,
            depth: 0,
            what,
        };
        loop {
            match doc.next()? {
                Event::Start(e) | Event::Empty(e) if e.name().0 != root => {
                    let found = e.name().0.to_owned();
                    let hint = if found.eq_ignore_ascii_case("html") {
                        " (an HTML page, not the API's XML: a proxy or a wrong URL?)"
                    } else {
                        ""
                    };
                    return Err(Error::decode(
                        what,
                        format!("expected <{root}>, found <{}>{hint}", excerpt(&found, 40)),
                    ));
                }
                Event::Start(e) => {
                    return Ok((
                        doc,
                        XmlElement {
                            start: e,
                            empty: false,
                        },
                    ));
                }
                Event::Empty(e) => {
                    return Ok((
                        doc,
                        XmlElement {
                            start: e,
                            empty: true,
                        },
                    ));
                }
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Text(t) => {
                    return Err(Error::decode(
                        what,
                        format!("not an XML document: {}", excerpt(&t, 60)),
                    ));
                }
                Event::Eof => return Err(Error::decode(what, "no root element")),
                _ => {}
            }
        }
    }

    fn error(&self, message: &str) -> Error {
        let pos = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
        let start = pos.saturating_sub(30).min(self.src.len());
        let end = pos.saturating_add(30).min(self.src.len());
        let near = String::from_utf8_lossy(&self.src[start..end]);
        Error::decode(
            self.what,
            format!("{message} at byte {pos}, near {}", excerpt(&near, 60)),
        )
    }

    /// The next event, with depth accounting and the safety checks.
    #[inline]
    fn next(&mut self) -> Result<Event<'a>> {
        let event = match self.reader.read_event() {
            Ok(e) => e,
            Err(quick_xml::Error::Encoding(_)) => return Err(self.error("invalid UTF-8")),
            Err(e) => return Err(self.error(&format!("malformed XML ({e})"))),
        };
        match &event {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error(&format!("elements nested deeper than {MAX_DEPTH}")));
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::DocType(_) => return Err(self.error("a <!DOCTYPE> is not accepted")),
            Event::Eof if self.depth > 0 => return Err(self.error("truncated document")),
            _ => {}
        }
        Ok(event)
    }

    /// The next child element of `parent`, or `None` at `parent`'s end tag.
    #[inline]
    pub(crate) fn child(&mut self, parent: &XmlElement<'_>) -> Result<Option<XmlElement<'a>>> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            match self.next()? {
                Event::Start(e) => {
                    return Ok(Some(XmlElement {
                        start: e,
                        empty: false,
                    }));
                }
                Event::Empty(e) => {
                    return Ok(Some(XmlElement {
                        start: e,
                        empty: true,
                    }));
                }
                Event::End(_) => return Ok(None),
                Event::Eof => return Err(self.error("truncated document")),
                _ => {}
            }
        }
    }

    /// Skips the rest of `el`, children included.
    pub(crate) fn skip(&mut self, el: &XmlElement<'_>) -> Result<()> {
        if el.empty {
            return Ok(());
        }
        let mut nested = 0usize;
        loop {
            match self.next()? {
                Event::Start(_) => nested += 1,
                Event::End(_) if nested == 0 => return Ok(()),
                Event::End(_) => nested -= 1,
                Event::Eof => return Err(self.error("truncated document")),
                _ => {}
            }
        }
    }

    /// The text content of `el` (text, CDATA and entities joined; child elements ignored).
    pub(crate) fn text(&mut self, el: &XmlElement<'_>) -> Result<String> {
        self.text_cow(el).map(Cow::into_owned)
    }

    /// The text content of `el`, borrowed from the document when it is one plain run.
    #[inline]
    fn text_cow(&mut self, el: &XmlElement<'_>) -> Result<Cow<'a, str>> {
        let mut out: Cow<'a, str> = Cow::Borrowed("");
        if el.empty {
            return Ok(out);
        }
        let mut nested = 0usize;
        loop {
            match self.next()? {
                Event::Text(t) if nested == 0 => {
                    // XML 1.0 line-end normalisation only when there is a `\r` (a word-wise
                    // scan: quick-xml's memchr costs more on runs this short)
                    let run = if find_byte(t.as_bytes(), b'\r').is_some() {
                        t.xml10_content()
                    } else {
                        t.into_inner()
                    };
                    if out.is_empty() {
                        out = run;
                    } else {
                        self.joined(&mut out, &run).push_str(&run);
                    }
                }
                Event::CData(c) if nested == 0 => {
                    let c = c.into_inner();
                    self.joined(&mut out, &c).push_str(&c);
                }
                Event::GeneralRef(r) if nested == 0 => {
                    if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => self.joined(&mut out, &r).push(c),
                            _ => return Err(self.error("invalid character reference")),
                        }
                    } else if let Some(s) = resolve_predefined_entity(&r) {
                        self.joined(&mut out, &r).push_str(s);
                    } else {
                        let name = excerpt(&r, 30);
                        return Err(self.error(&format!("unknown entity &{name};")));
                    }
                }
                Event::Start(_) => nested += 1,
                Event::End(_) if nested == 0 => return Ok(out),
                Event::End(_) => nested -= 1,
                Event::Eof => return Err(self.error("truncated document")),
                _ => {}
            }
        }
    }

    /// The text being joined, made owned (on the first call) with room for the rest of the
    /// text: see [`Self::text_extent`], measured from the text so far or, when there is none
    /// yet, from `piece`, the piece about to be added.
    #[inline]
    fn joined<'c>(&self, out: &'c mut Cow<'_, str>, piece: &str) -> &'c mut String {
        if let Cow::Borrowed(b) = out {
            let hint = self.text_extent(if b.is_empty() { piece } else { b });
            let mut s = String::with_capacity(hint.max(b.len() + piece.len()));
            s.push_str(b);
            *out = Cow::Owned(s);
        }
        out.to_mut()
    }

    /// The room a text being joined needs: the bytes from `piece` (a run or an entity name
    /// borrowed from the document) to the next `<`. Entities, character references and line-end
    /// normalisation only shrink, so plain text and entities up to the end tag fit exactly or
    /// with a few bytes to spare, in one allocation. A piece not borrowed from the document
    /// (already joined) gives 0: the string grows as usual.
    #[inline]
    fn text_extent(&self, piece: &str) -> usize {
        let start = (piece.as_ptr() as usize).wrapping_sub(self.src.as_ptr() as usize);
        match self.src.get(start..) {
            Some(rest) if !piece.is_empty() && start < self.src.len() => {
                find_byte(rest, b'<').unwrap_or(rest.len())
            }
            _ => 0,
        }
    }

    /// The text of `el` as a number (surrounding whitespace ignored; empty is 0).
    pub(crate) fn number<N: std::str::FromStr + Default>(
        &mut self,
        el: &XmlElement<'_>,
    ) -> Result<N> {
        let text = self.text_cow(el)?;
        self.parse_number(el.name(), &text)
    }

    fn parse_number<N: std::str::FromStr + Default>(&self, name: &str, text: &str) -> Result<N> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(N::default());
        }
        t.parse()
            .map_err(|_| self.error(&format!("{name}: not a number: {}", excerpt(t, 30))))
    }

    /// The `href` attribute of `el`, then skips `el`.
    fn href_and_skip(&mut self, el: &XmlElement<'_>) -> Result<Option<String>> {
        let href = self.attr(el, "href")?;
        self.skip(el)?;
        Ok(href)
    }

    /// One attribute's unescaped value.
    fn attr(&self, el: &XmlElement<'_>, key: &str) -> Result<Option<String>> {
        for a in attributes(el) {
            let a = a.map_err(|e| self.error(&format!("malformed attribute ({e})")))?;
            if a.key.0 == key {
                return Ok(Some(self.value(&a)?));
            }
        }
        Ok(None)
    }

    fn value(&self, a: &Attribute<'_>) -> Result<String> {
        self.value_cow(a).map(Cow::into_owned)
    }

    /// An attribute's value: as is when nothing in it needs normalising (no entity, no control
    /// character such as a tab or a line break), else normalised as XML 1.0 says.
    #[inline]
    fn value_cow<'v>(&self, a: &Attribute<'v>) -> Result<Cow<'v, str>> {
        if !needs_normalizing(a.value.as_bytes()) {
            return Ok(a.value.clone());
        }
        match a.normalized_value(XmlVersion::Implicit1_0) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.error(&format!("attribute {}: {e}", a.key.0))),
        }
    }

    /// Calls `f(key, value)` for every attribute of `el`.
    fn attrs(
        &self,
        el: &XmlElement<'_>,
        mut f: impl FnMut(&Self, &str, Cow<'_, str>) -> Result<()>,
    ) -> Result<()> {
        for a in attributes(el) {
            let a = a.map_err(|e| self.error(&format!("malformed attribute ({e})")))?;
            let v = self.value_cow(&a)?;
            f(self, a.key.0, v)?;
        }
        Ok(())
    }

    /// Reads to the end of the document after the root closed.
    fn finish(&mut self) -> Result<()> {
        loop {
            match self.next()? {
                Event::Eof => return Ok(()),
                Event::Start(_) | Event::Empty(_) => {
                    return Err(self.error("content after the root element"));
                }
                _ => {}
            }
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The first 8 bytes of `b` (at least 8 long) as one word.
#[inline]
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// The index of the first `x` in `bytes`, 8 bytes at a time (the texts and attribute values
/// here are short: a word-wise scan beats the set-up of a vectorised one).
#[inline]
fn find_byte(bytes: &[u8], x: u8) -> Option<usize> {
    let pattern = LO * u64::from(x);
    let mut i = 0;
    while bytes.len() - i >= 8 {
        let v = word(&bytes[i..]) ^ pattern;
        // a zero byte of `v` sets its high bit here; the lowest one set is the first match
        let zero = v.wrapping_sub(LO) & !v & HI;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b == x).map(|p| i + p)
}

/// The index of the first byte of `bytes` that is `x` or `y` or below `below` (at most 0x80),
/// 8 bytes at a time.
#[inline]
fn find_stop(bytes: &[u8], x: u8, y: u8, below: u8) -> Option<usize> {
    let (px, py, pb) = (LO * u64::from(x), LO * u64::from(y), LO * u64::from(below));
    let mut i = 0;
    while bytes.len() - i >= 8 {
        let v = word(&bytes[i..]);
        let (vx, vy) = (v ^ px, v ^ py);
        // each term flags matching bytes; the lowest flag set is the first match
        let hit =
            (vx.wrapping_sub(LO) & !vx | vy.wrapping_sub(LO) & !vy | v.wrapping_sub(pb) & !v) & HI;
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&b| b == x || b == y || b < below)
        .map(|p| i + p)
}

/// Whether an attribute value needs XML 1.0 normalisation: it holds an `&` or a control
/// character (tab, line break...). Word-wise, like [`find_byte`].
#[inline]
fn needs_normalizing(bytes: &[u8]) -> bool {
    let amp = LO * u64::from(b'&');
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let v = word(c);
        let x = v ^ amp;
        let is_amp = x.wrapping_sub(LO) & !x & HI;
        let is_control = v.wrapping_sub(LO * 0x20) & !v & HI;
        if is_amp | is_control != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b == b'&' || b < 0x20)
}

/// `s` as a number when it is 1 to 19 ASCII digits (what `parse` would give, without its
/// generic path); `None` for anything else, which the caller reads the general way.
#[inline]
fn plain_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &b in s.as_bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
}

/// The attributes of `el`, without quick-xml's duplicate check (it allocates per element; a
/// duplicated attribute is read as the first one by `attr` and the last one by `attrs`).
fn attributes<'e>(el: &'e XmlElement<'_>) -> quick_xml::events::attributes::Attributes<'e> {
    let mut a = el.start.attributes();
    a.with_checks(false);
    a
}

/// A short, printable excerpt of untrusted text for error messages.
fn excerpt(s: &str, max_chars: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max_chars)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    format!("{out:?}")
}

// ---------------------------------------------------------------------------------------------
// Documents

/// Reads `<response>` holding any number of `T` elements (other elements are ignored).
pub fn decode_list<T: XmlModel>(body: &[u8], what: &str) -> Result<Vec<T>> {
    let (mut doc, root) = XmlReader::open(body, what, "response")?;
    let mut out = Vec::new();
    while let Some(el) = doc.child(&root)? {
        if el.name() == T::TAG {
            out.push(T::read(&mut doc, el)?);
        } else {
            doc.skip(&el)?;
        }
    }
    doc.finish()?;
    Ok(out)
}

/// Reads `<response>` holding one `T` element.
pub fn decode_one<T: XmlModel>(body: &[u8], what: &str) -> Result<T> {
    let mut list = decode_list::<T>(body, what)?;
    if list.is_empty() {
        return Err(Error::decode(
            what,
            format!("no <{}> in the answer", T::TAG),
        ));
    }
    Ok(list.swap_remove(0))
}

/// Reads `<response><wrapper ...><T/>...</wrapper></response>`; `T` elements directly under
/// `<response>` are accepted too.
fn decode_wrapped<T: XmlModel>(body: &[u8], what: &str, wrapper: &str) -> Result<Vec<T>> {
    let (mut doc, root) = XmlReader::open(body, what, "response")?;
    let mut out = Vec::new();
    while let Some(el) = doc.child(&root)? {
        if el.name() == wrapper {
            while let Some(item) = doc.child(&el)? {
                if item.name() == T::TAG {
                    out.push(T::read(&mut doc, item)?);
                } else {
                    doc.skip(&item)?;
                }
            }
        } else if el.name() == T::TAG {
            out.push(T::read(&mut doc, el)?);
        } else {
            doc.skip(&el)?;
        }
    }
    doc.finish()?;
    Ok(out)
}

/// Members of a group chat: `<response><members href><member/>...</members></response>`.
pub fn decode_members(body: &[u8], what: &str) -> Result<Vec<Member>> {
    decode_wrapped(body, what, "members")
}

/// Peers of a group: `<response><peers href><peer id/>...</peers></response>` → group ids.
pub fn decode_peers(body: &[u8], what: &str) -> Result<Vec<u64>> {
    Ok(decode_wrapped::<Peer>(body, what, "peers")?
        .into_iter()
        .map(|p| p.0)
        .collect())
}

/// One peer: `<response><peer id="4"/></response>` → its group id.
pub fn decode_peer(body: &[u8], what: &str) -> Result<u64> {
    Ok(decode_one::<Peer>(body, what)?.0)
}

/// A week's messages: `<response><messages><message/>...</messages></response>`.
pub fn decode_messages(body: &[u8], what: &str) -> Result<Vec<Message>> {
    decode_wrapped(body, what, "messages")
}

/// A message block as sent in a delete's `block` parameter (after Base64): `<messages>` holding
/// `<message>` elements.
pub fn decode_message_block(block: &[u8], what: &str) -> Result<Vec<Message>> {
    let (mut doc, root) = XmlReader::open(block, what, "messages")?;
    let mut out = Vec::new();
    while let Some(el) = doc.child(&root)? {
        if el.name() == Message::TAG {
            out.push(Message::read(&mut doc, el)?);
        } else {
            doc.skip(&el)?;
        }
    }
    doc.finish()?;
    Ok(out)
}

/// The `<error>` text of an error answer, if the body is one.
pub fn decode_error(body: &[u8]) -> Option<String> {
    let (mut doc, root) = XmlReader::open(body, "error", "response").ok()?;
    while let Ok(Some(el)) = doc.child(&root) {
        if el.name() == "error" {
            return doc.text(&el).ok().map(|t| t.trim().to_owned());
        }
        doc.skip(&el).ok()?;
    }
    None
}

/// `<response>` holding every item.
pub fn encode_list<T: XmlModel>(items: &[T]) -> String {
    let mut out = String::with_capacity(64 + items.len() * 256);
    out.push_str("<response>");
    for item in items {
        item.write(&mut out);
    }
    out.push_str("</response>");
    out
}

/// `<response>` holding one item.
pub fn encode_one<T: XmlModel>(item: &T) -> String {
    encode_list(std::slice::from_ref(item))
}

/// `<response><members href>...</members></response>`.
pub fn encode_members(href: Option<&str>, members: &[Member]) -> String {
    let mut out = String::from("<response>");
    write_members(&mut out, href, members, true);
    out.push_str("</response>");
    out
}

/// `<response><peers href><peer id/>...</peers></response>`.
pub fn encode_peers(href: Option<&str>, peers: &[u64]) -> String {
    let mut out = String::from("<response>");
    write_peers(&mut out, href, peers, true);
    out.push_str("</response>");
    out
}

/// `<response><peer id="4"/></response>`.
pub fn encode_peer(id: u64) -> String {
    format!("<response><peer id=\"{id}\"/></response>")
}

/// `<response><messages><message/>...</messages></response>`.
pub fn encode_messages(messages: &[Message]) -> String {
    format!("<response>{}</response>", encode_message_block(messages))
}

/// The `<messages>` fragment of a delete's `block` parameter (before Base64).
pub fn encode_message_block(messages: &[Message]) -> String {
    let mut out = String::from("<messages>");
    for m in messages {
        m.write(&mut out);
    }
    out.push_str("</messages>");
    out
}

/// `<response><error>reason</error></response>`.
pub fn encode_error(message: &str) -> String {
    format!("<response><error>{}</error></response>", escape(message))
}

// ---------------------------------------------------------------------------------------------
// Writers' small pieces

fn text_el(out: &mut String, tag: &str, text: &str) {
    if text.is_empty() {
        let _ = write!(out, "<{tag}/>");
    } else {
        let _ = write!(out, "<{tag}>{}</{tag}>", escape(text));
    }
}

fn num_el(out: &mut String, tag: &str, n: impl std::fmt::Display) {
    let _ = write!(out, "<{tag}>{n}</{tag}>");
}

fn href_el(out: &mut String, tag: &str, href: Option<&str>) {
    match href {
        Some(h) => {
            let _ = write!(out, "<{tag} href=\"{}\"/>", escape(h));
        }
        None => {
            let _ = write!(out, "<{tag}/>");
        }
    }
}

fn open_with_href(out: &mut String, tag: &str, href: Option<&str>) {
    match href {
        Some(h) => {
            let _ = write!(out, "<{tag} href=\"{}\">", escape(h));
        }
        None => {
            let _ = write!(out, "<{tag}>");
        }
    }
}

fn write_members(out: &mut String, href: Option<&str>, members: &[Member], always_open: bool) {
    if members.is_empty() && !always_open {
        href_el(out, "members", href);
        return;
    }
    open_with_href(out, "members", href);
    for m in members {
        m.write(out);
    }
    out.push_str("</members>");
}

fn write_peers(out: &mut String, href: Option<&str>, peers: &[u64], always_open: bool) {
    if peers.is_empty() && !always_open {
        href_el(out, "peers", href);
        return;
    }
    open_with_href(out, "peers", href);
    for p in peers {
        let _ = write!(out, "<peer id=\"{p}\"/>");
    }
    out.push_str("</peers>");
}

// ---------------------------------------------------------------------------------------------
// Models

struct Peer(u64);

impl XmlModel for Peer {
    const TAG: &'static str = "peer";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let id = match doc.attr(&el, "id")? {
            Some(v) => doc.parse_number("peer id", &v)?,
            None => return Err(doc.error("<peer> without id")),
        };
        doc.skip(&el)?;
        Ok(Peer(id))
    }
    fn write(&self, out: &mut String) {
        let _ = write!(out, "<peer id=\"{}\"/>", self.0);
    }
}

impl XmlModel for User {
    const TAG: &'static str = "user";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut u = User {
            name: doc.attr(&el, "name")?.unwrap_or_default(),
            ..User::default()
        };
        while let Some(c) = doc.child(&el)? {
            match c.name() {
                "displayname" => u.displayname = doc.text(&c)?,
                "email" => u.email = doc.text(&c)?,
                "group" => u.group = doc.number(&c)?,
                "policy" => u.policy = doc.number(&c)?,
                "flags" => u.flags = UserFlags::from_bits_retain(doc.number(&c)?),
                "createdAt" => u.created_at = doc.number(&c)?,
                "addressbook" => u.addressbook_href = doc.href_and_skip(&c)?,
                "media" => u.media_href = doc.href_and_skip(&c)?,
                "messages" => u.messages_href = doc.href_and_skip(&c)?,
                _ => doc.skip(&c)?,
            }
        }
        Ok(u)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(out, "<user name=\"{}\">", escape(&self.name));
        text_el(out, "displayname", &self.displayname);
        text_el(out, "email", &self.email);
        num_el(out, "group", self.group);
        num_el(out, "policy", self.policy);
        num_el(out, "flags", self.flags.bits());
        num_el(out, "createdAt", self.created_at);
        href_el(out, "addressbook", self.addressbook_href.as_deref());
        href_el(out, "media", self.media_href.as_deref());
        href_el(out, "messages", self.messages_href.as_deref());
        out.push_str("</user>");
    }
}

impl XmlModel for Group {
    const TAG: &'static str = "group";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut g = Group::default();
        if let Some(id) = doc.attr(&el, "id")? {
            g.id = doc.parse_number("group id", &id)?;
        }
        while let Some(c) = doc.child(&el)? {
            match c.name() {
                "displayname" => g.displayname = doc.text(&c)?,
                "name" => g.name = doc.text(&c)?,
                "parent" => g.parent = doc.number(&c)?,
                "policy" => g.policy = doc.number(&c)?,
                "priority" => g.priority = doc.number(&c)?,
                "type" => g.kind = doc.number(&c)?,
                "peers" => {
                    g.peers_href = doc.attr(&c, "href")?;
                    while let Some(p) = doc.child(&c)? {
                        if p.name() == Peer::TAG {
                            g.peers.push(Peer::read(doc, p)?.0);
                        } else {
                            doc.skip(&p)?;
                        }
                    }
                }
                _ => doc.skip(&c)?,
            }
        }
        Ok(g)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(out, "<group id=\"{}\">", self.id);
        text_el(out, "displayname", &self.displayname);
        text_el(out, "name", &self.name);
        num_el(out, "parent", self.parent);
        write_peers(out, self.peers_href.as_deref(), &self.peers, false);
        num_el(out, "policy", self.policy);
        num_el(out, "priority", self.priority);
        num_el(out, "type", self.kind);
        out.push_str("</group>");
    }
}

impl XmlModel for Policy {
    const TAG: &'static str = "policy";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut p = Policy::default();
        if let Some(id) = doc.attr(&el, "id")? {
            p.id = doc.parse_number("policy id", &id)?;
        }
        while let Some(c) = doc.child(&el)? {
            match c.name() {
                "name" => p.name = doc.text(&c)?,
                "data" => {
                    let data = doc.text(&c)?;
                    p.data = PolicyItems::from_base64(&data)
                        .map_err(|e| doc.error(&format!("<data> of policy {}: {e}", p.id)))?;
                }
                _ => doc.skip(&c)?,
            }
        }
        Ok(p)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(out, "<policy id=\"{}\">", self.id);
        text_el(out, "data", &self.data.to_base64());
        text_el(out, "name", &self.name);
        out.push_str("</policy>");
    }
}

impl XmlModel for Member {
    const TAG: &'static str = "member";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut m = Member {
            name: doc.attr(&el, "name")?.unwrap_or_default(),
            ..Member::default()
        };
        while let Some(c) = doc.child(&el)? {
            match c.name() {
                "flags" => m.flags = MemberFlags::from_bits_retain(doc.number(&c)?),
                _ => doc.skip(&c)?,
            }
        }
        Ok(m)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(out, "<member name=\"{}\">", escape(&self.name));
        num_el(out, "flags", self.flags.bits());
        out.push_str("</member>");
    }
}

impl XmlModel for GroupChat {
    const TAG: &'static str = "groupchat";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut g = GroupChat {
            name: doc.attr(&el, "name")?.unwrap_or_default(),
            ..GroupChat::default()
        };
        while let Some(c) = doc.child(&el)? {
            match c.name() {
                "displayname" => g.displayname = doc.text(&c)?,
                "flags" => g.flags = GroupChatFlags::from_bits_retain(doc.number(&c)?),
                "topic" => g.topic = doc.text(&c)?,
                "messageTimestamp" => g.message_timestamp = doc.number(&c)?,
                "media" => g.media_href = doc.href_and_skip(&c)?,
                "messages" => g.messages_href = doc.href_and_skip(&c)?,
                "groups" => {
                    g.groups_href = doc.attr(&c, "href")?;
                    while let Some(x) = doc.child(&c)? {
                        if x.name() == "group"
                            && let Some(id) = doc.attr(&x, "id")?
                        {
                            g.groups.push(doc.parse_number("group id", &id)?);
                        }
                        doc.skip(&x)?;
                    }
                }
                "members" => {
                    g.members_href = doc.attr(&c, "href")?;
                    while let Some(x) = doc.child(&c)? {
                        if x.name() == Member::TAG {
                            g.members.push(Member::read(doc, x)?);
                        } else {
                            doc.skip(&x)?;
                        }
                    }
                }
                _ => doc.skip(&c)?,
            }
        }
        Ok(g)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(out, "<groupchat name=\"{}\">", escape(&self.name));
        text_el(out, "displayname", &self.displayname);
        num_el(out, "flags", self.flags.bits());
        if self.groups.is_empty() {
            href_el(out, "groups", self.groups_href.as_deref());
        } else {
            open_with_href(out, "groups", self.groups_href.as_deref());
            for id in &self.groups {
                let _ = write!(out, "<group id=\"{id}\"/>");
            }
            out.push_str("</groups>");
        }
        href_el(out, "media", self.media_href.as_deref());
        write_members(out, self.members_href.as_deref(), &self.members, false);
        num_el(out, "messageTimestamp", self.message_timestamp);
        href_el(out, "messages", self.messages_href.as_deref());
        text_el(out, "topic", &self.topic);
        out.push_str("</groupchat>");
    }
}

impl XmlModel for MediaItem {
    const TAG: &'static str = "media";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut m = MediaItem {
            id: doc.attr(&el, "m")?.unwrap_or_default(),
            ..MediaItem::default()
        };
        while let Some(c) = doc.child(&el)? {
            match c.name() {
                "createdAt" => m.created_at = doc.number(&c)?,
                "expiresAt" => m.expires_at = doc.number(&c)?,
                "size" => m.size = doc.number(&c)?,
                "owner" => m.owner = doc.text(&c)?,
                "type" => m.content_type = doc.text(&c)?,
                "name" => m.name = doc.text(&c)?,
                "thumbnail" => m.thumbnail = doc.text(&c)?.trim().to_owned(),
                "data" => m.data = doc.text(&c)?.trim().to_owned(),
                _ => doc.skip(&c)?,
            }
        }
        Ok(m)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(out, "<media m=\"{}\">", escape(&self.id));
        num_el(out, "createdAt", self.created_at);
        num_el(out, "expiresAt", self.expires_at);
        num_el(out, "size", self.size);
        text_el(out, "owner", &self.owner);
        text_el(out, "type", &self.content_type);
        text_el(out, "name", &self.name);
        text_el(out, "thumbnail", &self.thumbnail);
        text_el(out, "data", &self.data);
        out.push_str("</media>");
    }
}

impl XmlModel for Message {
    const TAG: &'static str = "message";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut m = Message::default();
        if !message_attrs_plain(doc, &el, &mut m)? {
            m = Message::default();
            message_attrs(doc, &el, &mut m)?;
        }
        m.text = doc.text(&el)?;
        Ok(m)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            "<message timestamp=\"{}\" from=\"{}\">{}</message>",
            self.timestamp,
            escape(&self.from),
            escape(&self.text)
        );
    }
}

/// A message's attributes the general way (`attrs`, unrolled: a timestamp of plain digits is
/// read as is, `from` is copied once at its exact size).
fn message_attrs(doc: &XmlReader<'_>, el: &XmlElement<'_>, m: &mut Message) -> Result<()> {
    for a in attributes(el) {
        let a = a.map_err(|e| doc.error(&format!("malformed attribute ({e})")))?;
        match a.key.0 {
            "timestamp" => {
                m.timestamp = match plain_u64(&a.value) {
                    Some(n) => n,
                    None => doc.parse_number("message timestamp", &doc.value_cow(&a)?)?,
                };
            }
            "from" => m.from = doc.value_cow(&a)?.into_owned(),
            _ => {
                doc.value_cow(&a)?;
            }
        }
    }
    Ok(())
}

/// A message's attributes, read straight from the start tag when it is plain: every attribute
/// `key="value"` (or `'value'`) with no whitespace around `=`, and no value needing
/// normalisation. Those tags are split exactly as quick-xml splits them; for anything else
/// (or an attribute to unescape) it returns `false` having kept nothing, and the caller reads
/// the attributes with [`message_attrs`], errors included.
#[inline]
fn message_attrs_plain(doc: &XmlReader<'_>, el: &XmlElement<'_>, m: &mut Message) -> Result<bool> {
    let raw = el.start.attributes_raw();
    let bytes = raw.as_bytes();
    let mut i = 0;
    loop {
        // quick-xml's whitespace: space, tab, CR, LF
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i == bytes.len() {
            return Ok(true);
        }
        // the key runs to `=`; an empty key, or a control character or whitespace first: the
        // general way
        let key_start = i;
        match find_stop(&bytes[i..], b'=', b'=', 0x21) {
            Some(n) if n > 0 && bytes[i + n] == b'=' => i += n,
            _ => return Ok(false),
        }
        let key = &raw[key_start..i];
        let Some(&quote) = bytes.get(i + 1) else {
            return Ok(false);
        };
        if quote != b'"' && quote != b'\'' {
            return Ok(false);
        }
        // the value runs to the closing quote; an `&` or a control character first: the
        // general way (it needs normalising)
        let value_start = i + 2;
        let len = match find_stop(&bytes[value_start..], quote, b'&', 0x20) {
            Some(n) if bytes[value_start + n] == quote => n,
            _ => return Ok(false),
        };
        let value = &raw[value_start..value_start + len];
        i = value_start + len + 1;
        match key {
            "timestamp" => {
                m.timestamp = match plain_u64(value) {
                    Some(n) => n,
                    None => doc.parse_number("message timestamp", value)?,
                };
            }
            "from" => m.from = value.to_owned(),
            _ => {}
        }
    }
}

impl XmlModel for MessageWeek {
    const TAG: &'static str = "week";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut w = MessageWeek::default();
        doc.attrs(&el, |d, k, v| {
            match k {
                "year" => w.year = d.parse_number("week year", &v)?,
                "week" => w.week = d.parse_number("week week", &v)?,
                "messages" => w.messages = d.parse_number("week messages", &v)?,
                "flags" => w.flags = d.parse_number("week flags", &v)?,
                "href" => w.href = Some(v.into_owned()),
                _ => {}
            }
            Ok(())
        })?;
        doc.skip(&el)?;
        Ok(w)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(out, "<week flags=\"{}\"", self.flags);
        if let Some(h) = &self.href {
            let _ = write!(out, " href=\"{}\"", escape(h));
        }
        let _ = write!(
            out,
            " messages=\"{}\" week=\"{}\" year=\"{}\"/>",
            self.messages, self.week, self.year
        );
    }
}

impl XmlModel for MessageHistory {
    const TAG: &'static str = "messages";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut h = MessageHistory::default();
        doc.attrs(&el, |d, k, v| {
            match k {
                "conversation" => h.conversation = v.into_owned(),
                "medium" => h.medium = v.into_owned(),
                "name" => h.name = v.into_owned(),
                "revision" => h.revision = d.parse_number("revision", &v)?,
                _ => {}
            }
            Ok(())
        })?;
        while let Some(c) = doc.child(&el)? {
            if c.name() == MessageWeek::TAG {
                h.weeks.push(MessageWeek::read(doc, c)?);
            } else {
                doc.skip(&c)?;
            }
        }
        Ok(h)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            "<messages conversation=\"{}\" medium=\"{}\" name=\"{}\" revision=\"{}\">",
            escape(&self.conversation),
            escape(&self.medium),
            escape(&self.name),
            self.revision
        );
        for w in &self.weeks {
            w.write(out);
        }
        out.push_str("</messages>");
    }
}

impl XmlModel for Device {
    const TAG: &'static str = "device";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut dev = Device::default();
        doc.attrs(&el, |d, k, v| {
            match k {
                "ip" => dev.ip = d.parse_number("device ip", &v)?,
                "name" => dev.name = v.into_owned(),
                "platform" => dev.platform = v.into_owned(),
                "version" => dev.version = v.into_owned(),
                "build" => dev.build = v.into_owned(),
                _ => {}
            }
            Ok(())
        })?;
        doc.skip(&el)?;
        Ok(dev)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            "<device ip=\"{}\" name=\"{}\" platform=\"{}\" version=\"{}\" build=\"{}\"/>",
            self.ip,
            escape(&self.name),
            escape(&self.platform),
            escape(&self.version),
            escape(&self.build)
        );
    }
}

impl XmlModel for Presence {
    const TAG: &'static str = "presence";
    fn read(doc: &mut XmlReader<'_>, el: XmlElement<'_>) -> Result<Self> {
        let mut p = Presence::default();
        doc.attrs(&el, |d, k, v| {
            match k {
                "name" => p.name = v.into_owned(),
                "status" => {
                    p.status = PresenceStatus::from_code(d.parse_number("presence status", &v)?);
                }
                "message" => p.message = v.into_owned(),
                "timestamp" => p.timestamp = d.parse_number("presence timestamp", &v)?,
                _ => {}
            }
            Ok(())
        })?;
        while let Some(c) = doc.child(&el)? {
            if c.name() == "devices" {
                while let Some(x) = doc.child(&c)? {
                    if x.name() == Device::TAG {
                        p.devices.push(Device::read(doc, x)?);
                    } else {
                        doc.skip(&x)?;
                    }
                }
            } else {
                doc.skip(&c)?;
            }
        }
        Ok(p)
    }
    fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            "<presence name=\"{}\" status=\"{}\" message=\"{}\" timestamp=\"{}\"><devices>",
            escape(&self.name),
            self.status.code(),
            escape(&self.message),
            self.timestamp
        );
        for d in &self.devices {
            d.write(out);
        }
        out.push_str("</devices></presence>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_wise_scans_agree_with_a_plain_search() {
        let samples: [&[u8]; 7] = [
            b"",
            b"abc",
            b"abcdefgh<",
            b"0123456789abcdef\r",
            b"a\xc3\xa9\xe2\x82\xac<&\"'\t",
            b"\x80\x80\x80\x80\x80\x80\x80\x80\x80=",
            b"&&&&&&&&&&&&&&&&&&&&",
        ];
        for s in samples {
            for start in 0..s.len() {
                let s = &s[start..];
                for x in [b'<', b'\r', b'&', b'=', b'"'] {
                    assert_eq!(find_byte(s, x), s.iter().position(|&b| b == x), "{s:?} {x}");
                    let stop = s.iter().position(|&b| b == x || b == b'&' || b < 0x21);
                    assert_eq!(find_stop(s, x, b'&', 0x21), stop, "{s:?} {x}");
                }
                let special = s.iter().any(|&b| b == b'&' || b < 0x20);
                assert_eq!(needs_normalizing(s), special, "{s:?}");
            }
        }
    }

    #[test]
    fn plain_digits_only() {
        assert_eq!(plain_u64("1464200972389"), Some(1_464_200_972_389));
        assert_eq!(plain_u64("0"), Some(0));
        assert_eq!(
            plain_u64("9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        for s in ["", "+1", "-1", " 1", "1 ", "1a", "18446744073709551615"] {
            assert_eq!(plain_u64(s), None, "{s:?}");
        }
    }

    fn one(tag: &str) -> Result<Message> {
        let body = format!("<response><messages>{tag}</messages></response>");
        decode_messages(body.as_bytes(), "t").map(|mut v| v.remove(0))
    }

    /// The direct read of plain start tags gives what quick-xml's attribute reader gives.
    #[test]
    fn plain_tags_read_like_the_general_way() {
        let tags = [
            r#"<message timestamp="12" from="a@d">x</message>"#,
            r#"<message from='a"b' timestamp='007'>x</message>"#,
            r#"<message timestamp="12"from="a@d">x</message>"#,
            "<message\ttimestamp=\"12\"\n from=\"a@d\" >x</message>",
            r#"<message timestamp = "12" from="a">x</message>"#,
            r#"<message from="a&amp;b" timestamp="&#49;2">x</message>"#,
            "<message from=\"a\tb\" timestamp=\" 12 \">x</message>",
            r#"<message timestamp="" from="">x</message>"#,
            r#"<message timestamp="12" from="a" from="b" x="&lt;">x</message>"#,
            r#"<message ="1" timestamp="12">x</message>"#,
            r#"<message timestamp="99999999999999999999">x</message>"#,
            r#"<message timestamp="12" from="a@d" bad="&nope;">x</message>"#,
            r#"<message timestamp="12" from=a>x</message>"#,
            r#"<message timestamp="12" from>x</message>"#,
            r#"<message timestamp="1x">x</message>"#,
            r#"<message timestamp="12" from="é€"/>"#,
        ];
        for tag in tags {
            let body = format!("<response><messages>{tag}</messages></response>");
            let (mut doc, root) = XmlReader::open(body.as_bytes(), "t", "response").unwrap();
            let wrapper = doc.child(&root).unwrap().unwrap();
            let el = doc.child(&wrapper).unwrap().unwrap();
            let mut general = Message::default();
            let general = message_attrs(&doc, &el, &mut general).map(|()| general);
            let mut plain = Message::default();
            match message_attrs_plain(&doc, &el, &mut plain) {
                Ok(true) => assert_eq!(general.ok(), Some(plain), "{tag}"),
                Ok(false) => {}
                Err(e) => assert_eq!(
                    general.err().map(|g| g.to_string()),
                    Some(e.to_string()),
                    "{tag}"
                ),
            }
            // and the whole decode agrees with the general way
            match one(tag) {
                Ok(m) => assert_eq!(m.timestamp, general_ts(tag), "{tag}"),
                Err(e) => assert!(matches!(e, Error::Decode { .. }), "{tag}: {e}"),
            }
        }
        let m = one(r#"<message from="a&amp;b" timestamp="&#49;2">x</message>"#).unwrap();
        assert_eq!((m.timestamp, m.from.as_str()), (12, "a&b"));
        let m = one("<message from=\"a\tb\" timestamp=\" 12 \">x</message>").unwrap();
        assert_eq!((m.timestamp, m.from.as_str()), (12, "a b"));
        assert!(one(r#"<message timestamp="12" from="a@d" bad="&nope;">x</message>"#).is_err());
        assert!(one(r#"<message timestamp="12" from=a>x</message>"#).is_err());
        assert!(one(r#"<message timestamp="1x">x</message>"#).is_err());
    }

    fn general_ts(tag: &str) -> u64 {
        let body = format!("<response><messages>{tag}</messages></response>");
        let (mut doc, root) = XmlReader::open(body.as_bytes(), "t", "response").unwrap();
        let wrapper = doc.child(&root).unwrap().unwrap();
        let el = doc.child(&wrapper).unwrap().unwrap();
        let mut m = Message::default();
        message_attrs(&doc, &el, &mut m).unwrap();
        m.timestamp
    }

    #[test]
    fn text_joined_from_runs_entities_cdata_and_line_ends() {
        let cases = [
            ("plain", "plain"),
            ("&lt;3 &amp; see you", "<3 & see you"),
            ("it&apos;s", "it's"),
            ("&quot;Blue&quot;", "\"Blue\""),
            ("a<![CDATA[<b>&amp;]]>c&#x20AC;", "a<b>&amp;c€"),
            ("<![CDATA[x]]>&#49;<!-- c -->y", "x1y"),
            ("l1\r\nl2\rl3&#13;", "l1\nl2\nl3\r"),
            ("&#x1F600;", "😀"),
            ("", ""),
        ];
        for (xml, text) in cases {
            let m = one(&format!(
                r#"<message timestamp="1" from="f">{xml}</message>"#
            ))
            .unwrap();
            assert_eq!(m.text, text, "{xml}");
        }
        for bad in ["&nope;", "&#0;", "a&#xZZ;"] {
            let tag = format!(r#"<message timestamp="1" from="f">{bad}</message>"#);
            assert!(matches!(one(&tag), Err(Error::Decode { .. })), "{bad}");
        }
    }
}

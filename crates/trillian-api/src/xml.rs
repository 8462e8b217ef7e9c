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
                    let run = t.xml10_content();
                    if out.is_empty() {
                        out = run;
                    } else {
                        owned(&mut out).push_str(&run);
                    }
                }
                Event::CData(c) if nested == 0 => owned(&mut out).push_str(&c.into_inner()),
                Event::GeneralRef(r) if nested == 0 => {
                    if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => owned(&mut out).push(c),
                            _ => return Err(self.error("invalid character reference")),
                        }
                    } else if let Some(s) = resolve_predefined_entity(&r) {
                        owned(&mut out).push_str(s);
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
        // no early exit: the compiler vectorises the whole scan
        let special = a
            .value
            .bytes()
            .fold(false, |acc, b| acc | (b == b'&') | (b < 0x20));
        if !special {
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

/// The text being joined, made owned with room for the pieces still to come.
fn owned<'c>(out: &'c mut Cow<'_, str>) -> &'c mut String {
    if let Cow::Borrowed(b) = out {
        let mut s = String::with_capacity(b.len() * 2 + 16);
        s.push_str(b);
        *out = Cow::Owned(s);
    }
    out.to_mut()
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
        doc.attrs(&el, |d, k, v| {
            match k {
                "timestamp" => m.timestamp = d.parse_number("message timestamp", &v)?,
                "from" => m.from = v.into_owned(),
                _ => {}
            }
            Ok(())
        })?;
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

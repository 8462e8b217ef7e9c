//! Message history of users and group chats: weeks, a week's messages, send, delete.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::Event;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::xml::{Xml, XmlWriter};
use super::{Form, Principal, Seg, route, seg};
use crate::AppState;
use crate::store;
use crate::store::groupchat::GroupchatRow;
use crate::store::message::{self, ConversationRow, MessageRow};
use trillian_api::model::{Message, MessageHistory, MessageWeek};

/// GROUPCHAT_DISABLE_MESSAGE_SEND.
const DISABLE_MESSAGE_SEND: u32 = 0x2000;
/// The medium of every conversation the sandbox holds.
const MEDIUM: &str = "astra";
/// Largest message text accepted.
const MAX_MESSAGE: usize = 64 * 1024;

#[derive(Debug, Clone, Copy)]
enum Kind {
    User,
    Groupchat,
}

pub fn user_routes(r: Router<AppState>) -> Router<AppState> {
    routes(r, "/v2/{domain}/users/{user}/messages/", Kind::User)
}

pub fn groupchat_routes(r: Router<AppState>) -> Router<AppState> {
    routes(
        r,
        "/v2/{domain}/groupchats/{groupchat}/messages/",
        Kind::Groupchat,
    )
}

type Two = Seg<(String, String)>;
type Three = Seg<(String, String, String)>;
type Five = Seg<(String, String, String, String, String)>;

fn routes(r: Router<AppState>, base: &str, kind: Kind) -> Router<AppState> {
    let top = get(move |s: State<AppState>, p: Principal, Seg((_, o)): Two| weeks(kind, s, p, o))
        .post(
            move |s: State<AppState>, p: Principal, Seg((_, o)): Two, f: Form| {
                send(kind, s, p, o, f)
            },
        );
    let r = route(r, base, top);
    let all = delete(
        move |s: State<AppState>, p: Principal, Seg((_, o, c)): Three| delete_all(kind, s, p, o, c),
    );
    let r = route(r, &format!("{base}{{conversation}}/"), all);
    let week = get(
        move |s: State<AppState>, p: Principal, Seg((_, o, c, y, w)): Five| {
            week(kind, s, p, o, c, y, w)
        },
    )
    .delete(
        move |s: State<AppState>, p: Principal, Seg((_, o, c, y, w)): Five, f: Form| {
            delete_week(kind, s, p, o, c, y, w, f)
        },
    );
    route(
        r,
        &format!("{base}{{conversation}}/{{year}}/{{week}}/"),
        week,
    )
}

fn hex40(input: &str) -> String {
    Sha256::digest(input.as_bytes())
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The conversation id of a group chat.
pub fn groupchat_conv(name: &str) -> String {
    hex40(&format!("groupchat\n{name}"))
}

/// The conversation id between two users (order does not matter).
pub fn pair_conv(a: &str, b: &str) -> (String, String, String) {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (
        hex40(&format!("pair\n{lo}\n{hi}")),
        lo.to_owned(),
        hi.to_owned(),
    )
}

/// ISO-8601 (year, week) of a unix-milliseconds timestamp.
pub fn iso_week(ms: i64) -> (i32, u8) {
    let nanos = i128::from(ms) * 1_000_000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => {
            let (y, w, _) = t.to_iso_week_date();
            (y, w)
        }
        Err(_) => (1970, 1),
    }
}

/// Appends a message to a conversation (created on first use), bumping its revision.
pub fn append(
    c: &Connection,
    d: i64,
    conv: &str,
    name: Option<&str>,
    pair: Option<(&str, &str)>,
    m: &MessageRow,
) -> rusqlite::Result<()> {
    let id = match message::by_conv(c, d, conv)? {
        Some(row) => row.id,
        None => message::insert_conversation(c, d, conv, name, pair)?,
    };
    let (y, w) = iso_week(m.timestamp);
    message::insert(c, id, y, w, m)?;
    message::bump_revision(c, id)
}

/// The owner exists and the token may read (`write`: delete) its history; returns the chat when
/// it is one.
fn resolve(
    c: &Connection,
    p: &Principal,
    kind: Kind,
    owner: &str,
    write: bool,
) -> ApiResult<Option<GroupchatRow>> {
    match kind {
        Kind::User => {
            super::user::find(c, p.domain_id, owner)?;
            if write {
                p.admin()?
            } else {
                p.admin_or(owner)?
            }
            Ok(None)
        }
        Kind::Groupchat => {
            let g = super::groupchat::find(c, p.domain_id, owner)?;
            if write {
                p.admin()?;
            } else {
                super::groupchat::member_access(c, p, &g)?;
            }
            Ok(Some(g))
        }
    }
}

/// The owner's conversation named in the path, or 404. None: a chat without messages yet.
fn conversation(
    c: &Connection,
    d: i64,
    kind: Kind,
    owner: &str,
    conv: &str,
) -> ApiResult<Option<ConversationRow>> {
    let not_found = || ApiError::not_found(format!("no conversation {conv}"));
    match kind {
        Kind::Groupchat => {
            if conv != groupchat_conv(owner) {
                return Err(not_found());
            }
            Ok(message::of_groupchat(c, d, owner)?)
        }
        Kind::User => {
            let row = message::by_conv(c, d, conv)?.ok_or_else(not_found)?;
            if row.a.as_deref() == Some(owner) || row.b.as_deref() == Some(owner) {
                Ok(Some(row))
            } else {
                Err(not_found())
            }
        }
    }
}

fn messages_href(root: &str, kind: Kind, owner: &str) -> String {
    let area = match kind {
        Kind::User => "users",
        Kind::Groupchat => "groupchats",
    };
    format!("{root}/{area}/{}/messages/", seg(owner))
}

fn write_conversation(
    w: &mut XmlWriter,
    c: &Connection,
    href: &str,
    conv: &str,
    name: &str,
    row: Option<&ConversationRow>,
) -> ApiResult<()> {
    let weeks = match row {
        Some(r) => message::weeks(c, r.id)?,
        None => Vec::new(),
    };
    w.model(&MessageHistory {
        conversation: conv.to_owned(),
        medium: MEDIUM.to_owned(),
        name: name.to_owned(),
        revision: super::unsigned(row.map(|r| r.revision).unwrap_or(0)),
        weeks: weeks
            .iter()
            .map(|wk| MessageWeek {
                year: wk.year,
                week: u32::from(wk.week),
                messages: super::unsigned(wk.messages),
                flags: 0,
                href: Some(format!("{href}{conv}/{}/{}/", wk.year, wk.week)),
            })
            .collect(),
    });
    Ok(())
}

async fn weeks(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
) -> ApiResult<Xml> {
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .read(move |c| {
            resolve(c, &p, kind, &owner, false)?;
            let href = messages_href(&root, kind, &owner);
            let mut w = XmlWriter::response();
            match kind {
                Kind::Groupchat => {
                    let row = message::of_groupchat(c, d, &owner)?;
                    write_conversation(
                        &mut w,
                        c,
                        &href,
                        &groupchat_conv(&owner),
                        &owner,
                        row.as_ref(),
                    )?;
                }
                Kind::User => {
                    for row in message::of_user(c, d, &owner)? {
                        let other = if row.a.as_deref() == Some(owner.as_str()) {
                            &row.b
                        } else {
                            &row.a
                        };
                        let other = other.clone().unwrap_or_default();
                        write_conversation(&mut w, c, &href, &row.conv, &other, Some(&row))?;
                    }
                }
            }
            Ok(Xml::ok(w))
        })
        .await
}

fn parse_week(year: &str, week: &str) -> ApiResult<(i32, u8)> {
    let y: i32 = year
        .parse()
        .map_err(|_| ApiError::bad(format!("year must be an integer, got {year:?}")))?;
    let w: u8 = week
        .parse()
        .map_err(|_| ApiError::bad(format!("week must be an integer, got {week:?}")))?;
    if !(1..=53).contains(&w) || !(1970..=9999).contains(&y) {
        return Err(ApiError::bad(format!("no ISO week {y}-W{w}")));
    }
    Ok((y, w))
}

/// Writes `<message timestamp=".." from="..">text</message>`.
pub fn write_message(w: &mut XmlWriter, m: &MessageRow) {
    w.model(&message_model(m));
}

fn message_model(m: &MessageRow) -> Message {
    Message {
        timestamp: super::unsigned(m.timestamp),
        from: m.from.clone(),
        text: m.text.clone(),
    }
}

async fn week(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
    conv: String,
    year: String,
    week: String,
) -> ApiResult<Xml> {
    let (y, wk) = parse_week(&year, &week)?;
    let d = p.domain_id;
    state
        .db
        .read(move |c| {
            resolve(c, &p, kind, &owner, false)?;
            let row = conversation(c, d, kind, &owner, &conv)?;
            let list = match row {
                Some(r) => message::week(c, r.id, y, wk)?,
                None => Vec::new(),
            };
            let mut w = XmlWriter::with_capacity(64 + list.len() * 128);
            let models: Vec<Message> = list.iter().map(message_model).collect();
            w.raw(&trillian_api::xml::encode_message_block(&models));
            Ok(Xml::ok(w))
        })
        .await
}

async fn send(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
    Form(f): Form,
) -> ApiResult<Xml> {
    let from = f.required("from")?.to_owned();
    let text = f.required("message")?.to_owned();
    // The reference: "The token provided to this call must be owned by the sender of the message".
    if p.user() != Some(from.as_str()) {
        return Err(ApiError::Unauthorized("the token must be the sender's own"));
    }
    if text.len() > MAX_MESSAGE {
        return Err(ApiError::bad(format!(
            "message longer than {MAX_MESSAGE} bytes"
        )));
    }
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let m = MessageRow {
                timestamp: store::now_millis(),
                from: from.clone(),
                text,
            };
            match kind {
                Kind::Groupchat => {
                    let g = super::groupchat::find(tx, d, &owner)?;
                    let flags = super::groupchat::member_access(tx, &p, &g)?.unwrap_or(0);
                    if g.flags & DISABLE_MESSAGE_SEND != 0
                        && flags & super::groupchat::MEMBER_OP == 0
                    {
                        return Err(ApiError::Unauthorized(
                            "sending is disabled in this group chat",
                        ));
                    }
                    append(tx, d, &groupchat_conv(&g.name), Some(&g.name), None, &m)?;
                }
                Kind::User => {
                    let to = super::user::find(tx, d, &owner)?;
                    let (conv, a, b) = pair_conv(&from, &to.im);
                    append(tx, d, &conv, None, Some((&a, &b)), &m)?;
                }
            }
            let mut w = XmlWriter::response();
            write_message(&mut w, &m);
            Ok(Xml::ok(w))
        })
        .await
}

/// Reads the `<message>` elements of a decoded `block`.
pub fn parse_block(xml: &str) -> ApiResult<Vec<MessageRow>> {
    let bad = |why: &str| ApiError::bad(format!("block is not a <messages> fragment: {why}"));
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current: Option<MessageRow> = None;
    let mut depth = 0usize;
    loop {
        match reader.read_event().map_err(|e| bad(&e.to_string()))? {
            Event::Start(e) => {
                depth += 1;
                if depth > 16 {
                    return Err(bad("nested too deeply"));
                }
                if e.name().as_ref() == "message" {
                    let mut m = MessageRow {
                        timestamp: -1,
                        from: String::new(),
                        text: String::new(),
                    };
                    for a in e.attributes() {
                        let a = a.map_err(|e| bad(&e.to_string()))?;
                        let v = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| bad(&e.to_string()))?;
                        match a.key.as_ref() {
                            "timestamp" => {
                                m.timestamp = v
                                    .trim()
                                    .parse()
                                    .map_err(|_| bad("timestamp is not an integer"))?;
                            }
                            "from" => m.from = v.into_owned(),
                            _ => {}
                        }
                    }
                    if m.timestamp < 0 || m.from.is_empty() {
                        return Err(bad("a message lacks timestamp or from"));
                    }
                    current = Some(m);
                }
            }
            Event::Empty(e) if e.name().as_ref() == "message" => {
                return Err(bad("empty <message/>"));
            }
            Event::Text(t) => {
                if let Some(m) = current.as_mut() {
                    m.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(m) = current.as_mut() {
                    m.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(m) = current.as_mut() {
                    let ch = match r.resolve_char_ref().map_err(|e| bad(&e.to_string()))? {
                        Some(ch) => ch,
                        None => match r.into_inner().as_ref() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "quot" => '"',
                            "apos" => '\'',
                            _ => return Err(bad("unknown entity")),
                        },
                    };
                    m.text.push(ch);
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if e.name().as_ref() == "message"
                    && let Some(m) = current.take()
                {
                    out.push(m);
                }
            }
            Event::DocType(_) => return Err(bad("DOCTYPE is not allowed")),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn delete_week(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
    conv: String,
    year: String,
    week: String,
    Form(f): Form,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let (y, wk) = parse_week(&year, &week)?;
    let block = match f.get("block") {
        Some(b) => {
            let compact: String = b.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = STANDARD
                .decode(compact)
                .map_err(|_| ApiError::bad("block is not valid Base64"))?;
            let xml = String::from_utf8(bytes).map_err(|_| ApiError::bad("block is not UTF-8"))?;
            Some(parse_block(&xml)?)
        }
        None => None,
    };
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            resolve(tx, &p, kind, &owner, true)?;
            if let Some(row) = conversation(tx, d, kind, &owner, &conv)? {
                let removed = match &block {
                    Some(list) => {
                        let mut n = 0;
                        for m in list {
                            n += message::delete_matching(tx, row.id, y, wk, m)?;
                        }
                        n
                    }
                    None => message::delete_week(tx, row.id, y, wk)?,
                };
                if removed > 0 {
                    message::bump_revision(tx, row.id)?;
                }
            }
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

async fn delete_all(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
    conv: String,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            resolve(tx, &p, kind, &owner, true)?;
            if let Some(row) = conversation(tx, d, kind, &owner, &conv)?
                && message::delete_all(tx, row.id)? > 0
            {
                message::bump_revision(tx, row.id)?;
            }
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

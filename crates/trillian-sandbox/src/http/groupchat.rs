//! Group chats and their members.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use rusqlite::Connection;

use super::error::{ApiError, ApiResult};
use super::xml::inner;
use super::xml::{Xml, XmlWriter};
use super::{Form, Principal, Query, Seg, route, seg};
use crate::AppState;
use crate::store::groupchat::{self, GroupchatRow};
use crate::store::user;
use trillian_api::model::{GroupChat, GroupChatFlags, Member, MemberFlags};

/// GROUPCHAT_MEMBER_OP.
pub const MEMBER_OP: u32 = 0x1;

pub fn router() -> Router<AppState> {
    let r = Router::new();
    let r = route(r, "/v2/{domain}/groupchats/", get(list).post(create));
    let r = route(
        r,
        "/v2/{domain}/groupchats/{groupchat}/",
        get(one).patch(update).post(update),
    );
    let r = route(
        r,
        "/v2/{domain}/groupchats/{groupchat}/members/",
        get(members),
    );
    let member = post(add_member).patch(add_member).delete(remove_member);
    let r = route(
        r,
        "/v2/{domain}/groupchats/{groupchat}/members/{member}/",
        member,
    );
    let r = super::media::groupchat_routes(r);
    super::message::groupchat_routes(r)
}

/// The group chat addressed by the path, or 404.
pub fn find(c: &Connection, d: i64, name: &str) -> ApiResult<GroupchatRow> {
    groupchat::get(c, d, name)?.ok_or_else(|| ApiError::not_found(format!("no group chat {name}")))
}

/// The administrator, or a member of the chat (who gets their member flags back).
pub fn member_access(c: &Connection, p: &Principal, gc: &GroupchatRow) -> ApiResult<Option<u32>> {
    let Some(im) = p.user() else { return Ok(None) };
    let u = user::get(c, p.domain_id, im)?.ok_or(ApiError::Unauthorized("unknown user"))?;
    match groupchat::member_flags(c, gc.id, u.id)? {
        Some(flags) => Ok(Some(flags)),
        None => Err(ApiError::Unauthorized("not a member of this group chat")),
    }
}

fn members_model(members: &[(String, u32)]) -> Vec<Member> {
    members
        .iter()
        .map(|(im, flags)| Member {
            name: im.clone(),
            flags: MemberFlags::from_bits_retain(*flags),
        })
        .collect()
}

fn write_member(w: &mut XmlWriter, im: &str, flags: u32) {
    w.model(&Member {
        name: im.to_owned(),
        flags: MemberFlags::from_bits_retain(flags),
    });
}

/// Writes `<groupchat name="...">...</groupchat>` with optional expansions.
pub fn write_groupchat(
    w: &mut XmlWriter,
    root: &str,
    g: &GroupchatRow,
    groups: Option<&[i64]>,
    members: Option<&[(String, u32)]>,
) {
    let base = format!("{root}/groupchats/{}", seg(&g.name));
    w.model(&GroupChat {
        name: g.name.clone(),
        displayname: g.displayname.clone(),
        flags: GroupChatFlags::from_bits_retain(g.flags),
        topic: g.topic.clone(),
        message_timestamp: super::unsigned(g.message_timestamp),
        groups_href: Some(format!("{base}/groups/")),
        groups: groups
            .unwrap_or(&[])
            .iter()
            .map(|id| super::unsigned(*id))
            .collect(),
        media_href: Some(format!("{base}/media/")),
        members_href: Some(format!("{base}/members/")),
        members: members.map(members_model).unwrap_or_default(),
        messages_href: Some(format!("{base}/messages/")),
    });
}

struct Expand {
    groups: bool,
    members: bool,
}

impl Expand {
    fn from_query(q: &super::Params) -> ApiResult<Expand> {
        Ok(Expand {
            groups: q.expand("groups")?,
            members: q.expand("members")?,
        })
    }

    fn write(
        &self,
        c: &Connection,
        w: &mut XmlWriter,
        root: &str,
        g: &GroupchatRow,
    ) -> ApiResult<()> {
        let groups = if self.groups {
            Some(groupchat::groups(c, g.id)?)
        } else {
            None
        };
        let members = if self.members {
            Some(groupchat::members(c, g.id)?)
        } else {
            None
        };
        write_groupchat(w, root, g, groups.as_deref(), members.as_deref());
        Ok(())
    }
}

async fn list(State(state): State<AppState>, p: Principal, Query(q): Query) -> ApiResult<Xml> {
    let expand = Expand::from_query(&q)?;
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .read(move |c| {
            let mut w = XmlWriter::response();
            for g in groupchat::list(c, d)? {
                // A user sees the chats they are a member of.
                if p.user().is_some() && member_access(c, &p, &g).is_err() {
                    continue;
                }
                expand.write(c, &mut w, &root, &g)?;
            }
            Ok(Xml::ok(w))
        })
        .await
}

async fn one(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, name)): Seg<(String, String)>,
    Query(q): Query,
) -> ApiResult<Xml> {
    let expand = Expand::from_query(&q)?;
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .read(move |c| {
            let g = find(c, d, &name)?;
            member_access(c, &p, &g)?;
            let mut w = XmlWriter::response();
            expand.write(c, &mut w, &root, &g)?;
            Ok(Xml::ok(w))
        })
        .await
}

/// `#` + 40 hex digits + `@domain`, like the reference's names.
fn new_name(domain: &str, displayname: &str, seq: i64) -> String {
    use sha2::{Digest, Sha256};
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let digest = Sha256::digest(format!("{domain}\n{displayname}\n{seq}\n{now}").as_bytes());
    let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("#{hex}@{domain}")
}

async fn create(State(state): State<AppState>, p: Principal, Form(f): Form) -> ApiResult<Xml> {
    p.admin()?;
    let displayname = f.required("displayname")?.to_owned();
    let flags = f.int::<u32>("flags")?.unwrap_or(0);
    let topic = f.get("topic").unwrap_or("").to_owned();
    let (d, root, domain) = (p.domain_id, p.root.clone(), p.domain.clone());
    state
        .db
        .transact(move |tx| {
            let seq = groupchat::max_id(tx)?;
            let name = new_name(&domain, &displayname, seq);
            let id = groupchat::insert(tx, d, &name, &displayname, flags, &topic)?;
            let g = GroupchatRow {
                id,
                name,
                displayname,
                flags,
                topic,
                message_timestamp: 0,
            };
            let mut w = XmlWriter::response();
            write_groupchat(&mut w, &root, &g, None, None);
            Ok(Xml::created(w))
        })
        .await
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, name)): Seg<(String, String)>,
    Form(f): Form,
) -> ApiResult<Xml> {
    p.admin()?;
    let displayname = f.get("displayname").map(str::to_owned);
    let flags = f.int::<u32>("flags")?;
    let topic = f.get("topic").map(str::to_owned);
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .transact(move |tx| {
            let mut g = find(tx, d, &name)?;
            if let Some(v) = displayname {
                g.displayname = v;
            }
            if let Some(v) = flags {
                g.flags = v;
            }
            if let Some(v) = topic {
                g.topic = v;
            }
            groupchat::update(tx, &g)?;
            let mut w = XmlWriter::response();
            write_groupchat(&mut w, &root, &g, None, None);
            Ok(Xml::ok(w))
        })
        .await
}

async fn members(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, name)): Seg<(String, String)>,
) -> ApiResult<Xml> {
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .read(move |c| {
            let g = find(c, d, &name)?;
            member_access(c, &p, &g)?;
            let list = groupchat::members(c, g.id)?;
            let mut w = XmlWriter::response();
            let href = format!("{root}/groupchats/{}/members/", seg(&g.name));
            let doc = trillian_api::xml::encode_members(Some(&href), &members_model(&list));
            w.raw(inner(&doc));
            Ok(Xml::ok(w))
        })
        .await
}

async fn add_member(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, name, im)): Seg<(String, String, String)>,
    Form(f): Form,
) -> ApiResult<Xml> {
    p.admin()?;
    let flags = f.int::<u32>("flags")?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let g = find(tx, d, &name)?;
            let u = user::get(tx, d, &im)?
                .ok_or_else(|| ApiError::not_found(format!("no user {im}")))?;
            let existing = groupchat::member_flags(tx, g.id, u.id)?;
            let new_flags = flags.or(existing).unwrap_or(0);
            groupchat::put_member(tx, g.id, u.id, new_flags)?;
            let mut w = XmlWriter::response();
            write_member(&mut w, &u.im, new_flags);
            Ok(if existing.is_some() {
                Xml::ok(w)
            } else {
                Xml::created(w)
            })
        })
        .await
}

async fn remove_member(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, name, im)): Seg<(String, String, String)>,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let g = find(tx, d, &name)?;
            let u = user::get(tx, d, &im)?
                .ok_or_else(|| ApiError::not_found(format!("no user {im}")))?;
            if !groupchat::remove_member(tx, g.id, u.id)? {
                return Err(ApiError::not_found(format!(
                    "{im} is not a member of {name}"
                )));
            }
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

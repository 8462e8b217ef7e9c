//! Groups and group peers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use rusqlite::Connection;

use super::error::{ApiError, ApiResult};
use super::user::check_policy;
use super::xml::{Xml, XmlWriter};
use super::{Form, Principal, Query, Seg, id, route, unsigned};
use crate::AppState;
use crate::store::group::{self, GroupRow};
use trillian_api::model::Group;

pub fn router() -> Router<AppState> {
    let r = Router::new();
    let r = route(r, "/v2/{domain}/groups/", get(list).post(create));
    let r = route(
        r,
        "/v2/{domain}/groups/{group}/",
        get(one).patch(update).post(update).delete(remove),
    );
    let r = route(r, "/v2/{domain}/groups/{group}/peers/", get(peers));
    route(
        r,
        "/v2/{domain}/groups/{group}/peers/{peer}/",
        post(add_peer).patch(add_peer).delete(remove_peer),
    )
}

fn peers_href(root: &str, id: i64) -> String {
    format!("{root}/groups/{id}/peers/")
}

/// `<peers href="..."><peer id="1"/>...</peers>`.
fn write_peers(w: &mut XmlWriter, root: &str, id: i64, peers: &[i64]) {
    let list: Vec<u64> = peers.iter().map(|p| unsigned(*p)).collect();
    let doc = trillian_api::xml::encode_peers(Some(&peers_href(root, id)), &list);
    w.raw(super::xml::inner(&doc));
}

/// Writes `<group id="...">...</group>`; `peers` expanded when given.
pub fn write_group(w: &mut XmlWriter, root: &str, g: &GroupRow, peers: Option<&[i64]>) {
    w.model(&Group {
        id: unsigned(g.id),
        displayname: g.displayname.clone(),
        name: g.name.clone(),
        parent: unsigned(g.parent),
        peers_href: Some(peers_href(root, g.id)),
        peers: peers.unwrap_or(&[]).iter().map(|p| unsigned(*p)).collect(),
        policy: unsigned(g.policy),
        priority: g.priority,
        kind: u32::try_from(g.kind).unwrap_or(0),
    });
}

/// The group addressed by the path, or 404.
fn find(c: &Connection, d: i64, raw: &str) -> ApiResult<GroupRow> {
    let gid = id("group", raw)?;
    group::get(c, d, gid)?.ok_or_else(|| ApiError::not_found(format!("no group {gid}")))
}

async fn list(State(state): State<AppState>, p: Principal, Query(q): Query) -> ApiResult<Xml> {
    p.admin()?;
    let expand = q.expand("peers")?;
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .read(move |c| {
            let groups = group::list(c, d)?;
            let pairs = if expand {
                group::all_peers(c, d)?
            } else {
                Vec::new()
            };
            let mut w = XmlWriter::response();
            for g in &groups {
                if expand {
                    let mine: Vec<i64> = pairs
                        .iter()
                        .filter(|(a, _)| *a == g.id)
                        .map(|(_, b)| *b)
                        .collect();
                    write_group(&mut w, &root, g, Some(&mine));
                } else {
                    write_group(&mut w, &root, g, None);
                }
            }
            Ok(Xml::ok(w))
        })
        .await
}

async fn one(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, gid)): Seg<(String, String)>,
    Query(q): Query,
) -> ApiResult<Xml> {
    p.admin()?;
    let expand = q.expand("peers")?;
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .read(move |c| {
            let g = find(c, d, &gid)?;
            let mut w = XmlWriter::response();
            let peers = if expand {
                Some(group::peers(c, g.id)?)
            } else {
                None
            };
            write_group(&mut w, &root, &g, peers.as_deref());
            Ok(Xml::ok(w))
        })
        .await
}

/// Fields of a create or update; None where the request left them out.
struct Changes {
    displayname: Option<String>,
    name: Option<String>,
    parent: Option<i64>,
    policy: Option<i64>,
    priority: Option<i64>,
    kind: Option<i64>,
}

impl Changes {
    fn from_form(f: &super::Params) -> ApiResult<Changes> {
        Ok(Changes {
            displayname: f.get("displayname").map(str::to_owned),
            name: f.get("name").map(str::to_owned),
            parent: f.int("parent")?,
            policy: f.int("policy")?,
            priority: f.int("priority")?,
            kind: f.int("type")?,
        })
    }

    /// Applies and validates against the domain's other groups and policies.
    fn apply(self, c: &Connection, d: i64, g: &mut GroupRow) -> ApiResult<()> {
        if let Some(v) = self.displayname {
            g.displayname = v;
        }
        if let Some(v) = self.name {
            if v.is_empty() {
                return Err(ApiError::bad("name cannot be empty"));
            }
            g.name = v;
        }
        if let Some(parent) = self.parent {
            if parent != 0 {
                if group::get(c, d, parent)?.is_none() {
                    return Err(ApiError::bad(format!("unknown parent group {parent}")));
                }
                // The parent chain must not come back to this group.
                let mut at = parent;
                while at != 0 {
                    if at == g.id {
                        return Err(ApiError::bad("a group cannot be its own ancestor"));
                    }
                    at = group::get(c, d, at)?.map(|x| x.parent).unwrap_or(0);
                }
            }
            g.parent = parent;
        }
        if let Some(pol) = self.policy {
            check_policy(c, d, pol)?;
            g.policy = pol;
        }
        if let Some(v) = self.priority {
            g.priority = v;
        }
        if let Some(v) = self.kind {
            if !(0..=1).contains(&v) {
                return Err(ApiError::bad("type must be 0 or 1"));
            }
            g.kind = v;
        }
        if group::name_taken(c, d, &g.name, g.id)? {
            return Err(ApiError::bad(format!(
                "a group named {} already exists",
                g.name
            )));
        }
        Ok(())
    }
}

/// A new group's internal name when none is given: 40 hex digits, like the reference's.
fn generated_name(domain: &str, displayname: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(
        format!(
            "{domain}\n{displayname}\n{}",
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        )
        .as_bytes(),
    );
    digest.iter().take(20).map(|b| format!("{b:02x}")).collect()
}

async fn create(State(state): State<AppState>, p: Principal, Form(f): Form) -> ApiResult<Xml> {
    p.admin()?;
    let displayname = f.required("displayname")?.to_owned();
    let changes = Changes::from_form(&f)?;
    let default_name = generated_name(&p.domain, &displayname);
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .transact(move |tx| {
            let mut g = GroupRow {
                id: 0,
                displayname,
                name: default_name,
                parent: 0,
                policy: 0,
                priority: 0,
                kind: 0,
            };
            changes.apply(tx, d, &mut g)?;
            g.id = group::insert(tx, d, &g)?;
            // As the reference's example shows, a new group starts peered with every group of the
            // domain, itself included (so that its members see everyone until peers are edited).
            for other in group::list(tx, d)? {
                group::add_peer(tx, g.id, other.id)?;
            }
            let peers = group::peers(tx, g.id)?;
            let mut w = XmlWriter::response();
            write_group(&mut w, &root, &g, Some(&peers));
            // The reference answers 200 here, not 201.
            Ok(Xml::ok(w))
        })
        .await
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, gid)): Seg<(String, String)>,
    Form(f): Form,
) -> ApiResult<Xml> {
    p.admin()?;
    let changes = Changes::from_form(&f)?;
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .transact(move |tx| {
            let mut g = find(tx, d, &gid)?;
            changes.apply(tx, d, &mut g)?;
            group::update(tx, &g)?;
            let mut w = XmlWriter::response();
            write_group(&mut w, &root, &g, None);
            Ok(Xml::ok(w))
        })
        .await
}

async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, gid)): Seg<(String, String)>,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let g = find(tx, d, &gid)?;
            let (users, children) = group::dependants(tx, g.id)?;
            if users > 0 || children > 0 {
                return Err(ApiError::bad(format!(
                    "group {} still has {users} user(s) and {children} child group(s)",
                    g.id
                )));
            }
            group::delete(tx, g.id)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

async fn peers(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, gid)): Seg<(String, String)>,
) -> ApiResult<Xml> {
    p.admin()?;
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .read(move |c| {
            let g = find(c, d, &gid)?;
            let list = group::peers(c, g.id)?;
            let mut w = XmlWriter::response();
            write_peers(&mut w, &root, g.id, &list);
            Ok(Xml::ok(w))
        })
        .await
}

async fn add_peer(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, gid, peer)): Seg<(String, String, String)>,
) -> ApiResult<Xml> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let g = find(tx, d, &gid)?;
            let peer_id = id("peer", &peer)?;
            if group::get(tx, d, peer_id)?.is_none() {
                return Err(ApiError::bad(format!("unknown group {peer_id}")));
            }
            group::add_peer(tx, g.id, peer_id)?;
            let mut w = XmlWriter::response();
            w.raw(&format!("<peer id=\"{peer_id}\"/>"));
            Ok(Xml::created(w))
        })
        .await
}

async fn remove_peer(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, gid, peer)): Seg<(String, String, String)>,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let g = find(tx, d, &gid)?;
            let peer_id = id("peer", &peer)?;
            if !group::remove_peer(tx, g.id, peer_id)? {
                return Err(ApiError::not_found(format!(
                    "group {} has no peer {peer_id}",
                    g.id
                )));
            }
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

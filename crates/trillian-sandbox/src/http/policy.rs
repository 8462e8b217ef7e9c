//! Policies.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rusqlite::Connection;

use super::error::{ApiError, ApiResult};
use super::xml::{Xml, XmlWriter};
use super::{Form, Principal, Seg, id, route};
use crate::AppState;
use crate::store::policy::{self, PolicyRow};
use trillian_api::model::{Policy, PolicyItems};

pub fn router() -> Router<AppState> {
    let r = Router::new();
    let r = route(r, "/v2/{domain}/policies/", get(list).post(create));
    route(
        r,
        "/v2/{domain}/policies/{policy}/",
        get(one).patch(update).post(update).delete(remove),
    )
}

/// Writes `<policy id="..."><data>...</data><name>...</name></policy>`.
pub fn write_policy(w: &mut XmlWriter, p: &PolicyRow) {
    w.model(&Policy {
        id: super::unsigned(p.id),
        name: p.name.clone(),
        // Stored data was checked to be Base64 of UTF-8 on the way in.
        data: PolicyItems::from_base64(&p.data).unwrap_or_default(),
    });
}

fn find(c: &Connection, d: i64, raw: &str) -> ApiResult<PolicyRow> {
    let pid = id("policy", raw)?;
    policy::get(c, d, pid)?.ok_or_else(|| ApiError::not_found(format!("no policy {pid}")))
}

/// Validates policy data: Base64 of UTF-8 text. Returns it without surrounding whitespace.
fn check_data(data: &str) -> ApiResult<String> {
    let data: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD
        .decode(&data)
        .map_err(|_| ApiError::bad("data is not valid Base64"))?;
    String::from_utf8(bytes).map_err(|_| ApiError::bad("policy data is not UTF-8 text"))?;
    Ok(data)
}

async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Xml> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .read(move |c| {
            let mut w = XmlWriter::response();
            for pol in policy::list(c, d)? {
                write_policy(&mut w, &pol);
            }
            Ok(Xml::ok(w))
        })
        .await
}

async fn one(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, pid)): Seg<(String, String)>,
) -> ApiResult<Xml> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .read(move |c| {
            let pol = find(c, d, &pid)?;
            let mut w = XmlWriter::response();
            write_policy(&mut w, &pol);
            Ok(Xml::ok(w))
        })
        .await
}

async fn create(State(state): State<AppState>, p: Principal, Form(f): Form) -> ApiResult<Xml> {
    p.admin()?;
    let name = f.required("name")?.to_owned();
    let data = check_data(f.get("data").unwrap_or(""))?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let id = policy::insert(tx, d, &name, &data)?;
            let mut w = XmlWriter::response();
            write_policy(&mut w, &PolicyRow { id, name, data });
            Ok(Xml::created(w))
        })
        .await
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, pid)): Seg<(String, String)>,
    Form(f): Form,
) -> ApiResult<Xml> {
    p.admin()?;
    let name = f.get("name").map(str::to_owned);
    if name.as_deref() == Some("") {
        return Err(ApiError::bad("name cannot be empty"));
    }
    let data = f.get("data").map(check_data).transpose()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let mut pol = find(tx, d, &pid)?;
            if let Some(v) = name {
                pol.name = v;
            }
            if let Some(v) = data {
                pol.data = v;
            }
            policy::update(tx, &pol)?;
            let mut w = XmlWriter::response();
            write_policy(&mut w, &pol);
            Ok(Xml::ok(w))
        })
        .await
}

async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, pid)): Seg<(String, String)>,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let pol = find(tx, d, &pid)?;
            policy::delete(tx, pol.id)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

//! Presence.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};

use super::error::{ApiError, ApiResult};
use super::user::find;
use super::xml::{Xml, XmlWriter};
use super::{Form, Principal, Seg, route};
use crate::AppState;
use crate::store::{self, presence};
use trillian_api::model::{Device, Presence, PresenceStatus};

/// The highest status value (4 invisible, 5 idle).
const MAX_STATUS: u32 = 5;

pub fn router() -> Router<AppState> {
    let r = Router::new();
    let r = route(r, "/v2/{domain}/presence/", get(list));
    route(
        r,
        "/v2/{domain}/presence/{imaddress}/",
        patch(update).post(update),
    )
}

async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Xml> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .read(move |c| {
            let rows = presence::list(c, d)?;
            let devices = presence::devices(c, d)?;
            let mut w = XmlWriter::response();
            let mut at = 0;
            for r in &rows {
                // Devices are sorted by user id, like the presence rows.
                while at < devices.len() && devices[at].user_id < r.user_id {
                    at += 1;
                }
                let mut mine = Vec::new();
                while at < devices.len() && devices[at].user_id == r.user_id {
                    let dev = &devices[at];
                    mine.push(Device {
                        ip: dev.ip,
                        name: dev.name.clone(),
                        platform: dev.platform.clone(),
                        version: dev.version.clone(),
                        build: dev.build.clone(),
                    });
                    at += 1;
                }
                w.model(&Presence {
                    name: r.im.clone(),
                    status: PresenceStatus::from_code(r.status),
                    message: r.message.clone(),
                    timestamp: super::unsigned(r.timestamp),
                    devices: mine,
                });
            }
            Ok(Xml::ok(w))
        })
        .await
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, im)): Seg<(String, String)>,
    Form(f): Form,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let status = f.int::<u32>("status")?;
    if status.is_some_and(|s| s > MAX_STATUS) {
        return Err(ApiError::bad(format!("status must be 0 to {MAX_STATUS}")));
    }
    let message = f.get("message").map(str::to_owned);
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let u = find(tx, d, &im)?;
            let (old_status, old_message) = presence::get(tx, u.id)?.unwrap_or((0, String::new()));
            presence::put(
                tx,
                u.id,
                status.unwrap_or(old_status),
                message.as_deref().unwrap_or(&old_message),
                store::now_secs(),
            )?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

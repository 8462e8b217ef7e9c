//! Media items of users and group chats (same operations, two owners).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::xml::{Xml, XmlWriter};
use super::{Form, Principal, Query, Seg, route};
use crate::AppState;
use crate::store::{self, media, media::MediaRow};
use trillian_api::model::MediaItem;

/// The largest thumbnail the API accepts.
pub const MAX_THUMBNAIL: usize = 65_535;

#[derive(Debug, Clone, Copy)]
enum Kind {
    User,
    Groupchat,
}

pub fn user_routes(r: Router<AppState>) -> Router<AppState> {
    routes(r, "/v2/{domain}/users/{user}/media/", Kind::User)
}

pub fn groupchat_routes(r: Router<AppState>) -> Router<AppState> {
    routes(
        r,
        "/v2/{domain}/groupchats/{groupchat}/media/",
        Kind::Groupchat,
    )
}

fn routes(r: Router<AppState>, base: &str, kind: Kind) -> Router<AppState> {
    let list_routes = get(
        move |s: State<AppState>, p: Principal, Seg((_, o)): Seg<(String, String)>| {
            list(kind, s, p, o)
        },
    )
    .post(
        move |s: State<AppState>, p: Principal, Seg((_, o)): Seg<(String, String)>, f: Form| {
            create(kind, s, p, o, f)
        },
    );
    let r = route(r, base, list_routes);
    type Item = Seg<(String, String, String)>;
    let item_routes = get(
        move |s: State<AppState>, p: Principal, Seg((_, o, m)): Item, q: Query| {
            fetch(kind, s, p, o, m, q, false)
        },
    )
    .head(
        move |s: State<AppState>, p: Principal, Seg((_, o, m)): Item, q: Query| {
            fetch(kind, s, p, o, m, q, true)
        },
    )
    .delete(move |s: State<AppState>, p: Principal, Seg((_, o, m)): Item| remove(kind, s, p, o, m));
    route(r, &format!("{base}{{item}}/"), item_routes)
}

/// Checks the owner exists and the token may read (or, `write`, change) its media.
fn resolve(c: &Connection, p: &Principal, kind: Kind, owner: &str, write: bool) -> ApiResult<()> {
    match kind {
        Kind::User => {
            super::user::find(c, p.domain_id, owner)?;
            if write { p.admin() } else { p.admin_or(owner) }
        }
        Kind::Groupchat => {
            let g = super::groupchat::find(c, p.domain_id, owner)?;
            if write {
                p.admin()
            } else {
                super::groupchat::member_access(c, p, &g).map(|_| ())
            }
        }
    }
}

/// Writes `<media m="...">...</media>`.
pub fn write_media(w: &mut XmlWriter, m: &MediaRow) {
    w.model(&MediaItem {
        id: m.m.clone(),
        created_at: super::unsigned(m.created_at),
        expires_at: super::unsigned(m.expires_at),
        size: super::unsigned(m.size),
        owner: m.owner.clone(),
        content_type: m.kind.clone(),
        name: m.name.clone(),
        thumbnail: m.thumb_sha.clone(),
        data: m.m.clone(),
    });
}

async fn list(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
) -> ApiResult<Xml> {
    let d = p.domain_id;
    state
        .db
        .read(move |c| {
            resolve(c, &p, kind, &owner, false)?;
            let mut w = XmlWriter::response();
            for m in media::list(c, d, &owner)? {
                write_media(&mut w, &m);
            }
            Ok(Xml::ok(w))
        })
        .await
}

/// Base64 of the SHA-256 of `data`: a media item's `m`.
pub fn digest(data: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(data))
}

fn decode_b64(what: &str, s: &str) -> ApiResult<Vec<u8>> {
    let decoded = if s.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(compact)
    } else {
        STANDARD.decode(s)
    };
    decoded.map_err(|_| ApiError::bad(format!("{what} is not valid Base64")))
}

/// A new media item's decoded content.
pub struct Upload {
    pub data: Vec<u8>,
    pub thumbnail: Option<Vec<u8>>,
    pub name: String,
    pub kind: String,
    pub width: u32,
    pub height: u32,
}

/// Stores an upload for `owner`; returns the item.
pub fn store_upload(
    c: &Connection,
    d: i64,
    owner: &str,
    up: &Upload,
    now: i64,
) -> rusqlite::Result<MediaRow> {
    let m = digest(&up.data);
    media::put_blob(c, &m, &up.data)?;
    let thumb_sha = match &up.thumbnail {
        Some(t) => {
            let sha = digest(t);
            media::put_blob(c, &sha, t)?;
            sha
        }
        None => String::new(),
    };
    let old = media::get(c, d, owner, &m)?;
    let created_at = old.as_ref().map(|o| o.created_at).unwrap_or(now);
    let row = MediaRow {
        id: 0,
        owner: owner.to_owned(),
        m,
        name: up.name.clone(),
        kind: up.kind.clone(),
        size: up.data.len() as i64,
        thumb_sha: if thumb_sha.is_empty() {
            old.map(|o| o.thumb_sha).unwrap_or_default()
        } else {
            thumb_sha
        },
        created_at,
        expires_at: 0,
    };
    media::upsert(c, d, &row, up.width, up.height)?;
    media::delete_orphan_blobs(c)?;
    Ok(row)
}

async fn create(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
    Form(f): Form,
) -> ApiResult<Xml> {
    p.admin()?;
    let name = f.required("name")?.to_owned();
    let width = f.int::<u32>("imagewidth")?.unwrap_or(0);
    let height = f.int::<u32>("imageheight")?.unwrap_or(0);
    let declared_type = f.get("type").filter(|t| !t.is_empty()).map(str::to_owned);
    // Decoding hundreds of MiB is CPU work: off the async threads, before taking the writer.
    let up = tokio::task::spawn_blocking(move || -> ApiResult<Upload> {
        let data = decode_b64("data", f.required("data")?)?;
        let thumbnail = match f.get("thumbnail").filter(|t| !t.is_empty()) {
            Some(t) => {
                let bytes = decode_b64("thumbnail", t)?;
                if bytes.len() > MAX_THUMBNAIL {
                    return Err(ApiError::bad(format!(
                        "thumbnail is {} bytes; thumbnails cannot exceed {MAX_THUMBNAIL} bytes",
                        bytes.len()
                    )));
                }
                Some(bytes)
            }
            None => None,
        };
        let kind = declared_type
            .or_else(|| super::user::sniff_image(&data).map(str::to_owned))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        Ok(Upload {
            data,
            thumbnail,
            name,
            kind,
            width,
            height,
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            resolve(tx, &p, kind, &owner, true)?;
            let row = store_upload(tx, d, &owner, &up, store::now_secs())?;
            let mut w = XmlWriter::response();
            write_media(&mut w, &row);
            Ok(Xml::created(w))
        })
        .await
}

/// `attachment; filename="..."` with an ASCII fallback and the UTF-8 name.
fn disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(name, NON_ALPHANUMERIC);
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

async fn fetch(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
    m: String,
    Query(q): Query,
    head: bool,
) -> ApiResult<Response> {
    let thumbnail = q.expand("thumbnail")?;
    let d = p.domain_id;
    state
        .db
        .read(move |c| {
            resolve(c, &p, kind, &owner, false)?;
            let item = media::get(c, d, &owner, &m)?
                .ok_or_else(|| ApiError::not_found(format!("no media item {m}")))?;
            let (sha, content_type) = if thumbnail {
                if item.thumb_sha.is_empty() {
                    return Err(ApiError::not_found("this media item has no thumbnail"));
                }
                (item.thumb_sha.clone(), None)
            } else {
                (item.m.clone(), Some(item.kind.clone()))
            };
            let (len, body) = if head {
                (media::blob_len(c, &sha)?.unwrap_or(0), Vec::new())
            } else {
                let bytes = media::blob(c, &sha)?.unwrap_or_default();
                (bytes.len() as i64, bytes)
            };
            let content_type = match content_type {
                Some(t) => t,
                None => media::blob(c, &sha)?
                    .and_then(|b| super::user::sniff_image(&b))
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
            };
            let mut resp = body.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&content_type)
                    .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
            );
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            h.insert(header::CONTENT_DISPOSITION, disposition(&item.name));
            Ok(resp)
        })
        .await
}

async fn remove(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
    m: String,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            resolve(tx, &p, kind, &owner, true)?;
            let item = media::get(tx, d, &owner, &m)?
                .ok_or_else(|| ApiError::not_found(format!("no media item {m}")))?;
            media::delete(tx, item.id)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

//! Media items of users and group chats (same operations, two owners).

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use tokio_util::io::ReaderStream;

use super::error::{ApiError, ApiResult};
use super::form::{self, Stored};
use super::xml::{Xml, XmlWriter};
use super::{Params, Principal, Query, Seg, route};
use crate::AppState;
use crate::store::{self, media, media::MediaRow};
use trillian_api::model::MediaItem;

/// The largest thumbnail the API accepts.
pub const MAX_THUMBNAIL: usize = 65_535;

/// Bytes read from a media file per piece of a download.
const DOWNLOAD_CHUNK: usize = 256 * 1024;

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
        move |s: State<AppState>,
              p: Principal,
              Seg((_, o)): Seg<(String, String)>,
              q: Query,
              req: Request| { create(kind, s, p, o, q, req) },
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

/// A new media item: its content (already a file, or being placed) and its metadata.
pub struct Upload {
    /// Base64 SHA-256 of the data.
    pub m: String,
    pub size: u64,
    pub thumbnail: Option<Vec<u8>>,
    pub name: String,
    pub kind: String,
    pub width: u32,
    pub height: u32,
}

/// Stores the row (and thumbnail) of an upload whose data file is in place; returns the item.
pub fn store_upload(
    c: &Connection,
    d: i64,
    owner: &str,
    up: &Upload,
    now: i64,
) -> rusqlite::Result<MediaRow> {
    let thumb_sha = match &up.thumbnail {
        Some(t) => {
            let sha = digest(t);
            media::put_blob(c, &sha, t)?;
            sha
        }
        None => String::new(),
    };
    let old = media::get(c, d, owner, &up.m)?;
    let created_at = old.as_ref().map(|o| o.created_at).unwrap_or(now);
    let row = MediaRow {
        id: 0,
        owner: owner.to_owned(),
        m: up.m.clone(),
        name: up.name.clone(),
        kind: up.kind.clone(),
        size: i64::try_from(up.size).unwrap_or(i64::MAX),
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

/// The upload's fields in the order the handler checks them (as when the body was read whole:
/// the body's encoding, `name`, the dimensions, `data`, `thumbnail`).
fn validate(
    q: &Params,
    body: form::Upload,
    content: &crate::content::Content,
) -> ApiResult<(Stored, Upload)> {
    if body.not_utf8 {
        return Err(ApiError::bad("parameters are not UTF-8"));
    }
    if body.decoded_not_utf8 {
        return Err(ApiError::bad(
            "a parameter is not UTF-8 once percent-decoded",
        ));
    }
    if let Some(field) = body.too_long {
        return Err(ApiError::bad(format!(
            "parameter {field} is longer than {} bytes",
            form::MAX_TEXT
        )));
    }
    let mut f = Params::default();
    f.extend(q.pairs.clone());
    f.extend(body.text);
    let name = f.required("name")?.to_owned();
    let width = f.int::<u32>("imagewidth")?.unwrap_or(0);
    let height = f.int::<u32>("imageheight")?.unwrap_or(0);
    let declared_type = f.get("type").filter(|t| !t.is_empty()).map(str::to_owned);
    let stored = match q.get("data") {
        Some(v) if !v.is_empty() => {
            let bytes = form::decode_b64("data", v)?;
            Stored::from_bytes(content, &bytes).map_err(|e| ApiError::Internal(e.to_string()))?
        }
        Some(_) => return Err(ApiError::bad("missing required parameter data")),
        None => match body.data {
            None => return Err(ApiError::bad("missing required parameter data")),
            Some(Err(())) => return Err(ApiError::bad("data is not valid Base64")),
            Some(Ok(stored)) => stored,
        },
    };
    let thumbnail = match q.get("thumbnail") {
        Some(t) if !t.is_empty() => {
            let bytes = form::decode_b64("thumbnail", t)?;
            Some(if bytes.len() > MAX_THUMBNAIL {
                Err(form::ThumbError::TooLarge(bytes.len()))
            } else {
                Ok(bytes)
            })
        }
        Some(_) => None,
        None => body.thumbnail,
    };
    let thumbnail = match thumbnail {
        None => None,
        Some(Ok(bytes)) => Some(bytes),
        Some(Err(form::ThumbError::Base64)) => {
            return Err(ApiError::bad("thumbnail is not valid Base64"));
        }
        Some(Err(form::ThumbError::TooLarge(n))) => {
            return Err(ApiError::bad(format!(
                "thumbnail is {n} bytes; thumbnails cannot exceed {MAX_THUMBNAIL} bytes"
            )));
        }
    };
    let kind = declared_type
        .or_else(|| super::user::sniff_image(&stored.head).map(str::to_owned))
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let up = Upload {
        m: stored.m.clone(),
        size: stored.len,
        thumbnail,
        name,
        kind,
        width,
        height,
    };
    Ok((stored, up))
}

async fn create(
    kind: Kind,
    State(state): State<AppState>,
    p: Principal,
    owner: String,
    Query(q): Query,
    req: Request,
) -> ApiResult<Xml> {
    p.admin()?;
    let (parts, body) = req.into_parts();
    // The body streams to a temporary file in the media directory (decoded on the blocking pool).
    let parsed = form::read(&state.db, state.max_upload, &q, &parts.headers, body).await?;
    let db = state.db.clone();
    let (stored, up) = tokio::task::spawn_blocking(move || validate(&q, parsed, db.content()))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let d = p.domain_id;
    let db = state.db.clone();
    state
        .db
        .write(move |c| {
            let tx = c.transaction()?;
            resolve(&tx, &p, kind, &owner, true)?;
            // The file goes into place under the writer lock, just before its row is committed.
            let new = db
                .content()
                .place(stored.pending, &up.m)
                .map_err(|e| ApiError::Internal(format!("placing upload: {e}")))?;
            let done = store_upload(&tx, d, &owner, &up, store::now_secs())
                .and_then(|row| tx.commit().map(|()| row));
            match done {
                Ok(row) => {
                    let mut w = XmlWriter::response();
                    write_media(&mut w, &row);
                    Ok(Xml::created(w))
                }
                Err(e) => {
                    if new && let Err(e) = db.content().remove(&up.m) {
                        tracing::warn!(error = %e, "removing an uncommitted upload");
                    }
                    Err(e.into())
                }
            }
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
    let db = state.db.clone();
    state
        .db
        .read(move |c| {
            resolve(c, &p, kind, &owner, false)?;
            let item = media::get(c, d, &owner, &m)?
                .ok_or_else(|| ApiError::not_found(format!("no media item {m}")))?;
            let (content_type, len, body) = if thumbnail {
                if item.thumb_sha.is_empty() {
                    return Err(ApiError::not_found("this media item has no thumbnail"));
                }
                // Thumbnails are small and stay in SQLite.
                let bytes = media::blob(c, &item.thumb_sha)?.unwrap_or_default();
                let content_type = super::user::sniff_image(&bytes)
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let len = bytes.len() as u64;
                (
                    content_type,
                    len,
                    if head {
                        Body::empty()
                    } else {
                        Body::from(bytes)
                    },
                )
            } else {
                let missing = || ApiError::Internal(format!("media file of {} is missing", item.m));
                let io = |e: std::io::Error| ApiError::Internal(format!("media file: {e}"));
                let (len, body) = if head {
                    (
                        db.content().len(&item.m).map_err(io)?.ok_or_else(missing)?,
                        Body::empty(),
                    )
                } else {
                    let (file, len) = db
                        .content()
                        .open(&item.m)
                        .map_err(io)?
                        .ok_or_else(missing)?;
                    let file = tokio::fs::File::from_std(file);
                    (
                        len,
                        Body::from_stream(ReaderStream::with_capacity(file, DOWNLOAD_CHUNK)),
                    )
                };
                (item.kind.clone(), len, body)
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

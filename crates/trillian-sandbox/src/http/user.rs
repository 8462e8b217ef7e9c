//! Users and their address-book avatar.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::error::{ApiError, ApiResult};
use super::xml::{Xml, XmlWriter};
use super::{Form, Principal, RawBody, Seg, parse_pairs, route, seg_parts, unsigned};
use crate::AppState;
use crate::store::user::{UserRef, UserRow};
use crate::store::{self, group, media, policy, token};
use trillian_api::model::{User, UserFlags};

pub fn router() -> Router<AppState> {
    let r = Router::new();
    let r = route(r, "/v2/{domain}/users/", get(list).post(create));
    let r = route(
        r,
        "/v2/{domain}/users/{user}/",
        get(one).patch(update).post(update).delete(remove),
    );
    let avatar_routes = get(avatar)
        .put(set_avatar)
        .post(set_avatar)
        .delete(delete_avatar);
    let r = route(
        r,
        "/v2/{domain}/users/{user}/addressbook/avatar/",
        avatar_routes,
    );
    let r = super::media::user_routes(r);
    super::message::user_routes(r)
}

/// Writes `<user name="...">...</user>`.
pub fn write_user(w: &mut XmlWriter, root: &str, u: &UserRow) {
    let mut m = User::default();
    let user = UserRef {
        im: &u.im,
        displayname: &u.displayname,
        email: &u.email,
        group: u.group,
        policy: u.policy,
        flags: u.flags,
        created_at: u.created_at,
    };
    fill_user(&mut m, &format!("{root}/users/"), &user);
    w.model(&m);
}

/// Sets every field of `m` from `u`, reusing `m`'s strings (no allocation once they are grown).
/// `users` is `{root}/users/`.
fn fill_user(m: &mut User, users: &str, u: &UserRef<'_>) {
    fn set(s: &mut String, v: &str) {
        s.clear();
        s.push_str(v);
    }
    fn href(slot: &mut Option<String>, users: &str, im: &str, tail: &str) {
        let s = slot.get_or_insert_with(String::new);
        s.clear();
        s.push_str(users);
        for part in seg_parts(im) {
            s.push_str(part);
        }
        s.push('/');
        s.push_str(tail);
    }
    set(&mut m.name, u.im);
    set(&mut m.displayname, u.displayname);
    set(&mut m.email, u.email);
    m.group = unsigned(u.group);
    m.policy = unsigned(u.policy);
    m.flags = UserFlags::from_bits_retain(u.flags);
    m.created_at = unsigned(u.created_at);
    href(&mut m.addressbook_href, users, u.im, "addressbook/");
    href(&mut m.media_href, users, u.im, "media/");
    href(&mut m.messages_href, users, u.im, "messages/");
}

async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Xml> {
    p.admin()?;
    let (d, root) = (p.domain_id, p.root.clone());
    let cache = state.users_xml.clone();
    let use_cache = state
        .users_xml_on
        .load(std::sync::atomic::Ordering::Relaxed);
    state
        .db
        .read(move |c| {
            // Written once per value of the user table's change counter (any writer, any process).
            let changes = store::user::changes(c)?;
            let lookup = |m: &std::collections::HashMap<i64, (i64, Bytes)>| {
                m.get(&d)
                    .filter(|(n, _)| *n == changes)
                    .map(|(_, body)| body.clone())
            };
            if use_cache && let Some(body) = cache.lock().ok().and_then(|m| lookup(&m)) {
                return Ok(Xml::cached(body));
            }
            let n = store::user::count(c, d)?;
            let mut w = XmlWriter::with_capacity(64 + n as usize * 420);
            let users = format!("{root}/users/");
            let mut m = User::default();
            store::user::for_each(c, d, |u| {
                fill_user(&mut m, &users, u);
                w.model(&m);
            })?;
            let answer = Xml::ok(w);
            if let Ok(mut m) = cache.lock() {
                m.insert(d, (changes, answer.body()));
            }
            Ok(answer)
        })
        .await
}

/// The user addressed by the path, or 404.
pub fn find(c: &rusqlite::Connection, domain_id: i64, im: &str) -> ApiResult<UserRow> {
    store::user::get(c, domain_id, im)?.ok_or_else(|| ApiError::not_found(format!("no user {im}")))
}

async fn one(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, im)): Seg<(String, String)>,
) -> ApiResult<Xml> {
    p.admin_or(&im)?;
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .read(move |c| {
            let u = find(c, d, &im)?;
            let mut w = XmlWriter::response();
            write_user(&mut w, &root, &u);
            Ok(Xml::ok(w))
        })
        .await
}

/// Salted SHA-256 of a password (the sandbox never needs to check one).
fn hash_password(im: &str, password: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("trillian-sandbox\n{im}\n{password}").as_bytes());
    STANDARD.encode(digest)
}

/// Full IM address from the `im` parameter: `name` or `name@domain` of this domain.
fn im_address(domain: &str, im: &str) -> ApiResult<String> {
    let im = im.trim();
    let (local, dom) = match im.rsplit_once('@') {
        Some((l, d)) => (l, d),
        None => (im, domain),
    };
    if !dom.eq_ignore_ascii_case(domain) {
        return Err(ApiError::bad(format!(
            "IM address {im} is not in domain {domain}"
        )));
    }
    if local.is_empty() || local.chars().any(|c| c.is_control()) {
        return Err(ApiError::bad(format!("invalid IM address {im:?}")));
    }
    Ok(format!("{local}@{domain}"))
}

fn check_group(c: &rusqlite::Connection, d: i64, id: i64) -> ApiResult<()> {
    match group::get(c, d, id)? {
        Some(_) => Ok(()),
        None => Err(ApiError::bad(format!("unknown group {id}"))),
    }
}

/// 0 (inherit) or an existing policy.
pub fn check_policy(c: &rusqlite::Connection, d: i64, id: i64) -> ApiResult<()> {
    if id == 0 || policy::get(c, d, id)?.is_some() {
        Ok(())
    } else {
        Err(ApiError::bad(format!("unknown policy {id}")))
    }
}

async fn create(State(state): State<AppState>, p: Principal, Form(f): Form) -> ApiResult<Xml> {
    p.admin()?;
    let im = im_address(&p.domain, f.required("im")?)?;
    let password = f.required("password")?.to_owned();
    let group_param = f.int::<i64>("group")?;
    let policy_id = f.int::<i64>("policy")?.unwrap_or(0);
    let flags = f.int::<u32>("flags")?.unwrap_or(0);
    let displayname = f.get("displayname").unwrap_or("").to_owned();
    let email = f.get("email").unwrap_or("").to_owned();
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .transact(move |tx| {
            if store::user::get(tx, d, &im)?.is_some() {
                return Err(ApiError::bad(format!("user {im} already exists")));
            }
            let group_id = match group_param {
                Some(g) => {
                    check_group(tx, d, g)?;
                    g
                }
                None => group::root(tx, d)?.unwrap_or(0),
            };
            check_policy(tx, d, policy_id)?;
            let mut u = UserRow {
                id: 0,
                im,
                displayname,
                email,
                group: group_id,
                policy: policy_id,
                flags,
                created_at: store::now_secs(),
            };
            u.id = store::user::insert(tx, d, &u, &hash_password(&u.im, &password))?;
            let mut w = XmlWriter::response();
            write_user(&mut w, &root, &u);
            Ok(Xml::created(w))
        })
        .await
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, im)): Seg<(String, String)>,
    Form(f): Form,
) -> ApiResult<Xml> {
    p.admin()?;
    let group_param = f.int::<i64>("group")?;
    let policy_param = f.int::<i64>("policy")?;
    let flags = f.int::<u32>("flags")?;
    let displayname = f.get("displayname").map(str::to_owned);
    let email = f.get("email").map(str::to_owned);
    let password = f.get("password").map(str::to_owned);
    let new_im = f
        .get("im")
        .filter(|v| !v.is_empty())
        .map(|v| im_address(&p.domain, v))
        .transpose()?;
    if password.as_deref() == Some("") {
        return Err(ApiError::bad("password cannot be empty"));
    }
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .transact(move |tx| {
            let mut u = find(tx, d, &im)?;
            if let Some(g) = group_param {
                check_group(tx, d, g)?;
                u.group = g;
            }
            if let Some(pol) = policy_param {
                check_policy(tx, d, pol)?;
                u.policy = pol;
            }
            if let Some(v) = flags {
                u.flags = v;
            }
            if let Some(v) = displayname {
                u.displayname = v;
            }
            if let Some(v) = email {
                u.email = v;
            }
            store::user::update(tx, &u)?;
            if let Some(new_im) = new_im.filter(|n| *n != u.im) {
                if store::user::get(tx, d, &new_im)?.is_some() {
                    return Err(ApiError::bad(format!("user {new_im} already exists")));
                }
                store::user::rename(tx, d, u.id, &u.im, &new_im)?;
                u.im = new_im;
            }
            if let Some(pw) = password {
                store::user::set_password(tx, u.id, &hash_password(&u.im, &pw))?;
            }
            let mut w = XmlWriter::response();
            write_user(&mut w, &root, &u);
            Ok(Xml::ok(w))
        })
        .await
}

async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, im)): Seg<(String, String)>,
) -> ApiResult<Xml> {
    p.admin()?;
    let (d, root) = (p.domain_id, p.root.clone());
    state
        .db
        .transact(move |tx| {
            let u = find(tx, d, &im)?;
            token::delete_for_owner(tx, d, &u.im)?;
            media::delete_owner(tx, d, &u.im)?;
            store::user::delete(tx, u.id)?;
            let mut w = XmlWriter::response();
            write_user(&mut w, &root, &u);
            Ok(Xml::ok(w))
        })
        .await
}

async fn avatar(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, im)): Seg<(String, String)>,
) -> ApiResult<Response> {
    p.admin_or(&im)?;
    let d = p.domain_id;
    state
        .db
        .read(move |c| {
            let u = find(c, d, &im)?;
            let (kind, data) = store::user::avatar(c, u.id)?
                .ok_or_else(|| ApiError::not_found(format!("{im} has no avatar")))?;
            Ok(([(header::CONTENT_TYPE, kind)], data).into_response())
        })
        .await
}

/// The image's MIME type from its first bytes, if it is one the sandbox knows.
pub fn sniff_image(data: &[u8]) -> Option<&'static str> {
    match image::guess_format(data).ok()? {
        image::ImageFormat::Png => Some("image/png"),
        image::ImageFormat::Jpeg => Some("image/jpeg"),
        image::ImageFormat::Gif => Some("image/gif"),
        image::ImageFormat::WebP => Some("image/webp"),
        image::ImageFormat::Bmp => Some("image/bmp"),
        _ => None,
    }
}

async fn set_avatar(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, im)): Seg<(String, String)>,
    body: RawBody,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let content_type = body
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (kind, data) = if content_type.starts_with("image/") {
        let kind = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        (kind, body.bytes.to_vec())
    } else {
        let mut params = body.query;
        params.pairs.extend(parse_pairs(&body.bytes)?);
        let encoded = params.required("data")?;
        let data = STANDARD
            .decode(encoded.trim())
            .map_err(|_| ApiError::bad("data is not valid Base64"))?;
        let kind = params
            .get("type")
            .map(str::to_owned)
            .or_else(|| sniff_image(&data).map(str::to_owned))
            .ok_or_else(|| ApiError::bad("data is not an image of a known type"))?;
        (kind, data)
    };
    if data.is_empty() {
        return Err(ApiError::bad("empty avatar"));
    }
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let u = find(tx, d, &im)?;
            store::user::set_avatar(tx, u.id, &kind, &data)?;
            Ok(StatusCode::CREATED)
        })
        .await
}

async fn delete_avatar(
    State(state): State<AppState>,
    p: Principal,
    Seg((_, im)): Seg<(String, String)>,
) -> ApiResult<StatusCode> {
    p.admin()?;
    let d = p.domain_id;
    state
        .db
        .transact(move |tx| {
            let u = find(tx, d, &im)?;
            store::user::delete_avatar(tx, u.id)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

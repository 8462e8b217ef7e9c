//! HTTP: the router of every operation, authentication, parameters and path segments.

pub mod error;
pub mod form;
pub mod group;
pub mod groupchat;
pub mod media;
pub mod message;
pub mod policy;
pub mod presence;
pub mod user;
pub mod xml;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::de::DeserializeOwned;

use crate::{AppState, Owner};
use error::{ApiError, ApiResult};

/// What must be percent-encoded in one path segment of an `href`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// Percent-encodes one path segment, piece by piece (no allocation).
pub fn seg_parts(s: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(s, SEGMENT)
}

/// Percent-encodes one path segment.
pub fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Registers `path` (which ends with `/`) and the same path without its trailing slash.
pub fn route(r: Router<AppState>, path: &str, mr: MethodRouter<AppState>) -> Router<AppState> {
    let bare = path.trim_end_matches('/');
    r.route(path, mr.clone()).route(bare, mr)
}

/// The router of every operation, with authentication and XML errors.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(user::router())
        .merge(group::router())
        .merge(policy::router())
        .merge(groupchat::router())
        .merge(presence::router())
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state)
}

/// Who is calling: the principal of the request's token, in the path's domain.
#[derive(Debug, Clone)]
pub struct Principal {
    pub domain_id: i64,
    pub domain: String,
    pub owner: Owner,
    /// `{base}/v2/{domain}` for building `href`s.
    pub root: String,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        matches!(self.owner, Owner::Admin)
    }

    /// The user's IM address when the token is a user's.
    pub fn user(&self) -> Option<&str> {
        match &self.owner {
            Owner::User(im) => Some(im),
            Owner::Admin => None,
        }
    }

    pub fn admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Unauthorized("administrator token required"))
        }
    }

    /// The administrator, or the user `im` itself.
    pub fn admin_or(&self, im: &str) -> ApiResult<()> {
        if self.is_admin() || self.user() == Some(im) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized("this token cannot access that user"))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Principal> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(ApiError::Unauthorized("missing token"))
    }
}

/// Splits a query string or form body into decoded pairs (`+` is a space).
pub fn parse_pairs(input: &[u8]) -> ApiResult<Vec<(String, String)>> {
    let text = std::str::from_utf8(input).map_err(|_| ApiError::bad("parameters are not UTF-8"))?;
    let mut out = Vec::new();
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.push((decode_form(k)?, decode_form(v)?));
    }
    Ok(out)
}

fn decode_form(s: &str) -> ApiResult<String> {
    // Large uploads are hundreds of MiB of Base64: copy only when something must change.
    let spaced: std::borrow::Cow<'_, str> = if s.contains('+') {
        s.replace('+', " ").into()
    } else {
        s.into()
    };
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ApiError::bad("a parameter is not UTF-8 once percent-decoded"))
}

/// Request parameters: the query string's (less `token`) followed by the form body's.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn required(&self, name: &str) -> ApiResult<&str> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(ApiError::bad(format!("missing required parameter {name}"))),
        }
    }

    /// An optional integer parameter; present but not an integer is a 400.
    pub fn int<T: std::str::FromStr>(&self, name: &str) -> ApiResult<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                ApiError::bad(format!("parameter {name} must be an integer, got {v:?}"))
            }),
        }
    }

    /// `name=1` expands, absent or `0` does not.
    pub fn expand(&self, name: &str) -> ApiResult<bool> {
        Ok(self.int::<u32>(name)?.unwrap_or(0) != 0)
    }

    fn extend(&mut self, pairs: Vec<(String, String)>) {
        self.pairs
            .extend(pairs.into_iter().filter(|(k, _)| k != "token"));
    }
}

/// Query parameters only (GET, HEAD).
pub struct Query(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Query> {
        let mut p = Params::default();
        p.extend(parse_pairs(parts.uri.query().unwrap_or("").as_bytes())?);
        Ok(Query(p))
    }
}

/// Query and form-body parameters, the body read up to the configured limit (else 413).
pub struct Form(pub Params);

/// The raw body (up to the limit) with its headers, and the query parameters.
pub struct RawBody {
    pub headers: HeaderMap,
    pub bytes: axum::body::Bytes,
    pub query: Params,
}

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> ApiResult<RawBody> {
        let limit = state.max_body;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(ApiError::TooLarge);
        }
        let mut query = Params::default();
        query.extend(parse_pairs(req.uri().query().unwrap_or("").as_bytes())?);
        let headers = req.headers().clone();
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        Ok(RawBody {
            headers,
            bytes,
            query,
        })
    }
}

impl FromRequest<AppState> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> ApiResult<Form> {
        let raw = RawBody::from_request(req, state).await?;
        let mut p = raw.query;
        p.extend(parse_pairs(&raw.bytes)?);
        Ok(Form(p))
    }
}

/// Path segments, each percent-decoded on its own; a bad segment is a 400.
pub struct Seg<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Seg<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Seg<T>> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Seg(t))
            .map_err(|e| ApiError::bad(format!("bad path segment: {}", e.body_text())))
    }
}

/// A stored (non-negative) integer as the models' unsigned type.
pub fn unsigned(x: i64) -> u64 {
    u64::try_from(x).unwrap_or(0)
}

/// Parses an integer id from a path segment.
pub fn id(what: &str, s: &str) -> ApiResult<i64> {
    s.parse()
        .map_err(|_| ApiError::bad(format!("{what} id must be an integer, got {s:?}")))
}

/// The domain named by the path (`/v2/{domain}/...`), percent-decoded.
fn path_domain(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v2/")?;
    let raw = rest.split('/').next()?;
    percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|d| d.into_owned())
}

/// Checks the `token` query parameter against the path's domain; stores the [`Principal`].
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let query = req.uri().query().unwrap_or("").to_owned();
    let path = req.uri().path().to_owned();
    match principal(&state, &query, &path).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

async fn principal(state: &AppState, query: &str, path: &str) -> ApiResult<Principal> {
    let pairs =
        parse_pairs(query.as_bytes()).map_err(|_| ApiError::Unauthorized("invalid token"))?;
    let mut tokens = pairs
        .into_iter()
        .filter(|(k, _)| k == "token")
        .map(|(_, v)| v);
    let token = match (tokens.next(), tokens.next()) {
        (None, _) => return Err(ApiError::Unauthorized("missing token")),
        (Some(_), Some(_)) => return Err(ApiError::Unauthorized("more than one token")),
        (Some(t), None) if t.is_empty() => return Err(ApiError::Unauthorized("empty token")),
        (Some(t), None) => t,
    };
    let domain = path_domain(path).ok_or(ApiError::Unauthorized("invalid token"))?;
    let grant = state
        .lookup_token(token)
        .await?
        .ok_or(ApiError::Unauthorized("invalid token"))?;
    if grant.domain != domain {
        return Err(ApiError::Unauthorized("invalid token"));
    }
    let root = format!("{}/v2/{}", state.base, seg(&domain));
    Ok(Principal {
        domain_id: grant.domain_id,
        domain,
        owner: grant.owner,
        root,
    })
}

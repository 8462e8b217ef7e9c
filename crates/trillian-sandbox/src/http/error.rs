//! The one error type of every handler, and how it becomes an HTTP answer.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::xml::{Xml, XmlWriter};

/// Why a request failed. Internal details are logged, never returned.
#[derive(Debug)]
pub enum ApiError {
    /// 400 with a reason.
    BadRequest(String),
    /// 401: missing, empty, duplicated, wrong or other-domain token, or not this token's to touch.
    Unauthorized(&'static str),
    /// 404 with a reason.
    NotFound(String),
    /// 405.
    MethodNotAllowed,
    /// 413.
    TooLarge,
    /// 500; the detail goes to the log only.
    Internal(String),
}

impl ApiError {
    pub fn bad(reason: impl Into<String>) -> ApiError {
        ApiError::BadRequest(reason.into())
    }

    pub fn not_found(reason: impl Into<String>) -> ApiError {
        ApiError::NotFound(reason.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, reason) = match self {
            ApiError::BadRequest(reason) => (StatusCode::BAD_REQUEST, reason),
            ApiError::Unauthorized(reason) => (StatusCode::UNAUTHORIZED, reason.to_owned()),
            ApiError::NotFound(reason) => (StatusCode::NOT_FOUND, reason),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed".to_owned(),
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large".to_owned(),
            ),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal server error".to_owned(),
                )
            }
        };
        let mut w = XmlWriter::response();
        w.raw(super::xml::inner(&trillian_api::xml::encode_error(&reason)));
        Xml::with_status(status, w).into_response()
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

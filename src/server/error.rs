//! Errors as the client sees them: a code, a status and a message written for
//! the person at the terminal. Internal error text is logged (without PII),
//! never sent.
//!
//! [`refusals_as_json`] gives the refusals axum makes itself (404, 405,
//! 415, path and query rejections) the same body as every other error.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::error::{ApiError, ErrorBody, ErrorCode};
use crate::api::search::SearchRefusal;
use crate::store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub search_refusal: Option<SearchRefusal>,
}

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            search_refusal: None,
        }
    }

    /// A refused search, with its code for the terminal.
    pub fn search_refused(
        status: StatusCode,
        code: ErrorCode,
        message: impl Into<String>,
        refusal: SearchRefusal,
    ) -> Self {
        Self {
            search_refusal: Some(refusal),
            ..Self::new(status, code, message)
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "no valid session: log in again",
        )
    }

    pub fn terminal_refused() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "this terminal is not registered or has been revoked",
        )
    }

    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many requests in a short time: wait a moment and try again",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "your role may not do this",
        )
    }

    pub fn busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            "the service is busy checking other logins: try again in a moment",
        )
    }

    pub fn purpose_required() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::PurposeRequired,
            "choose the business purpose of this session first",
        )
    }

    pub fn purpose_not_allowed() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::PurposeNotAllowed,
            "that business purpose is not one of your department's",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("{what} not found"),
        )
    }

    /// No route at the path asked for.
    pub fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!(
                "no such route: the service's paths are under {}",
                crate::api::PREFIX
            ),
        )
    }

    pub fn audit_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::AuditUnavailable,
            "the access log cannot be written, so nothing is shown; tell the IT officer",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error; tell the IT officer",
        )
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) | StoreError::Conflict(_) => {
                tracing::error!(error = %error, "store operation failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::StoreUnavailable,
                    "the records store is unavailable; try again shortly",
                )
            }
            StoreError::Corrupt { .. } => {
                tracing::error!(error = %error, "store returned corrupt data");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ApiError {
                code: self.code,
                message: self.message,
                search_refusal: self.search_refusal,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// Gives every refusal without a JSON body (one that axum or a layer made
/// itself) the JSON error body of its status. The original body is read only
/// to tell which part of the request was wrong; it is never sent on, since
/// axum's texts quote what the client sent. Headers such as `Allow` stay.
pub async fn refusals_as_json(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    // axum's rejection texts are one short line; a longer body is not one.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = std::str::from_utf8(&text).unwrap_or("");
    let error = AppError::for_refusal(status, text, &parts.headers);
    let mut response = error.into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

impl AppError {
    /// The error for a refusal axum produced: `status` as it was, a code and
    /// a message naming what was wrong, from the status and the first words
    /// of axum's text (never the rest, which may quote the request).
    fn for_refusal(status: StatusCode, axum_text: &str, headers: &HeaderMap) -> Self {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => return Self::no_route(),
            StatusCode::METHOD_NOT_ALLOWED => {
                let allowed = headers
                    .get(header::ALLOW)
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| !v.is_empty())
                    .unwrap_or("another method");
                (
                    ErrorCode::MethodNotAllowed,
                    format!("this path does not take that method; it takes {allowed}"),
                )
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json".into(),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => {
                (ErrorCode::PayloadTooLarge, "the body is too large".into())
            }
            status if status.is_client_error() => {
                (ErrorCode::BadRequest, request_part(axum_text).into())
            }
            _ => (
                ErrorCode::Internal,
                "internal error; tell the IT officer".into(),
            ),
        };
        Self::new(status, code, message)
    }
}

/// Which part of the request an extractor refused, from the start of axum's
/// rejection text.
fn request_part(axum_text: &str) -> &'static str {
    if axum_text.starts_with("Invalid URL") || axum_text.starts_with("Wrong number of path") {
        "a path parameter is not valid: it must be percent-encoded UTF-8 text of the form the route takes"
    } else if axum_text.starts_with("Failed to deserialize query string") {
        "the query string is not valid: check its parameter names and values"
    } else if axum_text.starts_with("Failed to buffer the request body") {
        "the body could not be read"
    } else {
        "the request could not be understood"
    }
}

//! The JSON body extractor of every route that reads one. axum's own
//! rejection quotes serde's message, which can echo a value the client sent
//! (a PIN in a field of the wrong type); this one names the problem and its
//! place only.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::api::error::ErrorCode;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_error(&rejection)),
        }
    }
}

fn rejection_error(rejection: &JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadRequest,
            "send the body as JSON with Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(_) => {
            AppError::bad_request(format!("the body is not valid JSON ({})", place(rejection)))
        }
        JsonRejection::JsonDataError(_) => AppError::bad_request(data_problem(rejection)),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            "the body is too large",
        ),
        _ => AppError::bad_request("the body could not be read"),
    }
}

/// serde's text for a data error, reduced to the rule broken and the field
/// or position: "unknown field `x`", "missing field `pin`", or "wrong type".
fn data_problem(rejection: &JsonRejection) -> String {
    let text = rejection.body_text();
    for marker in ["unknown field `", "missing field `", "duplicate field `"] {
        if let Some(start) = text.find(marker) {
            let rest = &text[start + marker.len()..];
            if let Some(end) = rest.find('`') {
                let field: String = rest[..end]
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(40)
                    .collect();
                let rule = marker.trim_end_matches(" `");
                return format!("{rule} `{field}` ({})", place(rejection));
            }
        }
    }
    format!("a field has the wrong type or value ({})", place(rejection))
}

/// "line L column C" from serde's message, if present.
fn place(rejection: &JsonRejection) -> String {
    let text = rejection.body_text();
    match text.rfind(" at line ") {
        Some(at) => {
            let tail: String = text[at + 1..]
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
                .collect();
            tail
        }
        None => "in the body".to_string(),
    }
}

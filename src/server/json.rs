//! The JSON body extractor of every route that reads one. axum's own
//! rejection quotes serde's message, which can echo a value the client sent
//! (a PIN in a field of the wrong type); this one names the problem and its
//! place only. Bodies are read through [`objects_only::ObjectsOnly`], so a
//! request is a JSON object whose fields are named, never a list.

pub mod objects_only;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::api::error::ErrorCode;
use objects_only::{BODY_NOT_OBJECT, FIELD_NOT_OBJECT, ObjectsOnly};

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    "the body is too large",
                )
            } else {
                AppError::bad_request("the body could not be read")
            }
        })?;
        decode(&bytes).map(Self)
    }
}

/// `application/json`, or a `+json` type, as axum's own extractor accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

/// One JSON object as `T`, or a 400 that says what is wrong and where.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(ObjectsOnly::body(&mut de)).map_err(|e| problem(&e))?;
    de.end().map_err(|e| problem(&e))?;
    Ok(value)
}

fn problem(error: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    let at = place(error);
    let message = match error.classify() {
        Category::Syntax | Category::Eof => format!("the body is not valid JSON ({at})"),
        Category::Io => "the body could not be read".to_string(),
        Category::Data => data_problem(&error.to_string(), &at),
    };
    AppError::bad_request(message)
}

/// serde's text for a data error, reduced to the rule broken and the field
/// or position: "unknown field `x`", "missing field `pin`", "the body must be
/// a JSON object", or "wrong type". Never the value itself.
fn data_problem(text: &str, at: &str) -> String {
    for fixed in [BODY_NOT_OBJECT, FIELD_NOT_OBJECT] {
        if text.starts_with(fixed) {
            return format!("{fixed}, with named fields ({at})");
        }
    }
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
                return format!("{rule} `{field}` ({at})");
            }
        }
    }
    format!("a field has the wrong type or value ({at})")
}

/// "line L column C", or "in the body" when serde gave no position.
fn place(error: &serde_json::Error) -> String {
    match error.line() {
        0 => "in the body".to_string(),
        line => format!("line {line} column {}", error.column()),
    }
}

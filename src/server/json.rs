//! The JSON body extractor of every route that reads one. axum's own
//! rejection quotes serde's message, which can echo a value the client sent
//! (a PIN in a field of the wrong type); this one names the problem, the
//! path of the field (`purpose`, `items[2].name`, through
//! `serde_path_to_error`) and the position only. Bodies are read through
//! [`objects_only::ObjectsOnly`], so a request is a JSON object whose fields
//! are named, never a list.

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
    let value = serde_path_to_error::deserialize(ObjectsOnly::body(&mut de)).map_err(|e| {
        // An unknown field's path ends in the unknown key, which the
        // message names already: the place is the object holding it.
        let unknown = e.inner().to_string().starts_with("unknown field");
        problem(e.inner(), field_path(e.path(), unknown).as_deref())
    })?;
    de.end().map_err(|e| problem(&e, None))?;
    Ok(value)
}

/// The path of the field an error is in, as `a.b[2].c` (without its last
/// segment when `drop_last`); `None` for the body itself. A struct's field
/// arrives as a map key, so a key is shown only when it is a plain
/// identifier (every field name a request declares is); any other key,
/// which a client could have chosen, shows as `?`.
fn field_path(path: &serde_path_to_error::Path, drop_last: bool) -> Option<String> {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    let keep = segments.len() - usize::from(drop_last && !segments.is_empty());
    let mut out = String::new();
    for segment in &segments[..keep] {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                let plain = !key.is_empty()
                    && key.len() <= 40
                    && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                push_name(&mut out, if plain { key } else { "?" });
            }
            Segment::Unknown => push_name(&mut out, "?"),
        }
    }
    (!out.is_empty()).then_some(out)
}

fn push_name(out: &mut String, name: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(name);
}

fn problem(error: &serde_json::Error, field: Option<&str>) -> AppError {
    use serde_json::error::Category;
    let at = match field {
        Some(field) => format!("in `{field}`, {}", place(error)),
        None => place(error),
    };
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Form {
        purpose: String,
        #[serde(default)]
        items: Vec<Item>,
        #[serde(default)]
        notes: HashMap<String, u8>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
    }

    fn message(body: &str) -> String {
        decode::<Form>(body.as_bytes()).expect_err(body).message
    }

    #[test]
    fn a_wrong_type_names_the_field_and_not_the_value() {
        let text = message(r#"{"purpose":987654321}"#);
        assert!(text.starts_with("a field has the wrong type"), "{text}");
        assert!(text.contains("in `purpose`, line 1 column"), "{text}");
        assert!(!text.contains("987654321"), "{text}");
    }

    #[test]
    fn a_nested_field_is_named_by_its_whole_path() {
        let text = message(r#"{"purpose":"a","items":[{"name":"x"},{"name":7}]}"#);
        assert!(text.contains("in `items[1].name`"), "{text}");
        let text = message(r#"{"purpose":"a","items":[{"name":"x"},{}]}"#);
        assert!(
            text.starts_with("missing field `name` (in `items[1]`"),
            "{text}"
        );
        let text = message(r#"{"purpose":"a","items":[{"name":"x","pin":"1"}]}"#);
        assert!(
            text.starts_with("unknown field `pin` (in `items[0]`"),
            "{text}"
        );
    }

    #[test]
    fn a_key_the_client_chose_is_not_repeated() {
        let text = message(r#"{"purpose":"a","notes":{"my number 1234":"x"}}"#);
        assert!(text.contains("in `notes.?`"), "{text}");
        assert!(!text.contains("1234"), "{text}");
    }

    #[test]
    fn errors_of_the_body_itself_name_no_field() {
        let text = message(r#"{"items":[]}"#);
        assert!(
            text.starts_with("missing field `purpose` (line 1"),
            "{text}"
        );
        let text = message(r#"{"purpose":"a"} trailing"#);
        assert!(
            text.starts_with("the body is not valid JSON (line 1"),
            "{text}"
        );
    }
}

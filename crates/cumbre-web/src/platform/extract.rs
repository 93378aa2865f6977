//! axum's `Path` and `Query`, with their rejections turned into [`AppError`]s: a
//! malformed id or query string gets the same translated 4xx (JSON under `/api`, a page
//! elsewhere) as any other bad input, instead of axum's plain-text
//! "Cannot parse `abc` to a `i64`" that names Rust types.

use crate::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use cumbre_domain::{Field, InvalidInput};
use serde::de::DeserializeOwned;

/// A path parameter; one that does not parse is a 404 (no such thing exists).
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(AppError::NotFound),
        }
    }
}

/// A query string; one that does not fit the handler's fields is a 422 with a reason.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(_) => Err(InvalidInput::NotOneOf {
                field: Field::Key,
                value: "query".into(),
                allowed: "the documented parameters, each once, as text",
            }
            .into()),
        }
    }
}

/// A JSON body. A body over the route's limit is a 413; one that is not JSON, or does
/// not fit the handler's type, a 422 whose reason names no Rust type. A number with a
/// zero fraction (`3.0`) is the integer it equals, as JSON Schema reads it.
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::TooLarge);
            }
            Err(e) => {
                return Err(InvalidInput::BadJson {
                    detail: e.body_text(),
                }
                .into());
            }
        };
        if !json {
            return Err(InvalidInput::BadJson {
                detail: "the body must be JSON (Content-Type: application/json)".into(),
            }
            .into());
        }
        parse_json(&bytes).map(JsonBody)
    }
}

/// `application/json`, or a `+json` type, whatever its parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `bytes` as a `T`; see [`JsonBody`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let first = match serde_json::from_slice::<T>(bytes) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    // Only a well-formed document that did not fit is read again, with integral floats
    // made integers; the common case pays nothing.
    if first.is_data()
        && let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && integral_floats(&mut value)
        && let Ok(v) = T::deserialize(value)
    {
        return Ok(v);
    }
    Err(InvalidInput::BadJson {
        detail: cumbre_domain::input::readable_json_error(&first.to_string()),
    }
    .into())
}

/// Turns every float with a zero fraction that an `i64` holds into that integer; whether
/// it changed anything.
fn integral_floats(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                *value = Value::from(f as i64);
                true
            }
            _ => false,
        },
        // Every element is converted: no short circuit.
        Value::Array(items) => items.iter_mut().map(integral_floats).filter(|c| *c).count() > 0,
        Value::Object(map) => map.values_mut().map(integral_floats).filter(|c| *c).count() > 0,
        _ => false,
    }
}

/// A JSON body, or why it was refused: handlers take it as a `Result` so that their own
/// role checks come first (access before validation).
pub fn body<T>(payload: Result<JsonBody<T>, AppError>) -> Result<T, AppError> {
    payload.map(|JsonBody(v)| v)
}

/// Longest `Idempotency-Key` a client may send.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// The `Idempotency-Key` header, when sent: 1–200 visible characters, trimmed.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, AppError> {
    match headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim))
    {
        None => Ok(None),
        Some(Ok(k)) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY => Ok(Some(k.to_owned())),
        Some(_) => Err(InvalidInput::NotOneOf {
            field: Field::Key,
            value: "Idempotency-Key".into(),
            allowed: "1–200 visible characters",
        }
        .into()),
    }
}

/// A number a client may send as a JSON number or as text, as text for the domain's
/// parser (which says what is wrong with it).
pub fn number_text(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A query string's parameters, or why they were refused: API handlers take it as a
/// `Result` so that their own role checks come first, as with [`body`].
pub fn params<T>(
    query: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, AppError> {
    query.map(|axum::extract::Query(v)| v).map_err(|e| {
        InvalidInput::BadJson {
            detail: e.body_text(),
        }
        .into()
    })
}

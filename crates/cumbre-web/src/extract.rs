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

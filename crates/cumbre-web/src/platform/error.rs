//! One error type for handlers. It becomes a status plus a translated message: JSON under
//! `/api`, an HTML page elsewhere (see `views::errors`). A 500 says nothing specific to the
//! client; its cause goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_domain::InvalidInput;
use cumbre_store::StoreError;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
    /// Several fields refused at once (survey answers, definitions): field → reason.
    #[error("invalid fields")]
    InvalidFields(Vec<(String, InvalidInput)>),
    #[error("not found")]
    NotFound,
    /// Existed, but is closed for good (a survey link that no longer takes answers).
    #[error("gone")]
    Gone,
    /// Wrong e-mail or password at sign-in.
    #[error("sign-in required")]
    Unauthorized,
    /// An API call without a live token (none, unknown, revoked or its account gone).
    #[error("no valid API token")]
    NoToken,
    #[error("not allowed")]
    Forbidden,
    #[error("the form expired or came from another site")]
    Csrf,
    #[error("the request body is too large")]
    TooLarge,
    #[error("too many attempts")]
    Throttled { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden => AppError::Forbidden,
            StoreError::Invalid(i) => AppError::Invalid(i),
            StoreError::InvalidItems(list) => AppError::InvalidFields(list),
            other => AppError::Internal(other.into()),
        }
    }
}

/// A survey's or a rule's definition problems, one per field, keyed by their path in the
/// document.
impl From<Vec<cumbre_domain::listen::survey::DefinitionError>> for AppError {
    fn from(errors: Vec<cumbre_domain::listen::survey::DefinitionError>) -> Self {
        AppError::InvalidFields(errors.into_iter().map(|e| (e.path, e.error)).collect())
    }
}

impl AppError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(i) if i.is_conflict() => StatusCode::CONFLICT,
            AppError::Invalid(_) | AppError::InvalidFields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone => StatusCode::GONE,
            AppError::Unauthorized | AppError::NoToken => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(i) if i.is_conflict() => "conflict",
            AppError::Invalid(_) | AppError::InvalidFields(_) => "invalid_input",
            AppError::NotFound => "not_found",
            AppError::Gone => "gone",
            AppError::Unauthorized | AppError::NoToken => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::Throttled { .. } => "throttled",
            AppError::TooLarge => "too_large",
            AppError::Internal(_) => "internal",
        }
    }
}

/// Carried in the response so the error-rendering middleware, which knows the request's
/// language and whether it is an API call, can write the body.
#[derive(Clone, Debug)]
pub struct ErrorMarker(pub Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = ?cause, "request failed");
        }
        let mut response = self.status().into_response();
        if let AppError::Throttled { retry_after_secs } = &self
            && let Ok(v) = retry_after_secs.to_string().parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
            .extensions_mut()
            .insert(ErrorMarker(Arc::new(self)));
        response
    }
}

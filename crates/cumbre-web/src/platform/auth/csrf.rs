//! CSRF protection for every form: the session holds a random token, every form posts it
//! back in a hidden `csrf` field, and [`CsrfForm`] refuses the body unless they match.
//! Session cookies are also `SameSite=Lax`, a second line of defence.

use crate::AppError;
use crate::platform::auth::context::{Ctx, PageCtx};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Form bodies larger than this are refused; the CSV import has its own, larger limit.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A URL-encoded form from the signed-in user, with its CSRF token checked.
pub struct CsrfForm<T> {
    pub ctx: Arc<Ctx>,
    pub form: T,
}

#[derive(serde::Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

pub fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let PageCtx(ctx) = PageCtx::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                AppError::Invalid(cumbre_domain::InvalidInput::TooLong {
                    field: cumbre_domain::Field::Record,
                    max: MAX_FORM_BYTES,
                })
                .into_response()
            })?;
        let token: Token =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::Csrf.into_response())?;
        if !tokens_match(&ctx.csrf, &token.csrf) {
            return Err(AppError::Csrf.into_response());
        }
        let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            tracing::debug!(error = %e, "unreadable form");
            AppError::Invalid(cumbre_domain::InvalidInput::BadForm).into_response()
        })?;
        Ok(CsrfForm { ctx, form })
    }
}

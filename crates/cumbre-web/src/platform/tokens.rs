//! API tokens: create (shown once), list, revoke. Each user manages their own; a token acts
//! with its owner's role and scope.

use crate::platform::auth::secret::{new_api_token, token_hash};
use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::Field;
use cumbre_domain::input::required_text;
use cumbre_store::access::ApiToken;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "platform/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<ApiToken>,
    /// The token just created; shown this once and never again.
    fresh: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    page(&TokensPage {
        chrome: Chrome::for_user(&ctx, "tokens").with_notice(n.ok.as_deref()),
        tokens: state.store.list_api_tokens(ctx.user.id).await?,
        fresh: None,
    })
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    f: CsrfForm<TokenForm>,
) -> Result<Response, AppError> {
    let name = required_text(&f.form.name, Field::TokenName, 80)?;
    let token = new_api_token().map_err(AppError::internal)?;
    let prefix: String = token.chars().take(14).collect();
    state
        .store
        .create_api_token(
            &f.ctx.user,
            &name,
            &token_hash(&token),
            &prefix,
            state.clock.now(),
        )
        .await?;
    // Rendered directly (not redirected) so the secret never sits in a URL or history.
    let mut response = page(&TokensPage {
        chrome: Chrome::for_user(&f.ctx, "tokens"),
        tokens: state.store.list_api_tokens(f.ctx.user.id).await?,
        fresh: Some(token),
    })?;
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<crate::platform::session::Empty>,
) -> Result<Response, AppError> {
    state
        .store
        .revoke_api_token(&f.ctx.user, id, state.clock.now())
        .await?;
    Ok(done("/tokens", "saved"))
}

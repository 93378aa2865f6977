//! My profile: language and password.

use crate::platform::auth::{CsrfForm, PageCtx, password};
use crate::platform::extract::Query;
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::NewPassword;
use cumbre_domain::{Field, InvalidInput, Lang};
use cumbre_store::access::User;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "platform/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    account: User,
    locale: &'static str,
}

pub async fn show(
    State(_state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    page(&ProfilePage {
        chrome: Chrome::for_user(&ctx, "profile").with_notice(n.ok.as_deref()),
        locale: ctx.user.locale.map_or("", Lang::code),
        account: ctx.user.clone(),
    })
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    locale: String,
}

pub async fn set_language(
    State(state): State<AppState>,
    f: CsrfForm<LanguageForm>,
) -> Result<Response, AppError> {
    let locale = match f.form.locale.as_str() {
        "" => None,
        code => Some(Lang::from_code(code).ok_or(InvalidInput::NotOneOf {
            field: Field::Language,
            value: code.to_owned(),
            allowed: "es, en",
        })?),
    };
    state.store.set_locale(f.ctx.user.id, locale).await?;
    Ok(done("/profile", "saved"))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    f: CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let new = NewPassword::parse(&f.form.new)?;
    if f.form.new != f.form.confirm {
        return Err(InvalidInput::PasswordMismatch.into());
    }
    let stored = state.store.password_hash(f.ctx.user.id).await?;
    if !password::verify(f.form.current.clone(), stored).await? {
        return Err(InvalidInput::WrongCurrentPassword.into());
    }
    let hash = password::hash(new.expose().to_owned()).await?;
    state
        .store
        .set_password(
            &f.ctx.user,
            &hash,
            f.ctx.session_hash.as_deref(),
            state.clock.now(),
        )
        .await?;
    Ok(done("/profile", "password"))
}

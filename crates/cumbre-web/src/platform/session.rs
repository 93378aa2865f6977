//! Sign-in and sign-out.

use crate::platform::auth::context::{LANG_COOKIE, SESSION_COOKIE};
use crate::platform::auth::csrf::tokens_match;
use crate::platform::auth::limits::ClientAddr;
use crate::platform::auth::secret::{random_token, token_hash};
use crate::platform::auth::{CsrfForm, RequestLang, password, throttle};
use crate::platform::errors;
use crate::platform::extract::Query;
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use cumbre_domain::org::Email;
use cumbre_domain::{Lang, TenantId};
use serde::Deserialize;

/// The CSRF token of the sign-in form, which has no session yet (double-submit cookie).
const LOGIN_CSRF_COOKIE: &str = "cumbre_login_csrf";

#[derive(Template)]
#[template(path = "platform/login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only same-site paths, never `//host` or a full URL: no open redirect after sign-in.
/// Where to go after signing in: a path on this site, else the home page. Browsers drop
/// tabs and line breaks from a URL and read `\` as `/`, so `/\t/evil.example` would be
/// another host: any control character, space or backslash sends home, as does anything
/// longer than a real path.
fn safe_next(next: &str) -> String {
    let clean = next.len() <= 2000
        && next.starts_with('/')
        && !next[1..].starts_with('/')
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if clean {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: time::Duration,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .max_age(max_age)
        .build()
}

fn login_page(
    state: &AppState,
    jar: CookieJar,
    lang: Lang,
    next: &str,
    email: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let csrf = random_token().map_err(AppError::internal)?;
    let jar = jar.add(cookie(
        state,
        LOGIN_CSRF_COOKIE,
        csrf.clone(),
        time::Duration::hours(2),
    ));
    let body = LoginPage {
        chrome: Chrome::anonymous(lang),
        csrf,
        next: safe_next(next),
        email: email.to_owned(),
        error,
    };
    Ok((status, jar, page(&body)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let (lang, jar) = match q.lang.as_deref().and_then(Lang::from_code) {
        Some(chosen) => (
            chosen,
            jar.add(cookie(
                &state,
                LANG_COOKIE,
                chosen.code().to_owned(),
                time::Duration::days(365),
            )),
        ),
        None => (lang, jar),
    };
    login_page(
        &state,
        jar,
        lang,
        q.next.as_deref().unwrap_or("/"),
        "",
        None,
        StatusCode::OK,
    )
}

pub async fn submit(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !tokens_match(&expected, &form.csrf) {
        return Err(AppError::Csrf);
    }
    let now = state.clock.now();
    let key = form.email.trim().to_lowercase();
    let key = key.as_str();
    let fail = |jar: CookieJar, err: AppError| {
        let message = errors::message(&err, lang);
        login_page(
            &state,
            jar,
            lang,
            &form.next,
            form.email.trim(),
            Some(message),
            err.status(),
        )
    };
    if let Some(wait) = throttle::refused(&state.limits, client, key, now).await {
        let mut page = fail(
            jar,
            AppError::Throttled {
                retry_after_secs: wait,
            },
        )?;
        page.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(wait),
        );
        return Ok(page);
    }
    let found = match Email::parse(&form.email) {
        Ok(email) => state.store.user_credentials(&email).await?,
        Err(_) => None,
    };
    let stored = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    let matches = password::verify(form.password.clone(), stored).await?;
    let user = match found {
        Some((user, _)) if matches => user,
        _ => {
            throttle::failed(&state.limits, client, key, now).await;
            tracing::info!(email = %key, "sign-in failed");
            return fail(jar, AppError::Unauthorized);
        }
    };
    throttle::succeeded(&state.limits, client, key).await;
    let token = random_token().map_err(AppError::internal)?;
    let csrf = random_token().map_err(AppError::internal)?;
    let ttl = time::Duration::hours(state.config.session_hours);
    state
        .store
        .create_session(&token_hash(&token), user.id, &csrf, now, now + ttl)
        .await?;
    tracing::info!(user = %user.id, "signed in");
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/"))
        .add(cookie(&state, SESSION_COOKIE, token, ttl));
    Ok((jar, Redirect::to(&safe_next(&form.next))).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    form: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    if let Some(hash) = &form.ctx.session_hash {
        state.store.delete_session(hash).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

/// The tenant shown on pages (kept here: pages and sign-in share it).
pub async fn tenant_name(state: &AppState, tenant: TenantId) -> Result<String, AppError> {
    Ok(state.store.tenant_name(tenant).await?)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next("/people?q=ana"), "/people?q=ana");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/\n/x"), "/");
        assert_eq!(safe_next("/a\0b"), "/");
        assert_eq!(safe_next("/ /evil.example"), "/");
        assert_eq!(safe_next("/cases?q=ruido&x=1"), "/cases?q=ruido&x=1");
    }
}

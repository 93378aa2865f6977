//! The request context: the signed-in user, their scope and language. Resolved once by a
//! middleware (session cookie for pages, bearer token for `/api`), which also renders any
//! handler error in that language.

use crate::platform::auth::secret::token_hash;
use crate::platform::error::ErrorMarker;
use crate::platform::errors::render_error;
use crate::{AppError, AppState};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use cumbre_domain::Lang;
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_store::access::User;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "cumbre_session";

/// A signed-in caller.
#[derive(Debug)]
pub struct Ctx {
    pub user: User,
    pub scope: Scope,
    pub lang: Lang,
    /// The session's CSRF token (empty for API tokens, which need none).
    pub csrf: String,
    /// Hash of the session cookie, to keep this session on password change.
    pub session_hash: Option<String>,
    /// The cache epoch an API call observed with its token (see `cumbre_store::Epoch`).
    pub epoch: Option<cumbre_store::Epoch>,
    /// The token was read from the process's cache, not the database: only
    /// [`GuessedApiCtx`] hands such a context to a handler (whose write confirms it).
    pub guessed: bool,
    /// How many things wait in the person's inbox, for the header (pages read with GET).
    pub waiting: i64,
}

impl Ctx {
    /// The admin grant, or 403 for everyone else.
    pub fn admin(&self) -> Result<AdminGrant, AppError> {
        AdminGrant::for_role(self.user.role, self.user.tenant).ok_or(AppError::Forbidden)
    }

    /// The user as the recovery actions know them: who, with what role, seeing what.
    pub fn acting(&self) -> cumbre_store::recover::Actor {
        cumbre_store::recover::Actor {
            user: self.user.id,
            role: self.user.role,
            scope: self.scope.clone(),
        }
    }

    /// The actor recorded in the audit trail, as people read it there: "Ana Ruiz
    /// <ana@x>", or the e-mail alone for an account without a person.
    pub fn actor(&self) -> String {
        match &self.user.person_name {
            Some(name) => format!("{name} <{}>", self.user.email),
            None => self.user.email.clone(),
        }
    }
}

/// The language of this request, signed in or not.
#[derive(Debug, Clone, Copy)]
pub struct RequestLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for RequestLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestLang>()
            .copied()
            .unwrap_or(RequestLang(header_lang(&parts.headers))))
    }
}

pub const LANG_COOKIE: &str = "cumbre_lang";

/// The language before sign-in: the `cumbre_lang` cookie (set by the language links), else
/// the browser's `Accept-Language`.
fn header_lang(headers: &HeaderMap) -> Lang {
    if let Some(lang) = CookieJar::from_headers(headers)
        .get(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
    {
        return lang;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// A page handler's caller; without a session the browser is sent to sign in.
pub struct PageCtx(pub Arc<Ctx>);

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Arc<Ctx>>() {
            Some(ctx) => Ok(PageCtx(ctx.clone())),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = format!(
                    "/login?next={}",
                    percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
                );
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// An API handler's caller, its token read fresh from the database; without a valid
/// token, 401.
pub struct ApiCtx(pub Arc<Ctx>);

impl FromRequestParts<AppState> for ApiCtx {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let GuessedApiCtx(ctx) = GuessedApiCtx::from_request_parts(parts, state).await?;
        if !ctx.guessed {
            return Ok(ApiCtx(ctx));
        }
        confirm(state, &parts.headers).await.map(ApiCtx)
    }
}

/// An API caller as the middleware resolved it, possibly from the cache under the newest
/// epoch this process saw (`guessed`): for a handler whose one effect is a write that
/// expects that epoch (`Store::record_response_as_of`), and that calls [`confirm`] when the
/// epoch has moved.
pub struct GuessedApiCtx(pub Arc<Ctx>);

impl<S: Send + Sync> FromRequestParts<S> for GuessedApiCtx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<Ctx>>()
            .cloned()
            .map(GuessedApiCtx)
            .ok_or(AppError::NoToken)
    }
}

/// The API caller read fresh from the database; 401 when the token no longer works.
pub async fn confirm(state: &AppState, headers: &HeaderMap) -> Result<Arc<Ctx>, AppError> {
    lookup(state, headers, Some(Token::Fresh))
        .await?
        .map(Arc::new)
        .ok_or(AppError::NoToken)
}

/// How an API token is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    Fresh,
    /// From the cache under the newest epoch when there (see `GuessedApiCtx`).
    MayGuess,
}

async fn lookup(
    state: &AppState,
    headers: &HeaderMap,
    api: Option<Token>,
) -> Result<Option<Ctx>, AppError> {
    let now = state.clock.now();
    let (user, csrf, session_hash, epoch, guessed) = if let Some(how) = api {
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return Ok(None);
        };
        let hash = token_hash(token.trim());
        let found = match how {
            Token::Fresh => state.store.api_token_user(&hash, now).await?,
            Token::MayGuess => state.store.api_token_user_guessed(&hash, now).await?,
        };
        match found {
            Some(t) => (t.user, String::new(), None, Some(t.epoch), !t.confirmed),
            None => return Ok(None),
        }
    } else {
        let jar = CookieJar::from_headers(headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Ok(None);
        };
        let hash = token_hash(cookie.value());
        match state.store.session(&hash, now).await? {
            Some((user, csrf)) => (user, csrf, Some(hash), None, false),
            None => return Ok(None),
        }
    };
    let scope = state.store.scope_for_at(&user, epoch).await?;
    let lang = user.locale.unwrap_or_else(|| header_lang(headers));
    Ok(Some(Ctx {
        user,
        scope,
        lang,
        csrf,
        session_hash,
        epoch,
        guessed,
        waiting: 0,
    }))
}

/// Middleware: resolve the caller, run the handler, render any error in the caller's language.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut lang = header_lang(req.headers());
    match lookup(&state, req.headers(), api.then_some(Token::MayGuess)).await {
        Ok(Some(mut ctx)) => {
            lang = ctx.lang;
            if !api && req.method() == axum::http::Method::GET {
                match state
                    .store
                    .inbox_count(ctx.user.tenant, ctx.user.id, state.clock.now())
                    .await
                {
                    Ok(n) => ctx.waiting = n,
                    Err(e) => return render_error(&e.into(), lang, api),
                }
            }
            req.extensions_mut().insert(Arc::new(ctx));
        }
        Ok(None) => {}
        Err(e) => return render_error(&e, lang, api),
    }
    req.extensions_mut().insert(RequestLang(lang));
    let response = next.run(req).await;
    match response.extensions().get::<ErrorMarker>().cloned() {
        Some(ErrorMarker(err)) => {
            let mut rendered = render_error(&err, lang, api);
            for name in [header::RETRY_AFTER] {
                if let Some(v) = response.headers().get(&name) {
                    rendered.headers_mut().insert(name, v.clone());
                }
            }
            rendered
        }
        None => response,
    }
}

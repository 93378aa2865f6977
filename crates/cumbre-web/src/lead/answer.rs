//! `/p/{token}`: where an employee answers a pulse from their invitation, on any phone,
//! without signing in. It says before the first question what is kept of who answered and
//! how small a group Cumbre never shows; an answer is taken once, while the cycle is open.

use crate::platform::auth::RequestLang;
use crate::platform::auth::secret::random_token;
use crate::platform::extract::Path;
use crate::platform::i18n::Tr;
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_domain::lead::anonymity::Thresholds;
use cumbre_domain::lead::pulse::{ENPS, Mode, PulseAnswer};
use cumbre_domain::{InvalidInput, Lang};
use cumbre_store::StoreError;
use cumbre_store::lead::pulses::Invitation;
use std::collections::HashMap;

pub struct StatementView {
    pub key: &'static str,
    pub text: &'static str,
}

#[derive(Template)]
#[template(path = "lead/pulse_answer.html")]
struct AnswerPage {
    chrome: Chrome,
    token: String,
    /// The mode and thresholds shown, sent back with the answer (`mode:group:comments`).
    terms: String,
    name: String,
    privacy: String,
    closes: String,
    enps: &'static str,
    statements: Vec<StatementView>,
    agreement: Vec<(u8, &'static str)>,
    errors: Vec<String>,
    answered: bool,
    open: bool,
    done: bool,
}

async fn invitation(state: &AppState, token: &str) -> Result<Option<Invitation>, AppError> {
    if !crate::listen::respond::plausible(token) {
        return Ok(None);
    }
    match state.store.pulse_invitation(token, state.clock.now()).await {
        Ok(inv) => Ok(Some(inv)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn render(
    state: &AppState,
    lang: Lang,
    token: String,
    inv: &Invitation,
    errors: Vec<String>,
    done: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tr = Tr::new(lang);
    let clock = state.store.tenant_clock(inv.tenant).await?;
    let privacy = match inv.mode {
        Mode::Anonymous => tr.f("pulse.anonymous", inv.thresholds.group()),
        Mode::Confidential => tr.f("pulse.confidential", inv.thresholds.group()),
    };
    let agreement = (1..=5u8)
        .map(|v| (v, tr.t(AGREEMENT[usize::from(v) - 1])))
        .collect();
    let body = AnswerPage {
        chrome: Chrome::anonymous(lang),
        token,
        terms: terms_of(inv),
        name: inv.pulse_name.clone(),
        privacy,
        closes: tr.f("pulse.closes", clock.local(inv.closes_at)),
        enps: ENPS.text(lang),
        statements: inv
            .template
            .statements
            .iter()
            .map(|s| StatementView {
                key: s.key,
                text: s.text(lang),
            })
            .collect(),
        agreement,
        errors,
        answered: inv.answered,
        open: inv.open,
        done,
    };
    Ok((status, page(&body)?).into_response())
}

const AGREEMENT: [&str; 5] = [
    "pulse.agree1",
    "pulse.agree2",
    "pulse.agree3",
    "pulse.agree4",
    "pulse.agree5",
];

fn terms_of(inv: &Invitation) -> String {
    format!(
        "{}:{}:{}",
        inv.mode.code(),
        inv.thresholds.group(),
        inv.thresholds.comments()
    )
}

/// The terms a form says its author was shown; `None` when it says nothing readable.
fn seen(raw: Option<&str>) -> Option<(Mode, Thresholds)> {
    let mut parts = raw?.split(':');
    let mode = Mode::parse(parts.next()?).ok()?;
    let group = parts.next()?.parse().ok()?;
    let comments = parts.next()?.parse().ok()?;
    Some((mode, Thresholds::new(group, comments)?))
}

pub async fn show(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(inv) = invitation(&state, &token).await? else {
        return Err(AppError::NotFound);
    };
    render(&state, lang, token, &inv, Vec::new(), false, StatusCode::OK).await
}

pub async fn submit(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let Some(inv) = invitation(&state, &token).await? else {
        return Err(AppError::NotFound);
    };
    let fields: HashMap<String, String> =
        serde_urlencoded::from_bytes(&body).map_err(|_| InvalidInput::BadForm)?;
    let get = |k: &str| fields.get(k).map(String::as_str);
    let scores: Vec<Option<&str>> = inv.template.statements.iter().map(|s| get(s.key)).collect();
    let answer = match PulseAnswer::parse(inv.template, get("enps"), &scores, get("comment")) {
        Ok(a) => a,
        Err(e) => {
            let errors = vec![e.message(lang)];
            return render(
                &state,
                lang,
                token,
                &inv,
                errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let key = random_token().map_err(AppError::internal)?;
    // A form without readable terms cannot say what its author agreed to.
    let Some(terms) = seen(get("terms")) else {
        let errors = vec![InvalidInput::TermsChanged.message(lang)];
        return render(
            &state,
            lang,
            token,
            &inv,
            errors,
            false,
            StatusCode::CONFLICT,
        )
        .await;
    };
    match state
        .store
        .answer_pulse(&token, &key, &answer, terms, state.clock.now())
        .await
    {
        Err(StoreError::Invalid(InvalidInput::TermsChanged)) => {
            let errors = vec![InvalidInput::TermsChanged.message(lang)];
            render(
                &state,
                lang,
                token,
                &inv,
                errors,
                false,
                StatusCode::CONFLICT,
            )
            .await
        }
        Ok(()) => {
            let inv = Invitation {
                answered: true,
                ..inv
            };
            render(&state, lang, token, &inv, Vec::new(), true, StatusCode::OK).await
        }
        Err(StoreError::Invalid(InvalidInput::AlreadyAnswered)) => {
            let inv = Invitation {
                answered: true,
                ..inv
            };
            render(
                &state,
                lang,
                token,
                &inv,
                Vec::new(),
                false,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(StoreError::Invalid(InvalidInput::SurveyClosed)) => {
            let inv = Invitation { open: false, ..inv };
            render(
                &state,
                lang,
                token,
                &inv,
                Vec::new(),
                false,
                StatusCode::GONE,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

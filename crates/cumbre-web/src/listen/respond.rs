//! The public survey page, `/s/{token}`: what a customer sees on their phone. Works without
//! JavaScript (display logic then shows every question and the server drops hidden answers),
//! validates on the server, answers in the respondent's language, and never records a
//! response twice for the same page view.

use crate::platform::auth::RequestLang;
use crate::platform::auth::limits::ClientAddr;
use crate::platform::auth::secret::random_token;
use crate::platform::extract::{Path, Query};
use crate::platform::i18n::Tr;
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cumbre_domain::Lang;
use cumbre_domain::listen::answers::{FieldErrors, answered, applicable, check};
use cumbre_domain::listen::{Question, QuestionKind, SurveyDefinition, SurveyStatus};
use cumbre_store::listen::{NewResponse, PublicLink};
use cumbre_store::{Epoch, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
    /// `1` on the thank-you page when the respondent asked to be contacted.
    #[serde(default)]
    contact: Option<String>,
}

/// One question as the page shows it.
pub struct QuestionView {
    pub key: String,
    pub kind: &'static str,
    pub prompt: String,
    pub required: bool,
    /// Score choices (value, label) or options (value, label).
    pub choices: Vec<(String, String)>,
    /// Labels for the ends of a score scale.
    pub low: &'static str,
    pub high: &'static str,
    /// `data-show-if` attributes: the question and its values, comma-separated.
    pub show_if: Option<(String, String)>,
    pub error: Option<String>,
    /// Not shown: its condition is not met by the answers known (the page's script shows it
    /// as they change; without a script the server asks it on a second step).
    pub hidden: bool,
    /// Told about an answer that no longer applies and will not be kept.
    pub note: Option<String>,
    /// Previously entered values, to refill the form after an error.
    pub values: Vec<String>,
    pub contact: HashMap<String, String>,
}

impl QuestionView {
    pub fn checked(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }
    pub fn first(&self) -> &str {
        self.values.first().map_or("", String::as_str)
    }
    pub fn contact_value(&self, field: &str) -> &str {
        self.contact.get(field).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "listen/respond.html")]
struct RespondPage {
    chrome: Chrome,
    token: String,
    title: String,
    intro: String,
    place: String,
    questions: Vec<QuestionView>,
    idempotency_key: String,
    has_errors: bool,
    /// Questions became applicable with the answers sent (a step without scripts).
    more: bool,
    /// The questions this page shows, comma-separated: the next submission knows what the
    /// respondent has seen.
    shown: String,
    /// Answers that no longer apply and that the respondent was told of.
    dropped: String,
    /// In kiosk mode, the JSON endpoint the page's queue sends answers to.
    kiosk: Option<String>,
    /// The designer's preview of an unsaved definition: nothing to switch to or send.
    preview: bool,
}

#[derive(Template)]
#[template(path = "listen/respond_done.html")]
struct DonePage {
    chrome: Chrome,
    title: String,
    message: String,
}

fn lang_of(query: &LangQuery, fallback: Lang) -> Lang {
    query
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or(fallback)
}

fn question_view(q: &Question, lang: Lang, tr: Tr) -> QuestionView {
    let mut choices = Vec::new();
    let (mut low, mut high) = ("", "");
    if let Some((min, max)) = q.kind.score_range() {
        choices = (min..=max)
            .map(|n| (n.to_string(), n.to_string()))
            .collect();
        (low, high) = match q.kind {
            QuestionKind::Nps => ("respond.nps_low", "respond.nps_high"),
            QuestionKind::Csat => ("respond.csat_low", "respond.csat_high"),
            QuestionKind::Ces => ("respond.ces_low", "respond.ces_high"),
            _ => ("respond.rating_low", "respond.rating_high"),
        };
        (low, high) = (tr.t(low), tr.t(high));
    }
    for o in q.kind.options() {
        choices.push((o.value.clone(), o.label.get(lang).to_owned()));
    }
    QuestionView {
        key: q.key.clone(),
        kind: q.kind.code(),
        prompt: q.prompt.get(lang).to_owned(),
        required: q.required,
        choices,
        low,
        high,
        show_if: q.show_if.as_ref().map(|c| {
            let values: Vec<String> = c
                .values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect();
            (c.question.clone(), values.join(","))
        }),
        error: None,
        hidden: q.show_if.is_some(),
        note: None,
        values: Vec::new(),
        contact: HashMap::new(),
    }
}

/// Every question of the link's survey, unanswered, in `lang`.
fn blank_views(link: &PublicLink, lang: Lang) -> Vec<QuestionView> {
    let tr = Tr::new(lang);
    link.definition
        .questions
        .iter()
        .map(|q| question_view(q, lang, tr))
        .collect()
}

/// A public link that leads nowhere: a guest's page, not the staff application's 404.
fn missing_page(lang: Lang) -> Result<Response, AppError> {
    let tr = Tr::new(lang);
    let body = DonePage {
        chrome: Chrome::anonymous(lang),
        title: tr.t("respond.missing_title").into(),
        message: tr.t("respond.missing").into(),
    };
    Ok((StatusCode::NOT_FOUND, page(&body)?).into_response())
}

fn closed_page(lang: Lang, status: StatusCode) -> Result<Response, AppError> {
    let tr = Tr::new(lang);
    let body = DonePage {
        chrome: Chrome::anonymous(lang),
        title: tr.t("respond.closed_title").into(),
        message: tr.t("respond.closed").into(),
    };
    Ok((status, page(&body)?).into_response())
}

pub(crate) fn plausible(token: &str) -> bool {
    // Tokens are long random strings; anything else is not worth a query.
    token.len() <= 100
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

async fn open_link(
    state: &AppState,
    token: &str,
    guess: Option<Epoch>,
) -> Result<Option<PublicLink>, AppError> {
    if !plausible(token) {
        return Ok(None);
    }
    Ok(state.store.link_by_token_at(token, guess).await?)
}

/// What [`open_target`] finds behind `token`, and the epoch it is a guess under: a shared
/// link comes from what this process keeps under a recent epoch (no query; a page only
/// shows it, and a submission's write confirms the epoch). A guess that would turn the
/// respondent away is read fresh first; invitations are always read fresh.
async fn open_guessed(
    state: &AppState,
    token: &str,
) -> Result<(Option<Target>, Option<Epoch>), AppError> {
    let epoch = state.store.recent_epoch().await?;
    if let Some(link) = open_link(state, token, Some(epoch)).await?
        && link.active
        && link.status == SurveyStatus::Published
    {
        return Ok((Some((link, None)), Some(epoch)));
    }
    Ok((open_target(state, token).await?, None))
}

type Target = (PublicLink, Option<Invitation>);

/// A personal invitation behind a `/s/{token}` address.
struct Invitation {
    id: i64,
    answered: bool,
    language: Lang,
}

/// A link token or an invitation token, as the page needs it.
async fn open_target(state: &AppState, token: &str) -> Result<Option<Target>, AppError> {
    if let Some(link) = open_link(state, token, None).await? {
        return Ok(Some((link, None)));
    }
    if !plausible(token) {
        return Ok(None);
    }
    let Some(inv) = state.store.invitation_by_token(token).await? else {
        return Ok(None);
    };
    let link = PublicLink {
        link_id: 0,
        tenant: inv.tenant,
        active: true,
        survey_id: inv.survey_id,
        status: inv.status,
        version_id: inv.version_id,
        definition: inv.definition,
        unit_id: inv.unit_id,
        unit_name: inv.unit_name,
        touchpoint_id: inv.touchpoint_id,
        touchpoint: inv.touchpoint,
        person_id: None,
    };
    Ok(Some((
        link,
        Some(Invitation {
            id: inv.id,
            answered: inv.answered,
            language: inv.language,
        }),
    )))
}

fn answered_page(lang: Lang) -> Result<Response, AppError> {
    let tr = Tr::new(lang);
    page(&DonePage {
        chrome: Chrome::anonymous(lang),
        title: tr.t("respond.answered_title").into(),
        message: tr.t("respond.answered").into(),
    })
}

fn render_form(
    link: &PublicLink,
    token: &str,
    lang: Lang,
    views: Vec<QuestionView>,
    has_errors: bool,
) -> Result<Response, AppError> {
    render_page(link, token, lang, views, has_errors, None)
}

fn render_page(
    link: &PublicLink,
    token: &str,
    lang: Lang,
    views: Vec<QuestionView>,
    has_errors: bool,
    kiosk: Option<String>,
) -> Result<Response, AppError> {
    let def: &SurveyDefinition = &link.definition;
    let shown = views
        .iter()
        .filter(|v| !v.hidden)
        .map(|v| v.key.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let dropped = views
        .iter()
        .filter(|v| v.note.is_some())
        .map(|v| v.key.as_str())
        .collect::<Vec<_>>()
        .join(",");
    // A second step: the page was sent and comes back with no error to fix.
    let more = !has_errors
        && views
            .iter()
            .any(|v| !v.values.is_empty() || !v.contact.is_empty());
    let body = RespondPage {
        more,
        shown,
        dropped,
        chrome: Chrome::anonymous(lang),
        token: token.to_owned(),
        title: def.title.get(lang).to_owned(),
        intro: def.intro.get(lang).to_owned(),
        place: format!("{} · {}", link.unit_name, link.touchpoint.get(lang)),
        questions: views,
        idempotency_key: random_token().map_err(AppError::internal)?,
        has_errors,
        kiosk,
        preview: false,
    };
    let mut response = page(&body)?;
    if has_errors {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The page a respondent would see for `def` in `lang`, for the survey designer's phone
/// preview: the same template, so what the designer sees is what customers get.
pub fn preview_html(def: &SurveyDefinition, lang: Lang, place: &str) -> Result<String, AppError> {
    let tr = Tr::new(lang);
    RespondPage {
        chrome: Chrome::anonymous(lang),
        token: "preview".into(),
        title: def.title.get(lang).to_owned(),
        intro: def.intro.get(lang).to_owned(),
        place: place.to_owned(),
        questions: def
            .questions
            .iter()
            .map(|q| question_view(q, lang, tr))
            .collect(),
        idempotency_key: String::new(),
        has_errors: false,
        more: false,
        shown: String::new(),
        dropped: String::new(),
        kiosk: None,
        preview: true,
    }
    .render()
    .map_err(AppError::internal)
}

pub async fn show(
    State(state): State<AppState>,
    RequestLang(browser): RequestLang,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, AppError> {
    let (Some((link, invitation)), _) = open_guessed(&state, &token).await? else {
        return missing_page(lang_of(&q, browser));
    };
    // An invitation opens in the recipient's language unless they switch.
    let lang = lang_of(&q, invitation.as_ref().map_or(browser, |i| i.language));
    if !link.active || link.status != SurveyStatus::Published {
        return closed_page(lang, StatusCode::GONE);
    }
    if let Some(inv) = &invitation {
        if inv.answered {
            return answered_page(lang);
        }
        state
            .store
            .invitation_opened(inv.id, state.clock.now())
            .await?;
    }
    let views = blank_views(&link, lang);
    render_form(&link, &token, lang, views, false)
}

/// Turns `q.<key>` form fields into the JSON the answer checker reads: repeated fields into
/// arrays, `q.<key>.<part>` into objects (contact details).
fn form_answers(fields: &[(String, String)], def: &SurveyDefinition) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in fields {
        let Some(rest) = name.strip_prefix("q.") else {
            continue;
        };
        match rest.split_once('.') {
            Some((key, part)) => {
                let entry = out
                    .entry(key.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(obj) = entry {
                    obj.insert(part.to_owned(), Value::String(value.clone()));
                }
            }
            None => {
                let multi = def
                    .question(rest)
                    .is_some_and(|q| matches!(q.kind, QuestionKind::MultipleChoice { .. }));
                if multi {
                    let entry = out
                        .entry(rest.to_owned())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(list) = entry {
                        list.push(Value::String(value.clone()));
                    }
                } else {
                    out.insert(rest.to_owned(), Value::String(value.clone()));
                }
            }
        }
    }
    out
}

/// Per client and link, every public way in together (the form and the kiosk): a family
/// on one phone, or a lobby kiosk syncing its queue at a busy desk's pace, not a script.
/// A kiosk told to wait (429, `Retry-After`) keeps its answers queued and tries again.
const PER_CLIENT: (u32, i64) = (60, 10 * 60);
/// Per link, all clients together: a busy lobby QR code at peak, with room to spare.
const PER_LINK: (u32, i64) = (600, 60);

/// Counts a submission against the client's and the token's limits (keyed by token, so
/// every link and every invitation has its own budget).
async fn admit(
    state: &AppState,
    token: &str,
    client: Option<std::net::IpAddr>,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    let client = client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let mine = state
        .limits
        .hit(
            &format!("s:{token}:{client}"),
            PER_CLIENT.0,
            time::Duration::seconds(PER_CLIENT.1),
            now,
        )
        .await;
    let all = state
        .limits
        .hit(
            &format!("t:{token}"),
            PER_LINK.0,
            time::Duration::seconds(PER_LINK.1),
            now,
        )
        .await;
    mine.and(all).map_err(|wait| AppError::Throttled {
        retry_after_secs: wait,
    })
}

pub async fn submit(
    State(state): State<AppState>,
    RequestLang(browser): RequestLang,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, AppError> {
    let body = body.map_err(|_| AppError::TooLarge)?;
    let fields = strict_form(&body)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let now = state.clock.now();
    let mut admitted = false;
    let (mut target, mut epoch) = open_guessed(&state, &token).await?;
    let (recorded, lang, invitation, asked_contact) = loop {
        let lang = field("lang").and_then(Lang::from_code).unwrap_or(browser);
        let Some((link, invitation)) = target else {
            return missing_page(lang);
        };
        if !link.active || link.status != SurveyStatus::Published {
            return closed_page(lang, StatusCode::GONE);
        }
        if invitation.as_ref().is_some_and(|i| i.answered) {
            return answered_page(lang);
        }
        if !admitted {
            admit(&state, &token, client, now).await?;
            admitted = true;
        }
        let raw = form_answers(&fields, &link.definition);
        // Without the page's script, display logic runs here, in steps: questions that
        // now apply are asked before anything is kept, and an answer that stopped applying
        // is pointed out, never dropped unsaid.
        // (A post without `shown` did not come from this page: a script, one step.)
        if field("js") != Some("1") && field("shown").is_some() {
            let list = |name: &str| -> Vec<String> {
                field(name)
                    .unwrap_or_default()
                    .split(',')
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let (shown, told) = (list("shown"), list("dropped"));
            let applies = applicable(&link.definition, &raw);
            let new = applies.iter().any(|k| !shown.iter().any(|s| s == k));
            let stale: Vec<&str> = link
                .definition
                .questions
                .iter()
                .map(|q| q.key.as_str())
                .filter(|k| !applies.contains(k) && answered(&raw, k))
                .filter(|k| !told.iter().any(|t| t == k))
                .collect();
            if new || !stale.is_empty() {
                return render_step(&link, &token, lang, &raw, &applies, &stale);
            }
        }
        let answers = match check(&link.definition, &raw) {
            Ok(a) => a,
            Err(errors) => return render_errors(&link, &token, lang, &raw, &errors),
        };
        let asked_contact = answers
            .0
            .values()
            .any(|a| matches!(a, cumbre_domain::listen::Answer::Contact(_)));
        // One response per invitation; per page view for a shared link.
        let key = match &invitation {
            Some(inv) => Some(format!("inv:{}", inv.id)),
            None => field("idempotency_key")
                .filter(|k| !k.is_empty() && k.len() <= 100)
                .map(|k| format!("link:{}:{k}", link.link_id)),
        };
        let new = NewResponse {
            link_id: invitation.is_none().then_some(link.link_id),
            source: if invitation.is_some() {
                "invitation".into()
            } else {
                "link".into()
            },
            ..response_at(&link, answers, lang, key, now)
        };
        match state.store.record_response_as_of(new, now, epoch).await {
            // The link was a guess and something changed meanwhile: read it fresh.
            Err(StoreError::EpochMoved) if epoch.is_some() => {
                (target, epoch) = (open_target(&state, &token).await?, None);
            }
            other => break (other?, lang, invitation, asked_contact),
        }
    };
    if let Some(inv) = &invitation {
        state
            .store
            .invitation_answered(inv.id, recorded.id(), now)
            .await?;
    }
    // Post/redirect/get: a reload of the thank-you page cannot resubmit.
    let contact = if asked_contact { "&contact=1" } else { "" };
    Ok(Redirect::to(&format!("/s/{token}/thanks?lang={}{contact}", lang.code())).into_response())
}

/// The form again with the answers given, the questions that apply to them shown and
/// those answered that no longer apply pointed out (`stale`).
fn render_step(
    link: &PublicLink,
    token: &str,
    lang: Lang,
    raw: &Map<String, Value>,
    applies: &[&str],
    stale: &[&str],
) -> Result<Response, AppError> {
    let tr = Tr::new(lang);
    let prompt = |key: &str| {
        link.definition
            .question(key)
            .map_or_else(String::new, |q| q.prompt.get(lang).to_owned())
    };
    let views = link
        .definition
        .questions
        .iter()
        .map(|q| {
            let mut v = filled(question_view(q, lang, tr), raw.get(&q.key));
            let is_stale = stale.contains(&q.key.as_str());
            v.hidden = !applies.contains(&q.key.as_str()) && !is_stale;
            if is_stale {
                let because = q
                    .show_if
                    .as_ref()
                    .map_or_else(String::new, |c| prompt(&c.question));
                v.note = Some(tr.f("respond.no_longer_applies", because));
            }
            v
        })
        .collect();
    render_form(link, token, lang, views, false)
}

/// A question's view refilled with what was sent for it.
fn filled(mut v: QuestionView, sent: Option<&Value>) -> QuestionView {
    match sent {
        Some(Value::String(s)) => v.values = vec![s.clone()],
        Some(Value::Array(list)) => {
            v.values = list
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        }
        Some(Value::Object(obj)) => {
            v.contact = obj
                .iter()
                .filter_map(|(k, x)| Some((k.clone(), x.as_str()?.to_owned())))
                .collect()
        }
        _ => {}
    }
    v
}

fn render_errors(
    link: &PublicLink,
    token: &str,
    lang: Lang,
    raw: &Map<String, Value>,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let tr = Tr::new(lang);
    let applies = applicable(&link.definition, raw);
    let views = link
        .definition
        .questions
        .iter()
        .map(|q| {
            let mut v = filled(question_view(q, lang, tr), raw.get(&q.key));
            v.hidden = !applies.contains(&q.key.as_str());
            // "Answer this question" names it: the generic field name says nothing here.
            v.error = errors
                .iter()
                .find(|(k, _)| k == &q.key)
                .map(|(_, e)| match e {
                    cumbre_domain::InvalidInput::Required(_) => {
                        tr.f("respond.required_named", q.prompt.get(lang))
                    }
                    other => other.message(lang),
                });
            v
        })
        .collect();
    render_form(link, token, lang, views, true)
}

pub async fn thanks(
    State(state): State<AppState>,
    RequestLang(browser): RequestLang,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, AppError> {
    let lang = lang_of(&q, browser);
    let (Some((link, _)), _) = open_guessed(&state, &token).await? else {
        return missing_page(lang);
    };
    let tr = Tr::new(lang);
    // The survey's own words thank the respondent; the heading then only says it arrived
    // (a "Thank you!" heading over "Thank you! …" said it twice).
    let (title, mut message) = match link.definition.thanks.get(lang) {
        "" => (
            tr.t("respond.thanks_title"),
            tr.t("respond.thanks").to_owned(),
        ),
        text => (tr.t("respond.received"), text.to_owned()),
    };
    if q.contact.as_deref() == Some("1") {
        message.push(' ');
        message.push_str(tr.t("respond.will_contact"));
    }
    page(&DonePage {
        chrome: Chrome::anonymous(lang),
        title: title.into(),
        message,
    })
}

/// Kiosk mode: the same survey, full screen on a tablet at a desk. The page resets after each
/// answer and queues answers in the browser, sending each with its own idempotency key
/// when the network allows, so a cut loses nothing and a retry duplicates nothing.
pub async fn kiosk(
    State(state): State<AppState>,
    RequestLang(browser): RequestLang,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, AppError> {
    let lang = lang_of(&q, browser);
    let Some(link) = open_link(&state, &token, None).await? else {
        return missing_page(lang);
    };
    if !link.active || link.status != SurveyStatus::Published {
        return closed_page(lang, StatusCode::GONE);
    }
    let views = blank_views(&link, lang);
    render_page(
        &link,
        &token,
        lang,
        views,
        false,
        Some(format!("/s/{token}/kiosk")),
    )
}

#[derive(serde::Deserialize)]
pub struct KioskAnswer {
    key: String,
    #[serde(default)]
    lang: Option<String>,
    answers: Map<String, Value>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    submitted_at: Option<time::OffsetDateTime>,
}

/// How old a queued answer may be when it finally arrives.
const KIOSK_MAX_AGE_DAYS: i64 = 7;

/// The shared link a kiosk answers through: an invitation has no kiosk (404), a closed
/// survey or a switched-off link takes no answers (410).
fn kiosk_link(target: Option<Target>) -> Result<PublicLink, AppError> {
    match target {
        Some((link, None)) if link.active && link.status == SurveyStatus::Published => Ok(link),
        Some((_, None)) => Err(AppError::Gone),
        _ => Err(AppError::NotFound),
    }
}

pub async fn kiosk_submit(
    State(state): State<AppState>,
    RequestLang(browser): RequestLang,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    payload: Result<crate::platform::extract::JsonBody<KioskAnswer>, AppError>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    // As the form: the link as kept under a recent epoch, confirmed by the write; a guess
    // that would turn the kiosk away, or that the write finds stale, is read fresh.
    let (target, mut epoch) = open_guessed(&state, &token).await?;
    let mut link = kiosk_link(target)?;
    let item = crate::platform::extract::body(payload)?;
    if item.key.is_empty() || item.key.len() > 100 {
        return Err(cumbre_domain::InvalidInput::Required(cumbre_domain::Field::Key).into());
    }
    admit(&state, &token, client, now).await?;
    let lang = item
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or(browser);
    // The device's clock says when it was answered; trust it within reason.
    let submitted_at = item
        .submitted_at
        .filter(|at| {
            *at <= now + time::Duration::minutes(5)
                && *at >= now - time::Duration::days(KIOSK_MAX_AGE_DAYS)
        })
        .unwrap_or(now)
        .min(now);
    let recorded = loop {
        let answers = check(&link.definition, &item.answers).map_err(AppError::InvalidFields)?;
        let key = Some(format!("kiosk:{}:{}", link.link_id, item.key));
        let new = NewResponse {
            source: "kiosk".into(),
            ..response_at(&link, answers, lang, key, submitted_at)
        };
        match state.store.record_response_as_of(new, now, epoch).await {
            Err(StoreError::EpochMoved) if epoch.is_some() => {
                link = kiosk_link(open_target(&state, &token).await?)?;
                epoch = None;
            }
            other => break other?,
        }
    };
    Ok(crate::listen::submitted(recorded))
}

/// The response `answers` make at `link`'s unit and touchpoint, through the link; the
/// caller says how it came (`source`, and whether `link_id` names the link).
fn response_at(
    link: &PublicLink,
    answers: cumbre_domain::listen::Answers,
    language: Lang,
    idempotency_key: Option<String>,
    submitted_at: time::OffsetDateTime,
) -> NewResponse {
    NewResponse {
        tenant: link.tenant,
        survey_id: link.survey_id,
        version_id: link.version_id,
        unit_id: link.unit_id,
        touchpoint_id: link.touchpoint_id,
        person_id: link.person_id,
        link_id: Some(link.link_id),
        source: "link".into(),
        language,
        nps: answers.nps(&link.definition),
        answers,
        idempotency_key,
        submitted_at,
    }
}

#[derive(Template)]
#[template(path = "listen/unsubscribe.html")]
struct UnsubscribePage {
    chrome: Chrome,
    token: String,
    done: bool,
}

/// `/u/{token}`: the unsubscribe link of an invitation e-mail, asking before acting (mail
/// scanners follow links; only the button press unsubscribes).
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    RequestLang(browser): RequestLang,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let inv = if plausible(&token) {
        state.store.invitation_by_token(&token).await?
    } else {
        None
    };
    let Some(inv) = inv else {
        return missing_page(browser);
    };
    let lang = if browser == Lang::default() {
        inv.language
    } else {
        browser
    };
    page(&UnsubscribePage {
        chrome: Chrome::anonymous(lang),
        token,
        done: false,
    })
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    RequestLang(browser): RequestLang,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !plausible(&token) {
        return missing_page(browser);
    }
    state.store.unsubscribe(&token, state.clock.now()).await?;
    page(&UnsubscribePage {
        chrome: Chrome::anonymous(browser),
        token,
        done: true,
    })
}

/// A form body's fields, refusing text that is not UTF-8 (a lenient decoder would store
/// U+FFFD in the guest's words instead).
fn strict_form(body: &[u8]) -> Result<Vec<(String, String)>, cumbre_domain::InvalidInput> {
    let decode = |raw: &[u8]| -> Result<String, cumbre_domain::InvalidInput> {
        let spaced: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        String::from_utf8(bytes).map_err(|_| cumbre_domain::InvalidInput::BadForm)
    };
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |&b| b == b'=');
            let key = decode(parts.next().unwrap_or_default())?;
            let value = decode(parts.next().unwrap_or_default())?;
            Ok((key, value))
        })
        .collect()
}

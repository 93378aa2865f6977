//! Surveys for managers: the list, one survey with its questions, status and links, new
//! links with their QR codes and printable cards, and (for now) the definition as JSON.

use crate::listen::qr;
use crate::platform::auth::secret::random_token;
use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::input::{optional_id, required_id};
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cumbre_domain::listen::templates::TEMPLATES;
use cumbre_domain::listen::{Question, QuestionKind, SurveyDefinition, SurveyStatus};
use cumbre_domain::{Field, InvalidInput, Lang, PersonId, UnitId};
use cumbre_store::listen::{LinkInput, Survey, SurveyLink, SurveySummary, Touchpoint};
use cumbre_store::org::Unit;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "listen/surveys.html")]
struct SurveysPage {
    chrome: Chrome,
    surveys: Vec<SurveySummary>,
    /// Units the user may own surveys for.
    units: Vec<Unit>,
    templates: Vec<&'static str>,
}

pub struct LinkView {
    pub link: SurveyLink,
    pub url: String,
    pub touchpoint: String,
    /// HTML to paste into a website: the survey in a frame.
    pub embed: String,
}

fn embed_snippet(url: &str, title: &str) -> String {
    let title = title.replace('"', "&quot;");
    format!(
        r#"<iframe src="{url}" title="{title}" style="width:100%;max-width:40rem;min-height:42rem;border:0" loading="lazy"></iframe>"#
    )
}

#[derive(Template)]
#[template(path = "listen/survey.html")]
struct SurveyPage {
    chrome: Chrome,
    survey: Survey,
    title: String,
    questions: Vec<(String, &'static str, String, bool, bool)>,
    links: Vec<LinkView>,
    units: Vec<Unit>,
    touchpoints: Vec<(i64, String)>,
    batches: Vec<cumbre_store::listen::invitations::BatchSummary>,
    mail_enabled: bool,
}

#[derive(Template)]
#[template(path = "listen/qr_card.html")]
struct CardPage {
    chrome: Chrome,
    title: String,
    place: String,
    url: String,
    qr_path: String,
}

fn status_label(lang: Lang, status: SurveyStatus) -> &'static str {
    match (status, lang) {
        (SurveyStatus::Draft, Lang::Es) => "Borrador",
        (SurveyStatus::Draft, Lang::En) => "Draft",
        (SurveyStatus::Published, Lang::Es) => "Publicada",
        (SurveyStatus::Published, Lang::En) => "Published",
        (SurveyStatus::Closed, Lang::Es) => "Cerrada",
        (SurveyStatus::Closed, Lang::En) => "Closed",
    }
}

impl Chrome {
    pub fn survey_status(&self, status: &SurveyStatus) -> &'static str {
        status_label(self.tr.lang, *status)
    }
}

fn touchpoint_name(list: &[Touchpoint], id: i64, lang: Lang) -> String {
    list.iter()
        .find(|t| t.id == id)
        .map(|t| t.name.get(lang).to_owned())
        .unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<axum::response::Response, AppError> {
    let surveys = state.store.list_surveys(&ctx.scope).await?;
    let units = match ctx.scope {
        cumbre_domain::access::Scope::Own { .. } => Vec::new(),
        _ => state.store.list_units(&ctx.scope).await?,
    };
    page(&SurveysPage {
        chrome: Chrome::for_user(&ctx, "surveys").with_notice(n.ok.as_deref()),
        surveys,
        units,
        templates: TEMPLATES.iter().map(|t| t.key).collect(),
    })
}

/// The catalogue key naming a question's type.
fn question_type_key(kind: &QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Nps => "qtype.nps",
        QuestionKind::Csat => "qtype.csat",
        QuestionKind::Ces => "qtype.ces",
        QuestionKind::Rating { .. } => "qtype.rating",
        QuestionKind::SingleChoice { .. } => "qtype.single_choice",
        QuestionKind::MultipleChoice { .. } => "qtype.multiple_choice",
        QuestionKind::ShortText => "qtype.short_text",
        QuestionKind::LongText => "qtype.long_text",
        QuestionKind::Contact => "qtype.contact",
    }
}

fn question_rows(
    def: &SurveyDefinition,
    lang: Lang,
) -> Vec<(String, &'static str, String, bool, bool)> {
    def.questions
        .iter()
        .map(|q: &Question| {
            (
                q.key.clone(),
                crate::platform::i18n::Tr::new(lang).t(question_type_key(&q.kind)),
                q.prompt.get(lang).to_owned(),
                q.required,
                q.show_if.is_some(),
            )
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let survey = state.store.get_survey(&ctx.scope, id).await?;
    let touchpoints = state.store.list_touchpoints(ctx.user.tenant).await?;
    // Without a configured address the page still lists each link by its path.
    let base = state.public_base().unwrap_or_default();
    let links = state
        .store
        .list_links(&ctx.scope, id)
        .await?
        .into_iter()
        .map(|link| {
            let url = format!("{base}/s/{}", link.token);
            LinkView {
                embed: embed_snippet(&url, &link.label),
                touchpoint: touchpoint_name(&touchpoints, link.touchpoint_id, ctx.lang),
                url,
                link,
            }
        })
        .collect();
    let batches = state.store.invitation_batches(&ctx.scope, id).await?;
    page(&SurveyPage {
        batches,
        mail_enabled: state.config.mail_enabled,
        chrome: Chrome::for_user(&ctx, "surveys").with_notice(n.ok.as_deref()),
        title: survey.definition.title.get(ctx.lang).to_owned(),
        questions: question_rows(&survey.definition, ctx.lang),
        survey,
        links,
        units: state.store.list_units(&ctx.scope).await?,
        touchpoints: touchpoints
            .iter()
            .map(|t| (t.id, t.name.get(ctx.lang).to_owned()))
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct NewSurveyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    owner_unit_id: String,
    #[serde(default)]
    template: String,
}

pub async fn create(
    State(state): State<AppState>,
    f: CsrfForm<NewSurveyForm>,
) -> Result<Response, AppError> {
    let owner = UnitId(required_id(&f.form.owner_unit_id, Field::Unit)?);
    let definition =
        cumbre_domain::listen::templates::template(&f.form.template).ok_or_else(|| {
            InvalidInput::NotOneOf {
                field: Field::Survey,
                value: f.form.template.clone(),
                allowed: "post-stay-nps, touchpoint-csat, reservation-ces",
            }
        })?;
    let id = state
        .store
        .create_survey(
            &f.ctx.scope,
            owner,
            &f.form.name,
            &definition,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done(&format!("/surveys/{id}"), "created"))
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<StatusForm>,
) -> Result<Response, AppError> {
    let to = SurveyStatus::parse(&f.form.status).ok_or_else(|| InvalidInput::NotOneOf {
        field: Field::Survey,
        value: f.form.status.clone(),
        allowed: "draft, published, closed",
    })?;
    state
        .store
        .set_survey_status(&f.ctx.scope, id, to, &f.ctx.actor(), state.clock.now())
        .await?;
    Ok(done(&format!("/surveys/{id}"), "saved"))
}

#[derive(Deserialize)]
pub struct DefinitionForm {
    #[serde(default)]
    definition: String,
    /// `edit` when saved from the builder, which then stays open.
    #[serde(default)]
    back: String,
}

pub async fn save_definition(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DefinitionForm>,
) -> Result<Response, AppError> {
    let definition = SurveyDefinition::from_json(&f.form.definition).map_err(AppError::from)?;
    state
        .store
        .save_survey_definition(
            &f.ctx.scope,
            id,
            &definition,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    let to = if f.form.back == "edit" {
        format!("/surveys/{id}/edit")
    } else {
        format!("/surveys/{id}")
    };
    Ok(done(&to, "saved"))
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    touchpoint_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    employee_id: String,
    #[serde(default)]
    label: String,
}

pub async fn create_link(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<LinkForm>,
) -> Result<Response, AppError> {
    let input = LinkInput {
        survey_id: id,
        touchpoint_id: required_id(&f.form.touchpoint_id, Field::Touchpoint)?,
        unit_id: UnitId(required_id(&f.form.unit_id, Field::Unit)?),
        person_id: optional_id(&f.form.employee_id, Field::Person)?.map(PersonId),
        label: f.form.label.clone(),
    };
    let token = random_token().map_err(AppError::internal)?;
    state
        .store
        .create_link(
            &f.ctx.scope,
            &input,
            &token,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done(&format!("/surveys/{id}"), "created"))
}

async fn link_url(
    state: &AppState,
    ctx: &crate::platform::auth::Ctx,
    survey: i64,
    link: i64,
) -> Result<(SurveyLink, String), AppError> {
    let found = state
        .store
        .list_links(&ctx.scope, survey)
        .await?
        .into_iter()
        .find(|l| l.id == link)
        .ok_or(AppError::NotFound)?;
    let url = format!("{}/s/{}", state.public_base()?, found.token);
    Ok((found, url))
}

pub async fn qr_svg(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path((survey, link)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (_, url) = link_url(&state, &ctx, survey, link).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml")],
        qr::svg(&url).map_err(AppError::Internal)?,
    )
        .into_response())
}

pub async fn qr_png(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path((survey, link)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (_, url) = link_url(&state, &ctx, survey, link).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/png")],
        qr::png(&url, 8).map_err(AppError::Internal)?,
    )
        .into_response())
}

/// A printable A6 card: the survey's title, the place, the QR code and the address.
pub async fn card(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path((survey, link)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (found, url) = link_url(&state, &ctx, survey, link).await?;
    let s = state.store.get_survey(&ctx.scope, survey).await?;
    let touchpoints = state.store.list_touchpoints(ctx.user.tenant).await?;
    page(&CardPage {
        chrome: Chrome::for_user(&ctx, "surveys"),
        title: s.definition.title.get(ctx.lang).to_owned(),
        place: format!(
            "{} · {}",
            found.unit_name,
            touchpoint_name(&touchpoints, found.touchpoint_id, ctx.lang)
        ),
        qr_path: format!("/surveys/{survey}/links/{link}/qr.svg"),
        url,
    })
}

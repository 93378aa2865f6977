//! The survey designer: questions, translations and display logic edited through forms,
//! with a phone-sized preview rendered by the real respondent page. The definition stays
//! JSON underneath: the page is a JSON editor without JavaScript, and saving posts the JSON
//! to the definition route, so the builder, the API and the CLI share one validation.

use crate::listen::respond::preview_html;
use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, Notice, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use cumbre_domain::Lang;
use cumbre_domain::listen::{DefinitionError, SurveyDefinition};
use cumbre_store::listen::Survey;
use serde::Deserialize;
use serde_json::json;

/// The builder's own words, handed to its script (it has no catalogue of its own).
const TEXTS: &[&str] = &[
    "builder.add_language",
    "builder.add_option",
    "builder.add_question",
    "builder.always",
    "builder.checking",
    "builder.delete",
    "builder.down",
    "builder.intro",
    "builder.key",
    "builder.language_code",
    "builder.no_problems",
    "builder.option_label",
    "builder.option_value",
    "builder.problems",
    "builder.prompt",
    "builder.remove_language",
    "builder.required",
    "builder.scale",
    "builder.show_if",
    "builder.show_when",
    "builder.standard",
    "builder.standard_none",
    "builder.thanks",
    "builder.title_field",
    "builder.type",
    "builder.unsaved",
    "builder.up",
    "qtype.ces",
    "qtype.contact",
    "qtype.csat",
    "qtype.long_text",
    "qtype.multiple_choice",
    "qtype.nps",
    "qtype.rating",
    "qtype.short_text",
    "qtype.single_choice",
];

#[derive(Template)]
#[template(path = "listen/builder.html")]
struct BuilderPage {
    chrome: Chrome,
    survey: Survey,
    definition_json: String,
    texts_json: String,
    /// [key, "name · moment of truth"] of each standard a scored question may ask about.
    standards_json: String,
    published: bool,
}

/// The survey, if the caller may design it.
async fn editable(
    state: &AppState,
    scope: &cumbre_domain::access::Scope,
    id: i64,
) -> Result<Survey, AppError> {
    let survey = state.store.get_survey(scope, id).await?;
    if !survey.summary.editable {
        return Err(AppError::Forbidden);
    }
    Ok(survey)
}

pub async fn edit(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let survey = editable(&state, &ctx.scope, id).await?;
    let chrome = Chrome::for_user(&ctx, "surveys").with_notice(n.ok.as_deref());
    let texts: serde_json::Map<String, serde_json::Value> = TEXTS
        .iter()
        .map(|k| ((*k).to_owned(), chrome.tr.t(k).into()))
        .collect();
    let touchpoints = state.store.list_touchpoints(ctx.user.tenant).await?;
    let standards: Vec<(String, String)> = state
        .store
        .list_standards(ctx.user.tenant, None, None)
        .await?
        .into_iter()
        .map(|s| {
            let place =
                crate::decide::form::touchpoint_name(&touchpoints, s.touchpoint_id, ctx.lang);
            (s.key, format!("{} · {place}", s.definition.name))
        })
        .collect();
    page(&BuilderPage {
        standards_json: serde_json::to_string(&standards).map_err(AppError::internal)?,
        definition_json: serde_json::to_string_pretty(&*survey.definition)
            .map_err(AppError::internal)?,
        texts_json: serde_json::Value::Object(texts).to_string(),
        published: survey.summary.status != cumbre_domain::listen::SurveyStatus::Draft,
        survey,
        chrome,
    })
}

#[derive(Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    definition: String,
    #[serde(default)]
    lang: String,
}

/// Checks an unsaved definition: 200, or 422 with each problem's path and message in the
/// designer's language, for the builder to show beside the field concerned.
pub async fn check(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DraftForm>,
) -> Result<Response, AppError> {
    editable(&state, &f.ctx.scope, id).await?;
    let checked = match SurveyDefinition::from_json(&f.form.definition) {
        Ok(def) => unknown_standards(&state, f.ctx.user.tenant, &def).await?,
        Err(list) => Err(list),
    };
    Ok(match checked {
        Ok(()) => Json(json!({ "errors": [] })).into_response(),
        Err(list) => {
            let errors: Vec<_> = list
                .into_iter()
                .map(|e| json!({ "path": e.path, "message": e.error.message(f.ctx.lang) }))
                .collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "errors": errors })),
            )
                .into_response()
        }
    })
}

/// The questions asking about a standard the tenant does not have (saving refuses them
/// too; the check says so beside the question while it is edited).
async fn unknown_standards(
    state: &AppState,
    tenant: cumbre_domain::TenantId,
    def: &SurveyDefinition,
) -> Result<Result<(), Vec<DefinitionError>>, AppError> {
    if def.questions.iter().all(|q| q.standard.is_none()) {
        return Ok(Ok(()));
    }
    let known = state.store.list_standards(tenant, None, None).await?;
    let errors: Vec<DefinitionError> = def
        .questions
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            let key = q.standard.as_ref()?;
            (!known.iter().any(|s| &s.key == key)).then(|| DefinitionError {
                path: format!("questions[{i}].standard"),
                error: cumbre_domain::InvalidInput::UnknownReference {
                    field: cumbre_domain::Field::Standard,
                    value: key.clone(),
                },
            })
        })
        .collect();
    Ok(if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    })
}

/// Policy of the preview page: the builder frames it, nobody else may.
const PREVIEW_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'none'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'";

/// The respondent's page for an unsaved definition, in the language asked for.
pub async fn preview(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DraftForm>,
) -> Result<Response, AppError> {
    let survey = editable(&state, &f.ctx.scope, id).await?;
    let lang = Lang::from_code(&f.form.lang).unwrap_or(f.ctx.lang);
    let def = SurveyDefinition::from_json(&f.form.definition).map_err(AppError::from)?;
    let place = format!(
        "{} · {}",
        survey.summary.owner_unit_name,
        crate::platform::i18n::Tr::new(lang).t("builder.preview")
    );
    let mut response = Html(preview_html(&def, lang, &place)?).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PREVIEW_CSP),
    );
    Ok(response)
}

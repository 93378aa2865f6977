//! The Listen part of the JSON API: touchpoints, surveys, links and responses.

use super::filters::ResponsesQuery;
use super::{Submitted, submitted};
use crate::platform::api::Id;
use crate::platform::auth::context::confirm;
use crate::platform::auth::secret::random_token;
use crate::platform::auth::{ApiCtx, Ctx, GuessedApiCtx};
use crate::platform::extract::{JsonBody, Path, body, idempotency_key, params};
use crate::platform::openapi;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cumbre_domain::listen::answers::check_json;
use cumbre_domain::listen::{SurveyDefinition, SurveyStatus};
use cumbre_domain::{Field, InvalidInput, Lang, PersonId, UnitId};
use cumbre_store::StoreError;
use cumbre_store::listen::{
    LinkInput, NewResponse, ResponsePage, SurveyLink, SurveySummary, Touchpoint,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    let (schemas, paths, bounces) = routes!(report_bounce);
    OpenApiRouter::new()
        .routes(routes!(touchpoints))
        .routes(routes!(list_surveys, create_survey))
        .routes(routes!(get_survey))
        .routes(routes!(save_definition))
        .routes(routes!(set_status))
        .routes(routes!(list_links, create_link))
        .routes(routes!(submit_response))
        .routes(routes!(list_responses))
        .routes((
            schemas,
            paths,
            bounces.layer(axum::extract::DefaultBodyLimit::max(MAX_REPORT)),
        ))
}

/// The journey's touchpoints, in order.
#[utoipa::path(get, path = "/api/v1/touchpoints", tag = "listen",
    responses((status = 200, description = "The journey in order.", body = Vec<Touchpoint>)))]
async fn touchpoints(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<Touchpoint>>, AppError> {
    Ok(Json(state.store.list_touchpoints(ctx.user.tenant).await?))
}

/// Surveys owned in the caller's subtree or above it (managers and up).
#[utoipa::path(get, path = "/api/v1/surveys", tag = "listen",
    responses((status = 200, description = "The surveys.", body = Vec<SurveySummary>)))]
async fn list_surveys(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<SurveySummary>>, AppError> {
    Ok(Json(state.store.list_surveys(&ctx.scope).await?))
}

/// A survey with its current definition.
#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "listen", params(Id),
    responses((status = 200, description = "The survey.", body = cumbre_store::listen::Survey)))]
async fn get_survey(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(Json(state.store.get_survey(&ctx.scope, id).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
struct NewSurvey {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    owner_unit_id: i64,
    /// A definition document (docs/SURVEYS.md), or…
    #[serde(default)]
    #[schema(value_type = Option<SurveyDefinition>)]
    definition: Option<Value>,
    /// …the key of a shipped template.
    #[serde(default)]
    #[schema(value_type = Option<TemplateKey>)]
    template: Option<String>,
}

/// The shipped survey templates (what `templates::template` knows).
#[derive(ToSchema)]
#[allow(dead_code)]
enum TemplateKey {
    #[schema(rename = "post-stay-nps")]
    PostStayNps,
    #[schema(rename = "touchpoint-csat")]
    TouchpointCsat,
    #[schema(rename = "reservation-ces")]
    ReservationCes,
}

fn parse_definition(value: &Value) -> Result<SurveyDefinition, AppError> {
    SurveyDefinition::from_json(&value.to_string()).map_err(AppError::from)
}

/// A new draft survey, from a definition or a template (managers, for their subtree).
#[utoipa::path(post, path = "/api/v1/surveys", tag = "listen", request_body = NewSurvey,
    responses((status = 201, description = "The new draft.", body = cumbre_store::listen::Survey)))]
async fn create_survey(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<NewSurvey>, AppError>,
) -> Result<Response, AppError> {
    let b = body(payload)?;
    let definition = match (&b.definition, &b.template) {
        (Some(d), _) => parse_definition(d)?,
        (None, Some(key)) => cumbre_domain::listen::templates::template(key).ok_or_else(|| {
            InvalidInput::NotOneOf {
                field: Field::Survey,
                value: key.clone(),
                allowed: "post-stay-nps, touchpoint-csat, reservation-ces",
            }
        })?,
        (None, None) => return Err(InvalidInput::Required(Field::Question).into()),
    };
    let id = state
        .store
        .create_survey(
            &ctx.scope,
            UnitId(b.owner_unit_id),
            &b.name,
            &definition,
            &ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.get_survey(&ctx.scope, id).await?),
    )
        .into_response())
}

/// Saves a definition: a draft changes in place, a published survey gets a new version.
#[utoipa::path(put, path = "/api/v1/surveys/{id}/definition", tag = "listen", params(Id),
    request_body = SurveyDefinition,
    responses((status = 200, description = "The version now current.", body = SavedVersion)))]
async fn save_definition(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<Value>, AppError>,
) -> Result<Response, AppError> {
    let definition = parse_definition(&body(payload)?)?;
    let version = state
        .store
        .save_survey_definition(&ctx.scope, id, &definition, &ctx.actor(), state.clock.now())
        .await?;
    Ok(Json(SavedVersion { id, version }).into_response())
}

/// A survey's current version after a save.
#[derive(Serialize, ToSchema)]
struct SavedVersion {
    id: i64,
    version: i64,
}

#[derive(Deserialize, ToSchema)]
struct StatusBody {
    /// draft → published → closed → published.
    #[schema(value_type = SurveyStatus)]
    status: String,
}

/// Publishes or closes a survey (editors).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/status", tag = "listen", params(Id),
    request_body = StatusBody,
    responses((status = 200, description = "The survey after the change.", body = SurveySummary)))]
async fn set_status(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<StatusBody>, AppError>,
) -> Result<Response, AppError> {
    let b = body(payload)?;
    let to = SurveyStatus::parse(&b.status).ok_or_else(|| InvalidInput::NotOneOf {
        field: Field::Survey,
        value: b.status.clone(),
        allowed: "draft, published, closed",
    })?;
    state
        .store
        .set_survey_status(&ctx.scope, id, to, &ctx.actor(), state.clock.now())
        .await?;
    Ok(Json(state.store.get_survey(&ctx.scope, id).await?.summary).into_response())
}

/// The survey's links, for the units the caller sees.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/links", tag = "listen", params(Id),
    responses((status = 200, description = "The links.", body = Vec<SurveyLink>)))]
async fn list_links(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SurveyLink>>, AppError> {
    Ok(Json(state.store.list_links(&ctx.scope, id).await?))
}

#[derive(Deserialize, ToSchema)]
struct NewLink {
    touchpoint_id: i64,
    unit_id: i64,
    #[serde(default)]
    employee_id: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 200)]
    label: Option<String>,
}

/// A new link and the path of its public survey page.
#[derive(Serialize, ToSchema)]
struct CreatedLink {
    link: SurveyLink,
    /// `/s/<token>`.
    path: String,
}

/// A new link (QR code, kiosk, e-mail) for a unit and touchpoint.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/links", tag = "listen", params(Id),
    request_body = NewLink,
    responses((status = 201, description = "The link.", body = CreatedLink)))]
async fn create_link(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<NewLink>, AppError>,
) -> Result<Response, AppError> {
    let b = body(payload)?;
    let input = LinkInput {
        survey_id: id,
        touchpoint_id: b.touchpoint_id,
        unit_id: UnitId(b.unit_id),
        person_id: b.employee_id.map(PersonId),
        label: b.label.unwrap_or_default(),
    };
    // 32 random bytes, hex: unguessable, and safe in a URL and a QR code.
    let token = random_token().map_err(AppError::internal)?;
    let link = state
        .store
        .create_link(&ctx.scope, &input, &token, &ctx.actor(), state.clock.now())
        .await?;
    let links = state.store.list_links(&ctx.scope, id).await?;
    let created = links
        .into_iter()
        .find(|l| l.id == link)
        .ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedLink {
            link: created,
            path: format!("/s/{token}"),
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
struct SubmittedResponse {
    /// By question key: scores are numbers, single choices and texts strings, multiple
    /// choices arrays, contact details an object (kept only with `consent: true`).
    #[schema(value_type = std::collections::BTreeMap<String, cumbre_domain::listen::answers::Answer>)]
    answers: Map<String, Value>,
    unit_id: i64,
    touchpoint_id: i64,
    #[serde(default)]
    employee_id: Option<i64>,
    #[serde(default)]
    language: Option<String>,
    /// For historical imports; defaults to now. RFC 3339.
    #[serde(default)]
    #[schema(format = DateTime)]
    submitted_at: Option<String>,
}

/// Submits a response (managers and up). The same `Idempotency-Key` again writes nothing
/// and answers the first response's id.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/responses", tag = "listen",
    params(Id,
        ("Idempotency-Key" = Option<String>, Header, description = "1–200 characters: a retry with the same key is stored once.")),
    request_body = SubmittedResponse,
    responses(
        (status = 201, description = "Stored.", body = Submitted),
        (status = 200, description = "Seen before under this key: nothing written.", body = Submitted),
        (status = 429, description = "Too many submissions; `Retry-After` says when to retry.", body = openapi::ApiErrorBody)))]
async fn submit_response(
    State(state): State<AppState>,
    GuessedApiCtx(ctx): GuessedApiCtx,
    Path(id): Path<i64>,
    headers: HeaderMap,
    payload: Result<JsonBody<SubmittedResponse>, AppError>,
) -> Result<Response, AppError> {
    let key = idempotency_key(&headers)?.map(|k| format!("api:{k}"));
    let b = body(payload)?;
    // Checked first against what this process keeps under the newest epoch it saw (no
    // query); the write confirms that epoch, and when it has moved the token, survey and
    // unit are read fresh and the response checked once more.
    let guess = ctx.epoch.filter(|_| ctx.guessed);
    let recorded = match check_submission(&state, &ctx, id, &b, key.clone()).await {
        Ok(new) => match state
            .store
            .record_response_as_of(new, state.clock.now(), guess)
            .await
        {
            Err(StoreError::EpochMoved) if guess.is_some() => None,
            other => Some(other?),
        },
        Err(_) if guess.is_some() => None,
        Err(e) => return Err(e),
    };
    let recorded = match recorded {
        Some(r) => r,
        None => {
            let ctx = confirm(&state, &headers).await?;
            let new = check_submission(&state, &ctx, id, &b, key).await?;
            state.store.record_response(new, state.clock.now()).await?
        }
    };
    Ok(submitted(recorded))
}

/// The response `b` would store for `ctx`, or why it is refused.
async fn check_submission(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    b: &SubmittedResponse,
    key: Option<String>,
) -> Result<NewResponse, AppError> {
    let survey = state.store.get_survey_at(&ctx.scope, id, ctx.epoch).await?;
    let now = state.clock.now();
    // Parsed within the supported calendar (`parse_instant` checks the range).
    let historical = b
        .submitted_at
        .as_deref()
        .map(|at| cumbre_domain::calendar::parse_instant(at, Field::SubmittedAt))
        .transpose()?;
    let submitted_at = historical.unwrap_or(now);
    if submitted_at > now + time::Duration::minutes(5) {
        return Err(InvalidInput::FutureDate {
            field: Field::SubmittedAt,
            value: submitted_at.to_string(),
        }
        .into());
    }
    // A draft takes no answers; a closed survey takes only historical ones (imports).
    if survey.summary.status == SurveyStatus::Draft
        || (survey.summary.status == SurveyStatus::Closed && historical.is_none())
    {
        return Err(InvalidInput::SurveyClosed.into());
    }
    let mut errors = Vec::new();
    let unit = UnitId(b.unit_id);
    let found = state.store.get_unit_at(&ctx.scope, unit, ctx.epoch).await;
    if matches!(found, Err(StoreError::NotFound)) {
        errors.push((
            "unit_id".to_owned(),
            InvalidInput::UnknownReference {
                field: Field::Unit,
                value: unit.to_string(),
            },
        ));
    }
    if let Some(p) = b.employee_id
        && matches!(
            state.store.get_person(&ctx.scope, PersonId(p)).await,
            Err(StoreError::NotFound)
        )
    {
        errors.push((
            "employee_id".to_owned(),
            InvalidInput::UnknownReference {
                field: Field::Person,
                value: p.to_string(),
            },
        ));
    }
    let language = match b.language.as_deref() {
        None => ctx.lang,
        Some(code) => Lang::from_code(code).unwrap_or_else(|| {
            errors.push((
                "language".to_owned(),
                InvalidInput::NotOneOf {
                    field: Field::Language,
                    value: code.to_owned(),
                    allowed: "es, en",
                },
            ));
            ctx.lang
        }),
    };
    let answers = match check_json(&survey.definition, &b.answers) {
        Ok(a) => Some(a),
        Err(list) => {
            errors.extend(list.into_iter().map(|(k, e)| (format!("answers.{k}"), e)));
            None
        }
    };
    let answers = match answers {
        Some(a) if errors.is_empty() => a,
        _ => return Err(AppError::InvalidFields(errors)),
    };
    Ok(NewResponse {
        tenant: ctx.user.tenant,
        survey_id: id,
        version_id: survey.version_id,
        unit_id: unit,
        touchpoint_id: b.touchpoint_id,
        person_id: b.employee_id.map(PersonId),
        link_id: None,
        source: if historical.is_some() {
            "import".into()
        } else {
            "api".into()
        },
        language,
        nps: answers.nps(&survey.definition),
        answers,
        idempotency_key: key,
        submitted_at,
    })
}

/// Responses in the caller's scope, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/responses", tag = "listen", params(ResponsesQuery),
    responses((status = 200, description = "A page of responses.", body = ResponsePage)))]
async fn list_responses(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<ResponsesQuery>, QueryRejection>,
) -> Result<Json<ResponsePage>, AppError> {
    let q = params(query)?;
    let filter = q.filter(100)?;
    Ok(Json(state.store.list_responses(&ctx.scope, &filter).await?))
}

/// Bounce reports are small; a whole returned message with attachments is not needed.
const MAX_REPORT: usize = 1024 * 1024;

/// `POST /api/v1/invitations/bounces`: a bounce report (RFC 3464), raw as the mail server
/// returned it, from the mailbox of the invitations' sender. Administrators only (a mail
/// system's token). Answers which invitations it marked bounced and which recipients
/// matched none.
#[utoipa::path(post, path = "/api/v1/invitations/bounces", tag = "listen",
    request_body(content = String, content_type = "text/plain", description = "The report as the mail server returned it, up to 1 MiB."),
    responses((status = 200, description = "What the report marked.", body = Bounced)))]
async fn report_bounce(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: axum::body::Bytes,
) -> Result<Json<Bounced>, AppError> {
    ctx.admin()?;
    let text = String::from_utf8_lossy(&body);
    let report = cumbre_domain::listen::bounces::read_report(&text)?;
    let now = state.clock.now();
    let mut bounced = Vec::new();
    let mut unmatched = Vec::new();
    for b in &report.bounces {
        match state
            .store
            .invitation_bounced(ctx.user.tenant, report.invitation, b, now)
            .await?
        {
            Some(id) => bounced.push(id),
            None => unmatched.push(b.recipient.clone()),
        }
    }
    Ok(Json(Bounced { bounced, unmatched }))
}

/// What a bounce report marked.
#[derive(Serialize, ToSchema)]
struct Bounced {
    /// The invitations marked bounced.
    bounced: Vec<i64>,
    /// Recipients of the report that matched no invitation.
    unmatched: Vec<String>,
}

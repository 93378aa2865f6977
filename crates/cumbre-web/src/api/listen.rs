//! The Listen part of the JSON API: touchpoints, surveys, links and responses.

use crate::api::body;
use crate::auth::context::confirm;
use crate::auth::secret::random_token;
use crate::auth::{ApiCtx, Ctx, GuessedApiCtx};
use crate::extract::Path;
use crate::{AppError, AppState};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use cumbre_domain::listen::answers::check_json;
use cumbre_domain::listen::survey::DefinitionError;
use cumbre_domain::listen::{SurveyDefinition, SurveyStatus};
use cumbre_domain::{Field, InvalidInput, Lang, PersonId, UnitId};
use cumbre_store::StoreError;
use cumbre_store::listen::{
    LinkInput, NewResponse, Recorded, ResponseFilter, ResponsePage, SurveyLink, SurveySummary,
    Touchpoint,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/touchpoints", get(touchpoints))
        .route("/api/v1/surveys", get(list_surveys).post(create_survey))
        .route("/api/v1/surveys/{id}", get(get_survey))
        .route("/api/v1/surveys/{id}/definition", put(save_definition))
        .route("/api/v1/surveys/{id}/status", post(set_status))
        .route(
            "/api/v1/surveys/{id}/links",
            get(list_links).post(create_link),
        )
        .route("/api/v1/surveys/{id}/responses", post(submit_response))
        .route("/api/v1/responses", get(list_responses))
        .route(
            "/api/v1/invitations/bounces",
            post(report_bounce).layer(axum::extract::DefaultBodyLimit::max(MAX_REPORT)),
        )
}

/// Definition problems as per-field errors, keyed by their path in the document.
pub fn definition_errors(errors: Vec<DefinitionError>) -> AppError {
    AppError::InvalidFields(errors.into_iter().map(|e| (e.path, e.error)).collect())
}

async fn touchpoints(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<Touchpoint>>, AppError> {
    Ok(Json(state.store.list_touchpoints(ctx.user.tenant).await?))
}

async fn list_surveys(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<SurveySummary>>, AppError> {
    Ok(Json(state.store.list_surveys(&ctx.scope).await?))
}

async fn get_survey(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(Json(state.store.get_survey(&ctx.scope, id).await?).into_response())
}

#[derive(Deserialize)]
struct NewSurvey {
    name: String,
    owner_unit_id: i64,
    /// A definition document, or…
    #[serde(default)]
    definition: Option<Value>,
    /// …the key of a shipped template.
    #[serde(default)]
    template: Option<String>,
}

fn parse_definition(value: &Value) -> Result<SurveyDefinition, AppError> {
    SurveyDefinition::from_json(&value.to_string()).map_err(definition_errors)
}

async fn create_survey(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<Json<NewSurvey>, JsonRejection>,
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

async fn save_definition(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<Value>, JsonRejection>,
) -> Result<Response, AppError> {
    let definition = parse_definition(&body(payload)?)?;
    let version = state
        .store
        .save_survey_definition(&ctx.scope, id, &definition, &ctx.actor(), state.clock.now())
        .await?;
    Ok(Json(json!({ "id": id, "version": version })).into_response())
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

async fn set_status(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<StatusBody>, JsonRejection>,
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

async fn list_links(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SurveyLink>>, AppError> {
    Ok(Json(state.store.list_links(&ctx.scope, id).await?))
}

#[derive(Deserialize)]
struct NewLink {
    touchpoint_id: i64,
    unit_id: i64,
    #[serde(default)]
    employee_id: Option<i64>,
    #[serde(default)]
    label: Option<String>,
}

async fn create_link(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<NewLink>, JsonRejection>,
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
        Json(json!({ "link": created, "path": format!("/s/{token}") })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct SubmittedResponse {
    answers: Map<String, Value>,
    unit_id: i64,
    touchpoint_id: i64,
    #[serde(default)]
    employee_id: Option<i64>,
    #[serde(default)]
    language: Option<String>,
    /// For historical imports; defaults to now. RFC 3339.
    #[serde(default, with = "time::serde::rfc3339::option")]
    submitted_at: Option<OffsetDateTime>,
}

const MAX_KEY: usize = 200;

async fn submit_response(
    State(state): State<AppState>,
    GuessedApiCtx(ctx): GuessedApiCtx,
    Path(id): Path<i64>,
    headers: HeaderMap,
    payload: Result<Json<SubmittedResponse>, JsonRejection>,
) -> Result<Response, AppError> {
    let key = match headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim))
    {
        None => None,
        Some(Ok(k)) if !k.is_empty() && k.len() <= MAX_KEY => Some(format!("api:{k}")),
        Some(_) => {
            return Err(InvalidInput::NotOneOf {
                field: Field::Key,
                value: "Idempotency-Key".into(),
                allowed: "1–200 visible characters",
            }
            .into());
        }
    };
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
    Ok(match recorded {
        Recorded::Created(rid) => (StatusCode::CREATED, Json(json!({ "id": rid }))).into_response(),
        Recorded::Existing(rid) => {
            (StatusCode::OK, Json(json!({ "id": rid, "replayed": true }))).into_response()
        }
    })
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
    let submitted_at = b.submitted_at.unwrap_or(now);
    cumbre_domain::calendar::check_instant(
        submitted_at,
        Field::SubmittedAt,
        &submitted_at.to_string(),
    )?;
    if submitted_at > now + time::Duration::minutes(5) {
        return Err(InvalidInput::FutureDate {
            field: Field::SubmittedAt,
            value: submitted_at.to_string(),
        }
        .into());
    }
    // A draft takes no answers; a closed survey takes only historical ones (imports).
    if survey.summary.status == SurveyStatus::Draft
        || (survey.summary.status == SurveyStatus::Closed && b.submitted_at.is_none())
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
        source: if b.submitted_at.is_some() {
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

async fn list_responses(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<ResponsesQuery>, QueryRejection>,
) -> Result<Json<ResponsePage>, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    let filter = q.filter(100)?;
    Ok(Json(state.store.list_responses(&ctx.scope, &filter).await?))
}

/// Filters shared by the API, the response browser and the CSV export. Empty values are
/// ignored, so an HTML form can send every field.
#[derive(Deserialize, Default, Clone)]
pub struct ResponsesQuery {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub touchpoint: String,
    #[serde(default)]
    pub survey: String,
    /// A date (`YYYY-MM-DD`, from its start, UTC) or an RFC 3339 instant.
    #[serde(default)]
    pub from: String,
    /// A date (up to its end, UTC) or an RFC 3339 instant (exclusive).
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub band: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub limit: String,
    #[serde(default)]
    pub cursor: String,
}

fn instant(
    raw: &str,
    field: Field,
    end_of_day: bool,
) -> Result<Option<OffsetDateTime>, InvalidInput> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    cumbre_domain::calendar::parse_day_or_instant(raw, field, end_of_day).map(Some)
}

impl ResponsesQuery {
    pub fn filter(&self, default_limit: i64) -> Result<ResponseFilter, InvalidInput> {
        let from = instant(&self.from, Field::From, false)?;
        let to = instant(&self.to, Field::To, true)?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(InvalidInput::RangeReversed {
                from: self.from.trim().to_owned(),
                to: self.to.trim().to_owned(),
            });
        }
        Ok(ResponseFilter {
            unit: crate::views::optional_id(&self.unit, Field::Unit)?.map(UnitId),
            touchpoint: crate::views::optional_id(&self.touchpoint, Field::Touchpoint)?,
            survey: crate::views::optional_id(&self.survey, Field::Survey)?,
            from,
            to,
            band: match self.band.trim() {
                "" => None,
                b => Some(cumbre_store::listen::Band::parse(b)?),
            },
            text: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            limit: crate::views::optional_id(&self.limit, Field::Answer)?.unwrap_or(default_limit),
            cursor: Some(self.cursor.clone()).filter(|c| !c.is_empty()),
            with_text: false,
        })
    }
}

/// Bounce reports are small; a whole returned message with attachments is not needed.
const MAX_REPORT: usize = 1024 * 1024;

/// `POST /api/v1/invitations/bounces`: a bounce report (RFC 3464), raw as the mail server
/// returned it, from the mailbox of the invitations' sender. Administrators only (a mail
/// system's token). Answers which invitations it marked bounced and which recipients
/// matched none.
async fn report_bounce(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
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
    Ok(Json(json!({ "bounced": bounced, "unmatched": unmatched })))
}

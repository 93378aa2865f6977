//! The Recover part of the JSON API: alert rules and recovery cases.

use crate::api::body;
use crate::auth::ApiCtx;
use crate::extract::Path;
use crate::{AppError, AppState};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use cumbre_domain::recover::{CaseStatus, Priority, Resolution, RuleDefinition};
use cumbre_domain::{InvalidInput, UnitId, UserId};
use cumbre_store::recover::{
    AlertRule, CaseDetail, CaseFilter, CaseSummary, Moved, NewCase, Promise, RuleInput,
};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rules", get(list_rules).post(create_rule))
        .route("/api/v1/rules/{id}", put(update_rule))
        .route("/api/v1/cases", get(list_cases).post(open_case))
        .route("/api/v1/cases/{id}", get(get_case))
        .route("/api/v1/cases/{id}/status", post(move_case))
        .route("/api/v1/cases/{id}/notes", post(add_note))
        .route("/api/v1/cases/{id}/owner", post(reassign))
        .route("/api/v1/cases/{id}/promises", post(add_promise))
        .route("/api/v1/promises", get(list_promises))
        .route("/api/v1/promises/{id}/kept", post(keep_promise))
        .route("/api/v1/approvals/{id}", post(decide))
        .route("/api/v1/cases/{id}/winback", post(winback))
        .route("/api/v1/recovery", get(recovery))
        .route("/api/v1/lessons", get(list_lessons))
        .route("/api/v1/notifications", get(list_notifications))
        .route("/api/v1/notifications/{id}/retry", post(retry_notification))
        .route("/api/v1/settings/winback", put(set_winback))
}

#[derive(Deserialize)]
struct RuleBody {
    name: String,
    unit_id: i64,
    #[serde(default)]
    touchpoint_id: Option<i64>,
    #[serde(default)]
    survey_id: Option<i64>,
    #[serde(default)]
    include_imports: bool,
    #[serde(default = "yes")]
    active: bool,
    definition: serde_json::Value,
}

fn yes() -> bool {
    true
}

impl RuleBody {
    fn input(self) -> Result<RuleInput, AppError> {
        let definition = RuleDefinition::from_json(&self.definition.to_string())
            .map_err(crate::api::listen::definition_errors)?;
        Ok(RuleInput {
            name: self.name,
            unit_id: UnitId(self.unit_id),
            touchpoint_id: self.touchpoint_id,
            survey_id: self.survey_id,
            include_imports: self.include_imports,
            definition,
            active: self.active,
        })
    }
}

async fn list_rules(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<AlertRule>>, AppError> {
    Ok(Json(state.store.list_rules(&ctx.scope).await?))
}

async fn create_rule(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<Json<RuleBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let input = body(payload)?.input()?;
    let secret = crate::webhooks::new_secret().map_err(AppError::internal)?;
    let saved = state
        .store
        .save_rule(
            &cumbre_store::recover::RuleEditor {
                scope: &ctx.scope,
                admin: ctx.admin().ok().as_ref(),
                actor: &ctx.actor(),
            },
            None,
            &input,
            &secret,
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(saved_json(&saved))).into_response())
}

async fn update_rule(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<RuleBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let input = body(payload)?.input()?;
    let secret = crate::webhooks::new_secret().map_err(AppError::internal)?;
    let saved = state
        .store
        .save_rule(
            &cumbre_store::recover::RuleEditor {
                scope: &ctx.scope,
                admin: ctx.admin().ok().as_ref(),
                actor: &ctx.actor(),
            },
            Some(id),
            &input,
            &secret,
            state.clock.now(),
        )
        .await?;
    Ok(Json(saved_json(&saved)))
}

/// A saved rule's id and, when this save registered its webhook, the endpoint's signing
/// secret (shown this once).
fn saved_json(saved: &cumbre_store::recover::SavedRule) -> serde_json::Value {
    match &saved.webhook_secret {
        Some(secret) => json!({ "id": saved.id, "webhook_secret": secret }),
        None => json!({ "id": saved.id }),
    }
}

#[derive(Deserialize, Default)]
struct CasesQuery {
    #[serde(default)]
    status: String,
    /// Words to find in the case (title, the guest's words, resolution, lessons).
    #[serde(default)]
    q: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    limit: String,
}

fn flag(raw: &str, name: &'static str) -> Result<bool, InvalidInput> {
    match raw {
        "" | "false" | "0" => Ok(false),
        "true" | "1" => Ok(true),
        other => Err(InvalidInput::NotOneOf {
            field: cumbre_domain::Field::Record,
            value: format!("{name}={other}"),
            allowed: "true, false",
        }),
    }
}

fn limit(raw: &str) -> Result<i64, InvalidInput> {
    match raw.trim() {
        "" => Ok(100),
        l => l.parse().map_err(|_| InvalidInput::NotANumber {
            field: cumbre_domain::Field::Record,
            value: l.to_owned(),
        }),
    }
}

async fn list_cases(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<CasesQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    let filter = CaseFilter {
        status: match q.status.trim() {
            "" => None,
            s => Some(CaseStatus::parse(s)?),
        },
        unit: crate::views::optional_id(&q.unit, cumbre_domain::Field::Unit)?.map(UnitId),
        overdue: flag(&q.overdue, "overdue")?,
        owner: flag(&q.mine, "mine")?.then_some(ctx.user.id),
        text: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        limit: limit(&q.limit)?,
    };
    let items: Vec<CaseSummary> = state
        .store
        .list_cases(&ctx.scope, &filter, state.clock.now())
        .await?;
    Ok(Json(json!({ "items": items })))
}

async fn get_case(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, AppError> {
    Ok(Json(
        state
            .store
            .get_case(&ctx.scope, id, state.clock.now())
            .await?,
    ))
}

#[derive(Deserialize)]
struct NewCaseBody {
    unit_id: i64,
    #[serde(default)]
    touchpoint_id: Option<i64>,
    title: String,
    #[serde(default = "normal")]
    priority: String,
    #[serde(default)]
    customer_name: String,
    #[serde(default)]
    customer_email: String,
    #[serde(default)]
    customer_phone: String,
    #[serde(default)]
    note: String,
}

fn normal() -> String {
    "normal".into()
}

async fn open_case(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<Json<NewCaseBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let b = body(payload)?;
    let input = NewCase {
        unit_id: UnitId(b.unit_id),
        touchpoint_id: b.touchpoint_id,
        title: b.title,
        priority: Priority::parse(&b.priority)?,
        customer_name: b.customer_name,
        customer_email: b.customer_email,
        customer_phone: b.customer_phone,
        note: b.note,
    };
    let id = state
        .store
        .open_case(&ctx.acting(), &input, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Deserialize)]
struct MoveBody {
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    resolution: Option<Resolution>,
}

async fn move_case(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<MoveBody>, JsonRejection>,
) -> Result<Json<Moved>, AppError> {
    let b = body(payload)?;
    let to = CaseStatus::parse(&b.status)?;
    Ok(Json(
        state
            .store
            .move_case(
                &ctx.acting(),
                id,
                to,
                &b.note,
                b.resolution.as_ref(),
                state.clock.now(),
            )
            .await?,
    ))
}

#[derive(Deserialize)]
struct NoteBody {
    text: String,
    /// `note` (for the team, default) or `message` (with the customer).
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
}

async fn add_note(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<NoteBody>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let b = body(payload)?;
    let message = match b.kind.as_str() {
        "" | "note" => false,
        "message" => true,
        other => {
            return Err(InvalidInput::NotOneOf {
                field: cumbre_domain::Field::Record,
                value: other.to_owned(),
                allowed: "note, message",
            }
            .into());
        }
    };
    state
        .store
        .add_case_note(
            &ctx.acting(),
            id,
            message,
            &b.channel,
            &b.text,
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
struct OwnerBody {
    owner_id: i64,
}

async fn reassign(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<OwnerBody>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let b = body(payload)?;
    state
        .store
        .reassign_case(&ctx.acting(), id, UserId(b.owner_id), state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PromiseBody {
    text: String,
    /// RFC 3339.
    due_at: String,
}

async fn add_promise(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<PromiseBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let b = body(payload)?;
    let due = cumbre_domain::calendar::parse_instant(&b.due_at, cumbre_domain::Field::DueAt)?;
    let pid = state
        .store
        .add_promise(&ctx.acting(), id, &b.text, due, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": pid }))).into_response())
}

#[derive(Deserialize, Default)]
struct PromisesQuery {
    #[serde(default)]
    open: String,
}

async fn list_promises(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<PromisesQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    let items: Vec<Promise> = state
        .store
        .list_promises(&ctx.scope, flag(&q.open, "open")?, None, state.clock.now())
        .await?;
    Ok(Json(json!({ "items": items })))
}

async fn keep_promise(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state
        .store
        .keep_promise(&ctx.acting(), id, None, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct DecisionBody {
    /// `approve` or `decline`.
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let b = body(payload)?;
    let approve = match b.decision.as_str() {
        "approve" => true,
        "decline" => false,
        other => {
            return Err(InvalidInput::NotOneOf {
                field: cumbre_domain::Field::Record,
                value: other.to_owned(),
                allowed: "approve, decline",
            }
            .into());
        }
    };
    state
        .store
        .decide_approval(
            &ctx.acting(),
            id,
            None,
            approve,
            &b.reason,
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn winback(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let token = crate::auth::secret::random_token().map_err(AppError::internal)?;
    let invitation = state
        .store
        .send_winback(&ctx.acting(), id, &token, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "invitation_id": invitation })),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// `[from, to)` from two dates (`2026-10-01`, UTC days), by default the 90 days up to
/// today.
pub(crate) fn period(
    from: &str,
    to: &str,
    now: time::OffsetDateTime,
) -> Result<(time::OffsetDateTime, time::OffsetDateTime), InvalidInput> {
    use cumbre_domain::calendar::{DayRange, day_to_utc};
    let today = cumbre_domain::improve::period::local_day(&jiff::tz::TimeZone::UTC, now);
    let range = DayRange::parse(from, to, |f, t| {
        let to = t.unwrap_or(today);
        (
            f.unwrap_or_else(|| to.checked_sub(jiff::ToSpan::days(89)).unwrap_or(to)),
            to,
        )
    })?;
    let end = range.to().tomorrow().unwrap_or(range.to());
    Ok((day_to_utc(range.from()), day_to_utc(end)))
}

async fn recovery(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    let now = state.clock.now();
    let (from, to) = period(&q.from, &q.to, now)?;
    let rows = state
        .store
        .recovery_metrics(&ctx.scope, from, to, now)
        .await?;
    Ok(Json(
        json!({ "min_sample": cumbre_store::recover::metrics::MIN_SAMPLE, "items": rows }),
    ))
}

#[derive(Deserialize)]
struct WinbackBody {
    survey_id: Option<i64>,
}

async fn set_winback(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<Json<WinbackBody>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    state.store.set_winback_survey(&grant, b.survey_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
struct LessonsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    root_cause: String,
    #[serde(default)]
    limit: String,
}

/// Lessons learned from resolved cases in the caller's scope, searchable by words.
async fn list_lessons(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<LessonsQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    let items = state
        .store
        .list_lessons(
            &ctx.scope,
            Some(q.q.as_str()),
            crate::views::optional_id(&q.root_cause, cumbre_domain::Field::RootCause)?,
            limit(&q.limit)?,
        )
        .await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize, Default)]
struct NotificationsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    limit: String,
}

/// Checks an outbox status filter: one of the four states or nothing.
pub(crate) fn notification_status(raw: &str) -> Result<Option<&str>, InvalidInput> {
    match raw.trim() {
        "" => Ok(None),
        s @ ("queued" | "sending" | "sent" | "failed") => Ok(Some(s)),
        other => Err(InvalidInput::NotOneOf {
            field: cumbre_domain::Field::Status,
            value: other.to_owned(),
            allowed: "queued, sending, sent, failed",
        }),
    }
}

/// The notification outbox, for administrators: what went out, what is waiting, what failed.
async fn list_notifications(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<NotificationsQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    ctx.admin()?;
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    let items = state
        .store
        .list_notifications(
            ctx.user.tenant,
            notification_status(&q.status)?,
            limit(&q.limit)?,
        )
        .await?;
    Ok(Json(json!({ "items": items })))
}

async fn retry_notification(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    ctx.admin()?;
    state
        .store
        .retry_notification(ctx.user.tenant, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

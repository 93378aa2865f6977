//! The mystery-shopping part of the JSON API: programmes, the assignments they make,
//! audits (submitted by auditors exactly once under an `Idempotency-Key`, reviewed,
//! published) and the disputes of their items.
//!
//! Who does what: administrators define programmes and manage assignments; administrators
//! and executives review audits and decide disputes; an auditor sees only their own
//! assignments and reports; managers and employees read the published audits of their
//! units, and the unit's manager disputes items.

use super::form::{FormSection, sections};
use super::roles::{assignments_of, audit_reader, disputes, reviewer};
use crate::platform::api::Id;
use crate::platform::auth::ApiCtx;
use crate::platform::extract::{JsonBody, Path, body, idempotency_key, number_text, params};
use crate::platform::input::optional_id;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cumbre_domain::access::Role;
use cumbre_domain::calendar::{parse_day, parse_instant};
use cumbre_domain::decide::audit::RawAnswer;
use cumbre_domain::decide::programme::{DEFAULT_DISPUTE_DAYS, Frequency, ProgrammeDefinition};
use cumbre_domain::decide::questions::FreeQuestion;
use cumbre_domain::improve::period::day_start;
use cumbre_domain::{Field, InvalidInput, UnitId, UserId};
use cumbre_store::decide::{
    Assignment, AssignmentChange, AssignmentFilter, AssignmentStatus, AuditDetail, AuditFilter,
    AuditStatus, AuditSummary, Calibration, DisputeDecision, NewAudit, Programme, Review,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_programmes, create_programme))
        .routes(routes!(generate_assignments))
        .routes(routes!(list_assignments))
        .routes(routes!(get_assignment, change_assignment))
        .routes(routes!(add_calibration))
        .merge(
            // A report carries its photos: up to 10 of 1.5 MB, in base64.
            OpenApiRouter::new()
                .routes(routes!(list_audits, submit_audit))
                .layer(axum::extract::DefaultBodyLimit::max(
                    super::audits::REPORT_LIMIT,
                )),
        )
        .routes(routes!(get_audit))
        .routes(routes!(audit_photo))
        .routes(routes!(review_audit))
        .routes(routes!(dispute_audit))
        .routes(routes!(decide_dispute))
        .routes(routes!(auditors))
}

/// The programmes (reviewers: a covert programme's plan is no business of the units it
/// visits).
#[utoipa::path(get, path = "/api/v1/programmes", tag = "decide",
    responses((status = 200, description = "Newest first.", body = Vec<Programme>)))]
async fn list_programmes(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<Programme>>, AppError> {
    reviewer(&ctx)?;
    Ok(Json(state.store.list_programmes(ctx.user.tenant).await?))
}

#[derive(Deserialize, ToSchema)]
struct ProgrammeBody {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// What the shopper is told before the visit.
    #[serde(default)]
    #[schema(max_length = 4000)]
    briefing: String,
    /// Staff do not know the shopper (default); false: the visit is announced.
    #[serde(default = "yes")]
    covert: bool,
    /// `monthly` (default) or `quarterly`: one visit per unit per period.
    #[serde(default)]
    frequency: String,
    /// Days after publication the unit's manager may dispute items (0–60, default 7).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 60)]
    dispute_days: Option<u32>,
    #[schema(min_items = 1, max_items = 1000)]
    unit_ids: Vec<i64>,
    /// The scenario: moments of truth in the order the shopper goes through them.
    #[schema(min_items = 1, max_items = 30)]
    touchpoint_ids: Vec<i64>,
    /// Accounts with the auditor role, who take turns.
    #[schema(min_items = 1, max_items = 1000)]
    auditor_ids: Vec<i64>,
    /// Asked besides the standards, not scored (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    questions: Vec<FreeQuestion>,
}

fn yes() -> bool {
    true
}

#[derive(Serialize, ToSchema)]
struct Created {
    id: i64,
}

/// Creates a programme (administrators).
#[utoipa::path(post, path = "/api/v1/programmes", tag = "decide", request_body = ProgrammeBody,
    responses((status = 201, description = "Created.", body = Created)))]
async fn create_programme(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<ProgrammeBody>, AppError>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let definition = ProgrammeDefinition {
        name: b.name,
        briefing: b.briefing,
        covert: b.covert,
        frequency: Frequency::parse(&b.frequency)?,
        dispute_days: b.dispute_days.unwrap_or(DEFAULT_DISPUTE_DAYS),
        units: b.unit_ids.into_iter().map(UnitId).collect(),
        touchpoints: b.touchpoint_ids,
        auditors: b.auditor_ids.into_iter().map(UserId).collect(),
        questions: b.questions,
    };
    let id = state
        .store
        .create_programme(&grant, definition, &ctx.actor(), state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
struct GenerateBody {
    /// A day of the period to plan (`YYYY-MM-DD`); default today in the tenant's zone.
    #[serde(default)]
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    day: String,
}

#[derive(Serialize, ToSchema)]
struct Generated {
    /// Assignments made now (those the period already had are not made again).
    made: usize,
}

/// Makes a period's assignments of a programme (administrators): one visit per unit, in
/// rotation, each with its form pinned to the standards in force.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/assignments", tag = "decide", params(Id),
    request_body = GenerateBody,
    responses((status = 200, description = "How many were made.", body = Generated)))]
async fn generate_assignments(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<GenerateBody>, AppError>,
) -> Result<Json<Generated>, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let now = state.clock.now();
    let day = if b.day.trim().is_empty() {
        state
            .store
            .tenant_clock(ctx.user.tenant)
            .await?
            .local_date(now)
    } else {
        parse_day(&b.day, Field::Day)?
    };
    let made = state
        .store
        .generate_assignments(&grant, id, day, &ctx.actor(), now)
        .await?;
    Ok(Json(Generated { made }))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct AssignmentsQuery {
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    programme: String,
    #[serde(default)]
    #[param(value_type = Option<AssignmentStatus>)]
    status: String,
    /// `true`: only those past their window, still waiting for the auditor.
    #[serde(default)]
    overdue: bool,
}

/// Assignments, soonest due first: an auditor's own, or all (reviewers).
#[utoipa::path(get, path = "/api/v1/assignments", tag = "decide", params(AssignmentsQuery),
    responses((status = 200, description = "The assignments.", body = Vec<Assignment>)))]
async fn list_assignments(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<AssignmentsQuery>, QueryRejection>,
) -> Result<Json<Vec<Assignment>>, AppError> {
    let auditor = assignments_of(&ctx)?;
    let q = params(query)?;
    let filter = AssignmentFilter {
        programme: optional_id(&q.programme, Field::Programme)?,
        status: match q.status.trim() {
            "" => None,
            s => Some(AssignmentStatus::parse(s)?),
        },
        overdue: q.overdue,
    };
    Ok(Json(
        state
            .store
            .list_assignments(ctx.user.tenant, auditor, &filter, state.clock.now())
            .await?,
    ))
}

/// An assignment with what the shopper needs: the briefing and the form.
#[derive(Serialize, ToSchema)]
struct AssignmentDetail {
    #[serde(flatten)]
    assignment: Assignment,
    briefing: String,
    covert: bool,
    /// The form's sections: each moment of truth with its items, in the scenario's order.
    sections: Vec<FormSection>,
}

/// One assignment (its auditor, or a reviewer).
#[utoipa::path(get, path = "/api/v1/assignments/{id}", tag = "decide", params(Id),
    responses((status = 200, description = "The assignment and its form.", body = AssignmentDetail)))]
async fn get_assignment(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<AssignmentDetail>, AppError> {
    let auditor = assignments_of(&ctx)?;
    let (assignment, form) = state
        .store
        .assignment(ctx.user.tenant, id, state.clock.now())
        .await?;
    if auditor.is_some_and(|a| a != assignment.auditor_id) {
        return Err(AppError::NotFound);
    }
    let programme = state
        .store
        .get_programme(ctx.user.tenant, assignment.programme_id)
        .await?;
    let touchpoints = state.store.list_touchpoints(ctx.user.tenant).await?;
    Ok(Json(AssignmentDetail {
        briefing: programme.briefing,
        covert: programme.covert,
        sections: sections(&form, &touchpoints, ctx.lang),
        assignment,
    }))
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum ChangeAction {
    /// To `auditor_id`, another of the programme's auditors.
    Reassign,
    Cancel,
}

#[derive(Deserialize, ToSchema)]
struct AssignmentChangeBody {
    action: ChangeAction,
    #[serde(default)]
    auditor_id: Option<i64>,
}

/// Reassigns a waiting assignment to another of the programme's auditors, or cancels it
/// (administrators).
#[utoipa::path(post, path = "/api/v1/assignments/{id}", tag = "decide", params(Id),
    request_body = AssignmentChangeBody,
    responses((status = 204, description = "Changed.")))]
async fn change_assignment(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<AssignmentChangeBody>, AppError>,
) -> Result<StatusCode, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let change = match b.action {
        ChangeAction::Cancel => AssignmentChange::Cancel,
        ChangeAction::Reassign => AssignmentChange::Reassign(UserId(
            b.auditor_id.ok_or(InvalidInput::Required(Field::Auditor))?,
        )),
    };
    state
        .store
        .change_assignment(&grant, id, change, &ctx.actor(), state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct CalibrationBody {
    /// Another of the programme's auditors.
    auditor_id: i64,
}

/// Adds a second visit of the same unit and period by another auditor, on the same form,
/// to compare the two (administrators).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/calibration", tag = "decide", params(Id),
    request_body = CalibrationBody,
    responses((status = 201, description = "The second assignment.", body = Created)))]
async fn add_calibration(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<CalibrationBody>, AppError>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let id = state
        .store
        .add_calibration_visit(
            &grant,
            id,
            UserId(b.auditor_id),
            &ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditsQuery {
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    unit: String,
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    programme: String,
    #[serde(default)]
    #[param(value_type = Option<AuditStatus>)]
    status: String,
    /// First day of visits (`YYYY-MM-DD`, the tenant's calendar), 1970-01-01 to 2199-12-31.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    from: String,
    /// Last day of visits (included).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    to: String,
}

/// Audits, newest visit first: an auditor's own; all (reviewers); the published audits
/// of the units the caller sees (managers, employees).
#[utoipa::path(get, path = "/api/v1/audits", tag = "decide", params(AuditsQuery),
    responses((status = 200, description = "The audits.", body = Vec<AuditSummary>)))]
async fn list_audits(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<AuditsQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditSummary>>, AppError> {
    let q = params(query)?;
    let zone = state.store.tenant_clock(ctx.user.tenant).await?.zone;
    let day = |raw: &str, field| -> Result<Option<jiff::civil::Date>, AppError> {
        match raw.trim() {
            "" => Ok(None),
            d => Ok(Some(parse_day(d, field)?)),
        }
    };
    let (from, to) = (day(&q.from, Field::From)?, day(&q.to, Field::To)?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(InvalidInput::RangeReversed {
            from: f.to_string(),
            to: t.to_string(),
        }
        .into());
    }
    let filter = AuditFilter {
        unit: optional_id(&q.unit, Field::Unit)?.map(UnitId),
        programme: optional_id(&q.programme, Field::Programme)?,
        status: match q.status.trim() {
            "" => None,
            s => Some(AuditStatus::parse(s)?),
        },
        from: from.map(|d| day_start(&zone, d)),
        to: to.map(|d| day_start(&zone, d.tomorrow().unwrap_or(d))),
    };
    Ok(Json(
        state
            .store
            .list_audits(&audit_reader(&ctx), &filter)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct AuditBody {
    assignment_id: i64,
    /// When the visit happened (RFC 3339): within the assignment's window, not ahead.
    #[schema(format = DateTime)]
    visited_at: String,
    /// One per item of the form, by key; an item left out is unanswered (refused).
    items: Vec<AuditItemBody>,
    /// The programme's free questions, by key: text, `yes`/`no`, or 1–5 (none required).
    #[serde(default)]
    #[schema(value_type = Object)]
    answers: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize, ToSchema)]
struct AuditItemBody {
    #[schema(max_length = 40)]
    key: String,
    /// `pass`, `fail` or `na` for a behaviour; `na` or nothing for a time limit.
    #[serde(default)]
    outcome: String,
    /// For a time limit: what was measured, in its unit (whole number).
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    measured: Option<serde_json::Value>,
    /// What was seen (required for a failure).
    #[serde(default)]
    #[schema(max_length = 2000)]
    note: String,
    /// Up to 3 photos as data URLs (`data:image/jpeg;base64,…` or PNG), each at most
    /// 1.5 MB; their metadata (EXIF, XMP, comments) is removed before they are stored.
    #[serde(default)]
    #[schema(max_items = 3)]
    photos: Vec<String>,
}

#[derive(Serialize, ToSchema)]
struct SubmittedAudit {
    id: i64,
    /// The same `Idempotency-Key` was seen: nothing was written.
    replayed: bool,
}

/// An auditor submits the report of an assignment. The same `Idempotency-Key` again
/// writes nothing and answers the first report's id (an offline phone may send twice).
#[utoipa::path(post, path = "/api/v1/audits", tag = "decide",
    params(("Idempotency-Key" = Option<String>, Header, description = "1–200 characters: a retry with the same key is stored once.")),
    request_body = AuditBody,
    responses(
        (status = 201, description = "Stored; waiting for review.", body = SubmittedAudit),
        (status = 200, description = "Seen before under this key: nothing written.", body = SubmittedAudit)))]
async fn submit_audit(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    headers: HeaderMap,
    payload: Result<JsonBody<AuditBody>, AppError>,
) -> Result<Response, AppError> {
    if ctx.user.role != Role::Auditor {
        return Err(AppError::Forbidden);
    }
    let key = idempotency_key(&headers)?;
    let b = body(payload)?;
    let new = NewAudit {
        assignment_id: b.assignment_id,
        visited_at: parse_instant(&b.visited_at, Field::VisitDate)?,
        answers: b
            .items
            .into_iter()
            .map(|i| {
                let measured = number_text(i.measured.as_ref());
                (
                    i.key,
                    RawAnswer {
                        outcome: i.outcome,
                        measured,
                        note: i.note,
                        photos: i.photos,
                    },
                )
            })
            .collect(),
        questions: b
            .answers
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::Bool(true) => "yes".to_owned(),
                    serde_json::Value::Bool(false) => "no".to_owned(),
                    serde_json::Value::Null => String::new(),
                    other => number_text(Some(&other)),
                };
                (k, text)
            })
            .collect(),
        idempotency_key: key,
    };
    let (id, replayed) = state
        .store
        .submit_audit(
            ctx.user.tenant,
            ctx.user.id,
            new,
            &ctx.actor(),
            state.clock.now(),
        )
        .await?;
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(SubmittedAudit { id, replayed })).into_response())
}

/// One audit: its items as recorded and as they count, scores, review and disputes.
#[utoipa::path(get, path = "/api/v1/audits/{id}", tag = "decide", params(Id),
    responses((status = 200, description = "The audit.", body = AuditDetail)))]
async fn get_audit(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<AuditDetail>, AppError> {
    Ok(Json(state.store.get_audit(&audit_reader(&ctx), id).await?))
}

/// One photo of an audit the caller may read, as it was stored (metadata removed).
#[utoipa::path(get, path = "/api/v1/audits/{id}/photos/{photo}", tag = "decide",
    params(("id" = i64, Path, description = "The audit."), ("photo" = i64, Path, description = "One of its items' photos.")),
    responses((status = 200, description = "The image.",
        content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png")))))]
async fn audit_photo(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    super::audits::photo_response(&state, &audit_reader(&ctx), id, photo).await
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum ReviewDecision {
    /// It counts from now.
    Publish,
    /// Back to the auditor, with `note` saying what to fix.
    Return,
}

#[derive(Deserialize, ToSchema)]
struct ReviewBody {
    decision: ReviewDecision,
    #[serde(default)]
    #[schema(max_length = 2000)]
    note: String,
}

/// Publishes a submitted audit or returns it to its auditor (reviewers).
#[utoipa::path(post, path = "/api/v1/audits/{id}/review", tag = "decide", params(Id),
    request_body = ReviewBody,
    responses((status = 204, description = "Reviewed.")))]
async fn review_audit(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<ReviewBody>, AppError>,
) -> Result<StatusCode, AppError> {
    reviewer(&ctx)?;
    let b = body(payload)?;
    let review = match b.decision {
        ReviewDecision::Publish => Review::Publish,
        ReviewDecision::Return => Review::Return,
    };
    state
        .store
        .review_audit(
            ctx.user.tenant,
            id,
            review,
            &b.note,
            &ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct DisputeBody {
    #[schema(min_items = 1, max_items = 500)]
    items: Vec<DisputedItem>,
}

#[derive(Deserialize, ToSchema)]
struct DisputedItem {
    #[schema(max_length = 40)]
    key: String,
    #[schema(min_length = 1, max_length = 2000)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
struct Disputed {
    ids: Vec<i64>,
}

/// The audited unit's manager disputes failed items of a published audit, within the
/// programme's days, each with a reason.
#[utoipa::path(post, path = "/api/v1/audits/{id}/disputes", tag = "decide", params(Id),
    request_body = DisputeBody,
    responses((status = 201, description = "Disputes opened.", body = Disputed)))]
async fn dispute_audit(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<DisputeBody>, AppError>,
) -> Result<Response, AppError> {
    if !disputes(&ctx) {
        return Err(AppError::Forbidden);
    }
    let b = body(payload)?;
    let items: Vec<(String, String)> = b.items.into_iter().map(|i| (i.key, i.reason)).collect();
    let ids = state
        .store
        .dispute_audit(&ctx.scope, id, &items, &ctx.actor(), state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Disputed { ids })).into_response())
}

#[derive(Deserialize, ToSchema)]
struct DecisionBody {
    decision: DisputeDecision,
    #[schema(min_length = 1, max_length = 2000)]
    reason: String,
}

/// A reviewer decides a dispute with a reason; the audit's score is recomputed.
#[utoipa::path(post, path = "/api/v1/disputes/{id}", tag = "decide", params(Id),
    request_body = DecisionBody,
    responses((status = 204, description = "Decided.")))]
async fn decide_dispute(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<DecisionBody>, AppError>,
) -> Result<StatusCode, AppError> {
    reviewer(&ctx)?;
    let b = body(payload)?;
    state
        .store
        .decide_dispute(
            ctx.user.tenant,
            id,
            b.decision,
            &b.reason,
            &ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How the shoppers grade (reviewers): each one's published audits, mean score and
/// overturned disputes; for visits made twice, how far each pair agrees (percent
/// agreement, Cohen's kappa, and who passes what the other fails).
#[utoipa::path(get, path = "/api/v1/auditors", tag = "decide",
    responses((status = 200, description = "The shoppers' figures.", body = Calibration)))]
async fn auditors(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Calibration>, AppError> {
    reviewer(&ctx)?;
    Ok(Json(state.store.calibration(ctx.user.tenant).await?))
}

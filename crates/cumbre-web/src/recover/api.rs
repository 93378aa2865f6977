//! The Recover part of the JSON API: alert rules and recovery cases.

use super::filters::{notification_status, period};
use crate::platform::api::Id;
use crate::platform::auth::ApiCtx;
use crate::platform::extract::{JsonBody, Path, body, params};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_domain::recover::{CaseStatus, Priority, Resolution, RuleDefinition};
use cumbre_domain::{InvalidInput, UnitId, UserId};
use cumbre_store::recover::{
    AlertRule, CaseDetail, CaseFilter, CasePage, CaseShow, Moved, NewCase, Promise, RuleInput,
};
use cumbre_store::recover::{Lesson, NotificationRow, UnitRecovery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(update_rule))
        .routes(routes!(list_cases, open_case))
        .routes(routes!(get_case))
        .routes(routes!(move_case))
        .routes(routes!(add_note))
        .routes(routes!(reassign))
        .routes(routes!(add_promise))
        .routes(routes!(list_promises))
        .routes(routes!(keep_promise))
        .routes(routes!(decide))
        .routes(routes!(winback))
        .routes(routes!(recovery))
        .routes(routes!(list_lessons))
        .routes(routes!(list_notifications))
        .routes(routes!(retry_notification))
        .routes(routes!(set_winback))
}

/// A list of records.
#[derive(Serialize, ToSchema)]
struct Items<T> {
    items: Vec<T>,
}

/// A created record's id.
#[derive(Serialize, ToSchema)]
struct Created {
    id: i64,
}

#[derive(Deserialize, ToSchema)]
struct RuleBody {
    #[schema(min_length = 1, max_length = 120)]
    name: String,
    unit_id: i64,
    #[serde(default)]
    touchpoint_id: Option<i64>,
    #[serde(default)]
    survey_id: Option<i64>,
    #[serde(default)]
    include_imports: bool,
    #[serde(default = "yes")]
    #[schema(default = true)]
    active: bool,
    #[schema(value_type = RuleDefinition)]
    definition: serde_json::Value,
}

fn yes() -> bool {
    true
}

impl RuleBody {
    fn input(self) -> Result<RuleInput, AppError> {
        let definition =
            RuleDefinition::from_json(&self.definition.to_string()).map_err(AppError::from)?;
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

/// Rules of the caller's subtree and those above it (managers and up).
#[utoipa::path(get, path = "/api/v1/rules", tag = "recover",
    responses((status = 200, description = "The rules.", body = Vec<AlertRule>)))]
async fn list_rules(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<AlertRule>>, AppError> {
    Ok(Json(state.store.list_rules(&ctx.scope).await?))
}

/// A new rule (administrators; managers for their subtree, without a webhook).
#[utoipa::path(post, path = "/api/v1/rules", tag = "recover", request_body = RuleBody,
    responses((status = 201, description = "Saved.", body = SavedRule)))]
async fn create_rule(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<RuleBody>, AppError>,
) -> Result<Response, AppError> {
    let input = body(payload)?.input()?;
    let secret = crate::recover::webhooks::new_secret().map_err(AppError::internal)?;
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
    Ok((StatusCode::CREATED, Json(SavedRule::of(saved))).into_response())
}

/// Changes a rule (as for a new one; a webhook only administrators set or change).
#[utoipa::path(put, path = "/api/v1/rules/{id}", tag = "recover", params(Id),
    request_body = RuleBody,
    responses((status = 200, description = "Saved.", body = SavedRule)))]
async fn update_rule(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<RuleBody>, AppError>,
) -> Result<Json<SavedRule>, AppError> {
    let input = body(payload)?.input()?;
    let secret = crate::recover::webhooks::new_secret().map_err(AppError::internal)?;
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
    Ok(Json(SavedRule::of(saved)))
}

/// A saved rule's id and, when this save registered its webhook, the endpoint's signing
/// secret (shown this once).
#[derive(Serialize, ToSchema)]
struct SavedRule {
    id: i64,
    /// `whsec_…`: sign-checking secret of a newly registered webhook endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, value_type = String)]
    webhook_secret: Option<String>,
}

impl SavedRule {
    fn of(saved: cumbre_store::recover::SavedRule) -> Self {
        SavedRule {
            id: saved.id,
            webhook_secret: saved.webhook_secret,
        }
    }
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct CasesQuery {
    #[serde(default)]
    #[param(value_type = Option<CaseStatus>)]
    status: String,
    /// Words that must all appear (case and accents ignored; parts of words too) in the
    /// title, the guest's answers, what was done or the lesson; one at least 3 letters long.
    #[serde(default)]
    #[param(value_type = Option<String>, max_length = 200)]
    q: String,
    /// A unit: its whole subtree.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    unit: String,
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0)?$")]
    overdue: String,
    /// Only the cases the caller owns (the same as `show=mine`).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0)?$")]
    mine: String,
    /// `mine` (owned by the caller), `escalated_to_me`, `escalated` (at least once) or
    /// `approval` (a resolution awaits approval); all by default.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(all|mine|escalated_to_me|escalated|approval)?$")]
    show: String,
    /// `newest` first, or the most urgent first (overdue, then by deadline).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(urgent|newest)?$")]
    sort: String,
    /// Default 100.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,2}|1000)?$")]
    limit: String,
    /// Cases to skip, for the next page.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^[0-9]{0,18}$")]
    offset: String,
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
    crate::platform::input::page_limit(raw, 100, 1000)
}

/// A page of the cases in the caller's scope, the most urgent first, and how many match.
#[utoipa::path(get, path = "/api/v1/cases", tag = "recover", params(CasesQuery),
    responses((status = 200, description = "A page of cases and the total.", body = CasePage)))]
async fn list_cases(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<CasesQuery>, QueryRejection>,
) -> Result<Json<CasePage>, AppError> {
    let q = params(query)?;
    let filter = CaseFilter {
        status: match q.status.trim() {
            "" => None,
            s => Some(CaseStatus::parse(s)?),
        },
        unit: crate::platform::input::optional_id(&q.unit, cumbre_domain::Field::Unit)?.map(UnitId),
        overdue: flag(&q.overdue, "overdue")?,
        show: match (q.show.trim(), flag(&q.mine, "mine")?) {
            ("", true) => CaseShow::OwnedBy(ctx.user.id),
            (show, _) => CaseShow::parse(show, ctx.user.id)?,
        },
        text: cumbre_domain::text::Search::parse(&q.q)?,
        newest_first: match q.sort.trim() {
            "" | "urgent" => false,
            "newest" => true,
            other => {
                return Err(InvalidInput::NotOneOf {
                    field: cumbre_domain::Field::Record,
                    value: format!("sort={}", other.chars().take(40).collect::<String>()),
                    allowed: "urgent, newest",
                }
                .into());
            }
        },
        limit: limit(&q.limit)?,
        offset: crate::platform::input::page_offset(&q.offset)?,
    };
    Ok(Json(
        state
            .store
            .list_cases(&ctx.scope, &filter, state.clock.now())
            .await?,
    ))
}

/// A case with its timeline and the customer's details.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "recover", params(Id),
    responses((status = 200, description = "The case.", body = CaseDetail)))]
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

#[derive(Deserialize, ToSchema)]
struct NewCaseBody {
    unit_id: i64,
    #[serde(default)]
    touchpoint_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    title: String,
    #[serde(default = "normal")]
    #[schema(value_type = Priority, default = "normal")]
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

/// A case opened by hand (managers and up).
#[utoipa::path(post, path = "/api/v1/cases", tag = "recover", request_body = NewCaseBody,
    responses((status = 201, description = "Opened.", body = Created, links(
        ("case" = (operation_id = "get_case", parameters(("id" = "$response.body#/id")))),
        ("move" = (operation_id = "move_case", parameters(("id" = "$response.body#/id")))),
        ("note" = (operation_id = "add_note", parameters(("id" = "$response.body#/id")))),
        ("owner" = (operation_id = "reassign", parameters(("id" = "$response.body#/id")))),
        ("promise" = (operation_id = "add_promise", parameters(("id" = "$response.body#/id")))),
        ("winback" = (operation_id = "winback", parameters(("id" = "$response.body#/id"))))
    ))))]
async fn open_case(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<NewCaseBody>, AppError>,
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
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Deserialize, ToSchema)]
struct MoveBody {
    #[schema(value_type = CaseStatus)]
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    resolution: Option<Resolution>,
}

/// Moves a case (contacted, resolved with its resolution, closed, reopened). A
/// compensation beyond the actor's authority waits for an approver.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "recover", params(Id),
    request_body = MoveBody,
    responses((status = 200, description = "What the move did.", body = Moved, links(
        ("decide" = (operation_id = "decide", parameters(("id" = "$response.body#/approval_id"))))
    ))))]
async fn move_case(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<MoveBody>, AppError>,
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

#[derive(Deserialize, ToSchema)]
struct NoteBody {
    #[schema(min_length = 1, max_length = 4000)]
    text: String,
    /// `note` (for the team, default), `message` (exchanged with the customer elsewhere,
    /// recorded) or `email` (sent to the customer's consented address, and recorded; 409
    /// when they left none).
    #[serde(default)]
    #[schema(value_type = NoteKind)]
    kind: String,
    /// How a message went (phone, e-mail…).
    #[serde(default)]
    #[schema(max_length = 40)]
    channel: String,
}

/// What a note on a case is.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum NoteKind {
    Note,
    Message,
    Email,
}

/// A note for the team, a message exchanged with the customer, or an e-mail to them.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "recover", params(Id),
    request_body = NoteBody,
    responses((status = 201, description = "Added to the timeline.")))]
async fn add_note(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<NoteBody>, AppError>,
) -> Result<StatusCode, AppError> {
    let b = body(payload)?;
    let kind = cumbre_store::recover::NoteKind::parse(&b.kind)?;
    state
        .store
        .add_case_note(
            &ctx.acting(),
            id,
            kind,
            &b.channel,
            &b.text,
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize, ToSchema)]
struct OwnerBody {
    /// Someone who answers for the case's unit and whom the caller reaches.
    owner_id: i64,
}

/// Hands a case to another owner.
#[utoipa::path(post, path = "/api/v1/cases/{id}/owner", tag = "recover", params(Id),
    request_body = OwnerBody,
    responses((status = 204, description = "Reassigned.")))]
async fn reassign(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<OwnerBody>, AppError>,
) -> Result<StatusCode, AppError> {
    let b = body(payload)?;
    state
        .store
        .reassign_case(&ctx.acting(), id, UserId(b.owner_id), state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct PromiseBody {
    #[schema(min_length = 1, max_length = 500)]
    text: String,
    /// RFC 3339, in the future.
    #[schema(format = DateTime)]
    due_at: String,
}

/// A promise made to the customer, due at an instant.
#[utoipa::path(post, path = "/api/v1/cases/{id}/promises", tag = "recover", params(Id),
    request_body = PromiseBody,
    responses((status = 201, description = "Made.", body = Created, links(
        ("kept" = (operation_id = "keep_promise", parameters(("id" = "$response.body#/id"))))
    ))))]
async fn add_promise(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<PromiseBody>, AppError>,
) -> Result<Response, AppError> {
    let b = body(payload)?;
    let due = cumbre_domain::calendar::parse_instant(&b.due_at, cumbre_domain::Field::DueAt)?;
    let pid = state
        .store
        .add_promise(&ctx.acting(), id, &b.text, due, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: pid })).into_response())
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct PromisesQuery {
    /// Only promises not yet kept.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0)?$")]
    open: String,
}

/// Promises made on cases in the caller's scope.
#[utoipa::path(get, path = "/api/v1/promises", tag = "recover", params(PromisesQuery),
    responses((status = 200, description = "The promises.", body = Items<Promise>)))]
async fn list_promises(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<PromisesQuery>, QueryRejection>,
) -> Result<Json<Items<Promise>>, AppError> {
    let q = params(query)?;
    let items: Vec<Promise> = state
        .store
        .list_promises(&ctx.scope, flag(&q.open, "open")?, None, state.clock.now())
        .await?;
    Ok(Json(Items { items }))
}

/// Marks a promise kept.
#[utoipa::path(post, path = "/api/v1/promises/{id}/kept", tag = "recover", params(Id),
    responses((status = 204, description = "Kept.")))]
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

#[derive(Deserialize, ToSchema)]
struct DecisionBody {
    #[schema(value_type = Decision)]
    decision: String,
    /// Required to decline.
    #[serde(default)]
    #[schema(max_length = 1000)]
    reason: String,
}

/// An approver's answer.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum Decision {
    Approve,
    Decline,
}

/// Approves or declines a compensation waiting for approval (its approver or an
/// administrator).
#[utoipa::path(post, path = "/api/v1/approvals/{id}", tag = "recover", params(Id),
    request_body = DecisionBody,
    responses((status = 204, description = "Decided.")))]
async fn decide(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<JsonBody<DecisionBody>, AppError>,
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

/// Sends the customer of a resolved case the win-back survey.
#[utoipa::path(post, path = "/api/v1/cases/{id}/winback", tag = "recover", params(Id),
    responses((status = 201, description = "Queued.", body = WinbackSent)))]
async fn winback(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let token = crate::platform::auth::secret::random_token().map_err(AppError::internal)?;
    let invitation = state
        .store
        .send_winback(&ctx.acting(), id, &token, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WinbackSent {
            invitation_id: invitation,
        }),
    )
        .into_response())
}

/// The win-back invitation queued.
#[derive(Serialize, ToSchema)]
struct WinbackSent {
    invitation_id: i64,
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct PeriodQuery {
    /// First day (`YYYY-MM-DD`, UTC), default 89 days before `to`.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    from: String,
    /// Last day (UTC, included), default today.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    to: String,
}

/// Recovery figures per unit over cases opened in the range.
#[utoipa::path(get, path = "/api/v1/recovery", tag = "recover", params(PeriodQuery),
    responses((status = 200, description = "Per unit, and the sample below which a share is an indication.", body = RecoveryFigures)))]
async fn recovery(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<RecoveryFigures>, AppError> {
    let q = params(query)?;
    let now = state.clock.now();
    let (from, to) = period(&q.from, &q.to, now)?;
    let rows = state
        .store
        .recovery_metrics(&ctx.scope, from, to, now)
        .await?;
    Ok(Json(RecoveryFigures {
        min_sample: cumbre_store::recover::metrics::MIN_SAMPLE,
        items: rows,
    }))
}

/// Recovery figures per unit.
#[derive(Serialize, ToSchema)]
struct RecoveryFigures {
    min_sample: usize,
    items: Vec<UnitRecovery>,
}

#[derive(Deserialize, ToSchema)]
struct WinbackBody {
    /// The survey sent after a resolution; null: none.
    survey_id: Option<i64>,
}

/// Which survey resolved cases' customers receive (administrators).
#[utoipa::path(put, path = "/api/v1/settings/winback", tag = "recover", request_body = WinbackBody,
    responses((status = 204, description = "Saved.")))]
async fn set_winback(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<WinbackBody>, AppError>,
) -> Result<StatusCode, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    state.store.set_winback_survey(&grant, b.survey_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct LessonsQuery {
    /// Words to find (case and accents ignored; parts of words too), one at least 3
    /// letters long.
    #[serde(default)]
    #[param(value_type = Option<String>, max_length = 200)]
    q: String,
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    root_cause: String,
    /// Default 100.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,2}|1000)?$")]
    limit: String,
}

/// Lessons learned from resolved cases in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/lessons", tag = "recover", params(LessonsQuery),
    responses((status = 200, description = "The lessons.", body = Items<Lesson>)))]
async fn list_lessons(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<LessonsQuery>, QueryRejection>,
) -> Result<Json<Items<Lesson>>, AppError> {
    let q = params(query)?;
    let items = state
        .store
        .list_lessons(
            &ctx.scope,
            cumbre_domain::text::Search::parse(&q.q)?.as_ref(),
            crate::platform::input::optional_id(&q.root_cause, cumbre_domain::Field::RootCause)?,
            limit(&q.limit)?,
        )
        .await?;
    Ok(Json(Items { items }))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct NotificationsQuery {
    #[serde(default)]
    #[param(value_type = Option<OutboxStatus>)]
    status: String,
    /// Default 100.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,2}|1000)?$")]
    limit: String,
}

/// Where a notification is in the outbox.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub(crate) enum OutboxStatus {
    Queued,
    Sending,
    Sent,
    Failed,
}

/// The notification outbox, for administrators: what went out, what is waiting, what failed.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "recover", params(NotificationsQuery),
    responses((status = 200, description = "The notifications, newest first.", body = Items<NotificationRow>)))]
async fn list_notifications(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<NotificationsQuery>, QueryRejection>,
) -> Result<Json<Items<NotificationRow>>, AppError> {
    ctx.admin()?;
    let q = params(query)?;
    let items = state
        .store
        .list_notifications(
            ctx.user.tenant,
            notification_status(&q.status)?,
            limit(&q.limit)?,
        )
        .await?;
    Ok(Json(Items { items }))
}

/// Queues a failed notification again with fresh attempts (administrators).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", tag = "recover", params(Id),
    responses((status = 204, description = "Queued again.")))]
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

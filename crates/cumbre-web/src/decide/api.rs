//! The Decide part of the JSON API: the service vision and its values, and standards,
//! each with every version they had.

use crate::platform::auth::ApiCtx;
use crate::platform::extract::{JsonBody, body, number_text, params};
use crate::platform::input::{optional_id, required_id};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_domain::decide::standard::{StandardDefinition, parse_key};
use cumbre_domain::decide::vision::VisionDefinition;
use cumbre_domain::{Field, UnitId};
use cumbre_store::decide::{
    CompanyValue, NewStandard, Readers, Saved, Standard, StandardEvidence, Vision,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_standards, save_standard))
        .routes(routes!(standard_evidence))
        .routes(routes!(get_vision, publish_vision))
        .routes(routes!(read_vision))
        .routes(routes!(vision_readers))
        .routes(routes!(list_values))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct StandardsQuery {
    /// One moment of truth.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    touchpoint: String,
    /// The standards that apply at this unit (set on it or above it).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    unit: String,
}

/// The standards, each with its current version and its history (everyone who serves
/// is held to them; auditors see the ones their assignments carry, not this list).
#[utoipa::path(get, path = "/api/v1/standards", tag = "decide", params(StandardsQuery),
    responses((status = 200, description = "The standards, by key.", body = Vec<Standard>)))]
async fn list_standards(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<StandardsQuery>, QueryRejection>,
) -> Result<Json<Vec<Standard>>, AppError> {
    if !ctx.user.role.serves() {
        return Err(AppError::Forbidden);
    }
    let q = params(query)?;
    let touchpoint = optional_id(&q.touchpoint, Field::Touchpoint)?;
    let at = match optional_id(&q.unit, Field::Unit)? {
        Some(id) => Some(state.store.get_unit(&ctx.scope, UnitId(id)).await?.path),
        None => None,
    };
    Ok(Json(
        state
            .store
            .list_standards(ctx.user.tenant, touchpoint, at.as_ref())
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EvidenceQuery {
    /// The unit: its whole subtree.
    #[param(value_type = String, pattern = "^-?[0-9]{1,18}$")]
    unit: String,
    /// First local day (`YYYY-MM-DD`); default: the last three complete months.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    from: String,
    /// Last local day (included).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    to: String,
}

/// Each standard with evidence in a unit's subtree over a range: the share of customers
/// asked about it who answered favourably, the shoppers' pass rate in published audits,
/// and the cases raised about it.
#[utoipa::path(get, path = "/api/v1/standards/evidence", tag = "decide", params(EvidenceQuery),
    responses((status = 200, description = "Weakest audits first.", body = Vec<StandardEvidence>)))]
async fn standard_evidence(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<EvidenceQuery>, QueryRejection>,
) -> Result<Json<Vec<StandardEvidence>>, AppError> {
    // A unit's figures: not an auditor's, nor an employee's (they read their own).
    if !ctx.user.role.serves() || matches!(ctx.scope, cumbre_domain::access::Scope::Own { .. }) {
        return Err(AppError::Forbidden);
    }
    let q = params(query)?;
    let unit = required_id(&q.unit, Field::Unit)?;
    let c = crate::improve::filters::check(
        &state,
        ctx.user.tenant,
        &crate::improve::filters::MetricsQuery {
            unit: q.unit.clone(),
            from: q.from,
            to: q.to,
            ..Default::default()
        },
    )
    .await?;
    let unit = state.store.get_unit(&ctx.scope, UnitId(unit)).await?;
    let range = (c.query.from, c.query.to);
    let bounds = cumbre_domain::improve::period::utc_bounds(&c.zone, range.0, range.1);
    let min_sample = state.store.min_sample(ctx.user.tenant).await?;
    let audits = state
        .store
        .audit_results(&ctx.scope, &unit.path, bounds, &c.zone, min_sample)
        .await?;
    let known = state
        .store
        .list_standards(ctx.user.tenant, None, None)
        .await?;
    Ok(Json(
        state
            .store
            .standard_evidence(&ctx.scope, &unit, range, (&audits, &known), min_sample)
            .await?,
    ))
}

/// A standard to save under its key.
#[derive(Deserialize, ToSchema)]
struct StandardBody {
    /// 1–40 of a–z, 0–9, `_` and `-`; the same key saves a new version.
    #[schema(pattern = "^[a-z0-9_-]{1,40}$")]
    key: String,
    touchpoint_id: i64,
    /// Where it applies (that unit and below); default the whole organisation.
    #[serde(default)]
    unit_id: Option<i64>,
    /// The department that answers for it.
    #[serde(default)]
    department_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// `behaviour` (observed: pass, fail, not applicable), `time` (measured) or `target`
    /// (the customers' figure at the moment of truth: `limit` is the goal, `time_unit` the
    /// metric, `csat`, `nps` or `ces`; not audited, so weight and critical do not apply).
    #[serde(default)]
    kind: String,
    /// For `time`: the most it may take, in `unit`.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    limit: Option<serde_json::Value>,
    /// For `time`: `seconds`, `minutes` or `rings`.
    #[serde(default)]
    time_unit: String,
    /// 1–100 points (default 1).
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    weight: Option<serde_json::Value>,
    /// Failing it fails its whole section.
    #[serde(default)]
    critical: bool,
}

#[derive(Serialize, ToSchema)]
struct SavedStandard {
    id: i64,
    version: i64,
    saved: Saved,
}

/// Saves a standard (administrators): 201 when new or changed (a new version), 200 when
/// it was already so.
#[utoipa::path(post, path = "/api/v1/standards", tag = "decide", request_body = StandardBody,
    responses(
        (status = 201, description = "A new standard or a new version.", body = SavedStandard),
        (status = 200, description = "Unchanged: nothing written.", body = SavedStandard)))]
async fn save_standard(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<StandardBody>, AppError>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let input = NewStandard {
        key: parse_key(&b.key)?,
        touchpoint_id: b.touchpoint_id,
        unit_id: b.unit_id.map(UnitId),
        department_id: b.department_id,
        definition: StandardDefinition::parse(
            &b.name,
            &b.kind,
            &number_text(b.limit.as_ref()),
            &b.time_unit,
            &number_text(b.weight.as_ref()),
            b.critical,
        )?,
    };
    let (id, version, saved) = state
        .store
        .save_standard(&grant, &input, &ctx.actor(), state.clock.now())
        .await?;
    let status = if saved == Saved::Unchanged {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(SavedStandard { id, version, saved })).into_response())
}

/// The vision as the caller sees it.
#[derive(Serialize, ToSchema)]
struct VisionReply {
    /// The version everyone is asked to read; absent before the first publication.
    current: Option<Vision>,
    /// When the caller acknowledged the current version (RFC 3339), if they did.
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    read_at: Option<time::OffsetDateTime>,
    /// Every published version, newest first.
    history: Vec<Vision>,
}

/// The service vision, value proposition and values (everyone signed in reads them).
#[utoipa::path(get, path = "/api/v1/vision", tag = "decide",
    responses((status = 200, description = "The current version and the history.", body = VisionReply)))]
async fn get_vision(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<VisionReply>, AppError> {
    let history = state.store.vision_history(ctx.user.tenant).await?;
    let current = history.first().cloned();
    let read_at = match &current {
        Some(c) => state.store.vision_read_at(ctx.user.id, c.version).await?,
        None => None,
    };
    Ok(Json(VisionReply {
        current,
        read_at,
        history,
    }))
}

#[derive(Serialize, ToSchema)]
struct PublishedVision {
    version: i64,
    saved: Saved,
}

/// Publishes the next version (administrators): 201 when it differs from the current one,
/// 200 when it says the same (nothing written). Values it no longer lists are retired.
#[utoipa::path(post, path = "/api/v1/vision", tag = "decide", request_body = VisionDefinition,
    responses(
        (status = 201, description = "A new version.", body = PublishedVision),
        (status = 200, description = "Unchanged: nothing written.", body = PublishedVision)))]
async fn publish_vision(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<VisionDefinition>, AppError>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let definition = body(payload)?;
    let (version, saved) = state
        .store
        .publish_vision(&grant, definition, &ctx.actor(), state.clock.now())
        .await?;
    let status = if saved == Saved::Unchanged {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(PublishedVision { version, saved })).into_response())
}

#[derive(Deserialize, ToSchema)]
struct ReadBody {
    /// The version the reader was shown; only the current one is accepted.
    #[schema(minimum = 1)]
    version: i64,
}

/// Acknowledges having read the current version (everyone who serves; auditors have
/// nothing to acknowledge). 409 when a newer version was published since.
#[utoipa::path(post, path = "/api/v1/vision/read", tag = "decide", request_body = ReadBody,
    responses((status = 204, description = "Recorded (the first time counts).")))]
async fn read_vision(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<ReadBody>, AppError>,
) -> Result<StatusCode, AppError> {
    if !ctx.user.role.serves() {
        return Err(AppError::Forbidden);
    }
    let b = body(payload)?;
    state
        .store
        .read_vision(ctx.user.tenant, ctx.user.id, b.version, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who, among the people who serve in the caller's units, has read the current version,
/// by unit with the names of those who have not (leaders). 404 before any publication.
#[utoipa::path(get, path = "/api/v1/vision/readers", tag = "decide",
    responses((status = 200, description = "Readers by unit.", body = Readers)))]
async fn vision_readers(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Readers>, AppError> {
    if !ctx.user.role.leads() {
        return Err(AppError::Forbidden);
    }
    Ok(Json(
        state
            .store
            .vision_readers(&ctx.scope)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// The company's values, those in force first in their order, then the retired ones
/// (what other records point to by id or key).
#[utoipa::path(get, path = "/api/v1/values", tag = "decide",
    responses((status = 200, description = "The values.", body = Vec<CompanyValue>)))]
async fn list_values(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<CompanyValue>>, AppError> {
    Ok(Json(state.store.company_values(ctx.user.tenant).await?))
}

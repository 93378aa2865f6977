//! The Decide part of the JSON API: standards, with every version they had.

use crate::platform::auth::ApiCtx;
use crate::platform::extract::{JsonBody, body, params};
use crate::platform::input::optional_id;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_domain::decide::standard::{StandardDefinition, parse_key};
use cumbre_domain::{Field, UnitId};
use cumbre_store::decide::{NewStandard, Saved, Standard};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_standards, save_standard))
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
    /// `behaviour` (observed: pass, fail, not applicable) or `time` (measured).
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

/// A number sent as a JSON number or text, as text for the domain's parser.
fn as_text(v: &Option<serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
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
            &as_text(&b.limit),
            &b.time_unit,
            &as_text(&b.weight),
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

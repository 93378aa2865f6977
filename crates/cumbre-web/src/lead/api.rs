//! The Lead part of the JSON API: pulses and their results, every figure through the
//! anonymity rule (`cumbre_domain::lead::anonymity`): a figure that may not be shown comes
//! as `{"suppressed": true, "reason": …}`, never as a number.

use super::results::{PulseResults, ResultsQuery};
use crate::platform::auth::ApiCtx;
use crate::platform::extract::{JsonBody, body, params};
use crate::platform::input::required_id;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_domain::access::Scope;
use cumbre_domain::lead::pulse::{Cadence, Mode, Template};
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::lead::pulses::{NewPulse, Pulse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pulses, create_pulse))
        .routes(routes!(pulse_results))
        .routes(routes!(update_pulse))
        .routes(routes!(anonymity, set_anonymity))
}

#[derive(Deserialize, Serialize, ToSchema)]
struct AnonymityBody {
    /// The smallest group a figure may describe (3–1000; default 5).
    #[schema(minimum = 3, maximum = 1000)]
    min_group: i64,
    /// The smallest group whose comments are shown (at least `min_group`; default 10).
    #[schema(minimum = 3, maximum = 1000)]
    min_comments: i64,
}

/// The organisation's anonymity thresholds (new pulses copy them).
#[utoipa::path(get, path = "/api/v1/settings/anonymity", tag = "lead",
    responses((status = 200, description = "The thresholds.", body = AnonymityBody)))]
async fn anonymity(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<AnonymityBody>, AppError> {
    if matches!(ctx.scope, Scope::Own { .. }) {
        return Err(AppError::NotFound);
    }
    let t = state.store.anonymity_thresholds(ctx.user.tenant).await?;
    Ok(Json(AnonymityBody {
        min_group: i64::from(t.group()),
        min_comments: i64::from(t.comments()),
    }))
}

/// Sets the organisation's anonymity thresholds (administrators): never below 3, comments
/// at least as many as figures. Existing pulses keep the ones their participants saw.
#[utoipa::path(put, path = "/api/v1/settings/anonymity", tag = "lead", request_body = AnonymityBody,
    responses((status = 200, description = "Saved.", body = AnonymityBody)))]
async fn set_anonymity(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<AnonymityBody>, AppError>,
) -> Result<Json<AnonymityBody>, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let t = state
        .store
        .set_anonymity_thresholds(
            &grant,
            &ctx.actor(),
            b.min_group,
            b.min_comments,
            state.clock.now(),
        )
        .await?;
    Ok(Json(AnonymityBody {
        min_group: i64::from(t.group()),
        min_comments: i64::from(t.comments()),
    }))
}

#[derive(Deserialize, ToSchema)]
struct PulseBody {
    #[schema(min_length = 1, max_length = 120, pattern = "\\S")]
    name: String,
    /// A shipped template: `monthly` or `quarterly`.
    #[schema(pattern = "^(monthly|quarterly)$")]
    template: String,
    /// `anonymous` (default: no link between answer and person is stored) or
    /// `confidential` (stored, never shown). Fixed once the first answer arrives.
    #[serde(default)]
    #[schema(pattern = "^(anonymous|confidential)?$")]
    mode: String,
    /// `monthly` or `quarterly` (default: the template's).
    #[serde(default)]
    #[schema(pattern = "^(monthly|quarterly)?$")]
    cadence: String,
    /// Everyone in this unit's subtree is invited.
    audience_unit_id: i64,
    /// Days each cycle stays open (1–60, default 7). The first cycle opens at the
    /// scheduler's next pass, the next ones a month or a quarter later.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    open_days: Option<i64>,
}

/// Creates a pulse (administrators) with the organisation's anonymity thresholds.
#[utoipa::path(post, path = "/api/v1/pulses", tag = "lead", request_body = PulseBody,
    responses((status = 201, description = "Created.", body = Pulse)))]
async fn create_pulse(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<PulseBody>, AppError>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let template = Template::find(&b.template).ok_or_else(|| InvalidInput::NotOneOf {
        field: Field::Template,
        value: b.template.chars().take(40).collect(),
        allowed: "monthly, quarterly",
    })?;
    let mode = match b.mode.trim() {
        "" => Mode::Anonymous,
        raw => Mode::parse(raw)?,
    };
    let cadence = match b.cadence.trim() {
        "" => template.cadence,
        raw => Cadence::parse(raw)?,
    };
    let now = state.clock.now();
    let new = NewPulse {
        name: b.name,
        template,
        mode,
        cadence,
        audience: UnitId(b.audience_unit_id),
        open_days: b.open_days.unwrap_or(7),
        first_opens_at: now,
    };
    let pulse = state
        .store
        .create_pulse(&grant, &ctx.actor(), &new, now)
        .await?;
    Ok((StatusCode::CREATED, Json(pulse)).into_response())
}

/// The organisation's pulses (everyone who reads employees' results: not employees).
#[utoipa::path(get, path = "/api/v1/pulses", tag = "lead",
    responses((status = 200, description = "The pulses, oldest first.", body = [Pulse])))]
async fn list_pulses(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<Pulse>>, AppError> {
    if matches!(ctx.scope, Scope::Own { .. }) {
        return Err(AppError::NotFound);
    }
    Ok(Json(state.store.list_pulses(&ctx.scope).await?))
}

/// A pulse's results per closed cycle for a unit of its audience (and optionally one
/// department and/or tenure band of it), by department and tenure band. What may be shown
/// is decided once per cycle for the whole audience, whoever asks.
#[utoipa::path(get, path = "/api/v1/pulse/results", tag = "lead", params(ResultsQuery),
    responses((status = 200, description = "The results.", body = PulseResults)))]
async fn pulse_results(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<ResultsQuery>, QueryRejection>,
) -> Result<Json<PulseResults>, AppError> {
    let q = params(query)?;
    let id = required_id(&q.pulse, Field::Pulse)?;
    Ok(Json(super::results::results(&state, &ctx, id, &q).await?))
}

#[derive(Deserialize, ToSchema)]
struct PulseChangeBody {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 120, pattern = "\\S")]
    name: Option<String>,
    /// False: no more cycles open (the closed ones stay readable).
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    open_days: Option<i64>,
    /// Until the first answer only.
    #[serde(default)]
    #[schema(pattern = "^(anonymous|confidential)$")]
    mode: Option<String>,
    /// Until the first answer only; with `min_comments`.
    #[serde(default)]
    #[schema(minimum = 3, maximum = 1000)]
    min_group: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 3, maximum = 1000)]
    min_comments: Option<i64>,
}

/// Changes a pulse (administrators): its name, whether it goes on, how long cycles stay
/// open; its mode and thresholds only until the first answer (then 409).
#[utoipa::path(post, path = "/api/v1/pulses/{id}", tag = "lead", params(crate::platform::api::Id),
    request_body = PulseChangeBody,
    responses((status = 200, description = "The pulse as it is now.", body = Pulse)))]
async fn update_pulse(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    crate::platform::extract::Path(id): crate::platform::extract::Path<i64>,
    payload: Result<JsonBody<serde_json::Map<String, serde_json::Value>>, AppError>,
) -> Result<Json<Pulse>, AppError> {
    let grant = ctx.admin()?;
    // An object only: every field is optional, and serde would also read a struct from an
    // array of its fields.
    let b: PulseChangeBody = serde_json::from_value(serde_json::Value::Object(body(payload)?))
        .map_err(|e| InvalidInput::BadJson {
            detail: cumbre_domain::input::readable_json_error(&e.to_string()),
        })?;
    let thresholds = match (b.min_group, b.min_comments) {
        (None, None) => None,
        (g, c) => {
            let current = state.store.pulse(&ctx.scope, id).await?;
            let (g, c) = (
                g.unwrap_or(current.min_group),
                c.unwrap_or(current.min_comments),
            );
            Some(cumbre_domain::lead::anonymity::Thresholds::parse(g, c)?)
        }
    };
    let change = cumbre_store::lead::pulses::PulseChange {
        name: b.name,
        active: b.active,
        open_days: b.open_days,
        mode: b.mode.as_deref().map(Mode::parse).transpose()?,
        thresholds,
    };
    Ok(Json(
        state
            .store
            .update_pulse(&grant, &ctx.actor(), id, &change, state.clock.now())
            .await?,
    ))
}

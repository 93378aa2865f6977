//! The Lead part of the JSON API: pulses and their results, every figure through the
//! anonymity rule (`cumbre_domain::lead::anonymity`): a figure that may not be shown comes
//! as `{"suppressed": true, "reason": …}`, never as a number.

use crate::platform::auth::ApiCtx;
use crate::platform::extract::{JsonBody, body, params};
use crate::platform::input::{optional_id, required_id};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_domain::access::Scope;
use cumbre_domain::lead::pulse::{Cadence, Mode, Template};
use cumbre_domain::lead::pulse_report::{Figure, Figures, View, decide};
use cumbre_domain::lead::segment::TenureBand;
use cumbre_domain::{DepartmentId, Field, InvalidInput, UnitId};
use cumbre_store::lead::pulses::{Cycle, NewPulse, Pulse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pulses, create_pulse))
        .routes(routes!(pulse_results))
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

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct ResultsQuery {
    /// The pulse.
    #[param(required = true, value_type = String, pattern = "^-?[0-9]{1,18}$")]
    #[serde(default)]
    pulse: String,
    /// A unit of the pulse's audience: its whole subtree (default: the audience, or the
    /// caller's own unit when it sees only part of it).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    unit: String,
    /// Cycles that opened on or after this day (`YYYY-MM-DD`, UTC; default a year ago).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    from: String,
    /// … and on or before this day (default today).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    to: String,
    /// Only this department's answers.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    department: String,
    /// Only this tenure band's: `under_1`, `1_3`, `3_10` or `10_plus`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    tenure: String,
}

#[derive(Serialize, ToSchema)]
struct PulseResults {
    pulse: Pulse,
    #[schema(value_type = i64)]
    unit: UnitId,
    #[schema(value_type = Option<i64>)]
    department: Option<DepartmentId>,
    #[schema(value_type = Option<String>)]
    tenure: Option<TenureBand>,
    /// The smallest group shown, and the smallest whose comments are.
    min_group: i64,
    min_comments: i64,
    /// Closed cycles only, oldest first.
    cycles: Vec<CycleResults>,
}

#[derive(Serialize, ToSchema)]
struct CycleResults {
    cycle: Cycle,
    /// The group's figures, or `{"suppressed": true, "reason": …}`.
    #[schema(value_type = Object)]
    figures: Figure<Figures>,
    /// The group by department (when not filtered by one).
    by_department: Vec<DepartmentFigures>,
    /// The group by tenure band (when not filtered by one).
    by_tenure: Vec<TenureFigures>,
    /// The group's comments in an order that says nothing of who or when, or
    /// `{"suppressed": true, "reason": …}`.
    #[schema(value_type = Value)]
    comments: Figure<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
struct DepartmentFigures {
    #[schema(value_type = i64)]
    department: DepartmentId,
    name: String,
    #[schema(value_type = Object)]
    figures: Figure<Figures>,
}

#[derive(Serialize, ToSchema)]
struct TenureFigures {
    #[schema(value_type = String)]
    tenure: TenureBand,
    #[schema(value_type = Object)]
    figures: Figure<Figures>,
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
    if matches!(ctx.scope, Scope::Own { .. }) {
        return Err(AppError::NotFound);
    }
    let pulse = state
        .store
        .pulse(&ctx.scope, required_id(&q.pulse, Field::Pulse)?)
        .await?;
    let now = state.clock.now();
    let day = |raw: &str, default: time::Date| -> Result<time::Date, AppError> {
        match raw.trim() {
            "" => Ok(default),
            raw => time::Date::parse(
                raw,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| {
                InvalidInput::Date {
                    field: Field::From,
                    value: raw.chars().take(40).collect(),
                }
                .into()
            }),
        }
    };
    let from = day(&q.from, now.date() - time::Duration::days(365))?;
    let to = day(&q.to, now.date())?;
    if to < from {
        return Err(InvalidInput::RangeReversed {
            from: from.to_string(),
            to: to.to_string(),
        }
        .into());
    }
    let department = optional_id(&q.department, Field::Department)?.map(DepartmentId);
    let tenure = match q.tenure.trim() {
        "" => None,
        raw => Some(
            TenureBand::from_code(raw).ok_or_else(|| InvalidInput::NotOneOf {
                field: Field::HireDate,
                value: raw.chars().take(40).collect(),
                allowed: "under_1, 1_3, 3_10, 10_plus",
            })?,
        ),
    };
    let (tree, cycles) = state
        .store
        .pulse_cycles(
            &ctx.scope,
            &pulse,
            from.midnight().assume_utc(),
            to.next_day().unwrap_or(to).midnight().assume_utc(),
            now,
        )
        .await?;
    // The unit asked for (or the caller's default) must be one the caller sees and one of
    // the audience's.
    let unit = match optional_id(&q.unit, Field::Unit)? {
        Some(id) => UnitId(id),
        None => match &ctx.scope {
            Scope::Subtree { root, .. } if tree.contains(*root) => *root,
            _ => pulse.audience_unit_id,
        },
    };
    state.store.get_unit(&ctx.scope, unit).await?;
    if !tree.contains(unit) {
        return Err(AppError::NotFound);
    }
    let departments = state.store.list_departments(ctx.user.tenant).await?;
    let thresholds = cumbre_domain::lead::anonymity::Thresholds::new(
        pulse.min_group as u32,
        pulse.min_comments as u32,
    )
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("pulse {} thresholds", pulse.id)))?;
    let template = Template::find(&pulse.template)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("pulse {} template", pulse.id)))?;
    let statements = template.statements.len();
    let view = View {
        unit,
        department,
        tenure,
    };
    let results = cycles
        .into_iter()
        .map(|c| {
            let report = decide(&tree, &c.answers, thresholds);
            let of = |v: &View| report.figures(&c.answers, statements, v);
            CycleResults {
                figures: of(&view),
                by_department: if department.is_none() {
                    departments
                        .iter()
                        .map(|d| DepartmentFigures {
                            department: d.id,
                            name: d.name.clone(),
                            figures: of(&View {
                                department: Some(d.id),
                                ..view
                            }),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                by_tenure: if tenure.is_none() {
                    TenureBand::ALL
                        .into_iter()
                        .map(|t| TenureFigures {
                            tenure: t,
                            figures: of(&View {
                                tenure: Some(t),
                                ..view
                            }),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                comments: report.comments(&c.answers, &view),
                cycle: c.cycle,
            }
        })
        .collect();
    Ok(Json(PulseResults {
        min_group: pulse.min_group,
        min_comments: pulse.min_comments,
        pulse,
        unit,
        department,
        tenure,
        cycles: results,
    }))
}

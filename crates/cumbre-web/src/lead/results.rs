//! A pulse's results as the API and the results page both give them: per closed cycle, the
//! group asked for, by department and by tenure band, and its comments — each figure
//! through the anonymity rule, decided once per cycle for the whole audience.

use crate::platform::auth::Ctx;
use crate::platform::input::optional_id;
use crate::{AppError, AppState};
use cumbre_domain::access::Scope;
use cumbre_domain::lead::pulse::Template;
use cumbre_domain::lead::pulse_report::{Figure, Figures, View, decide};
use cumbre_domain::lead::segment::TenureBand;
use cumbre_domain::{DepartmentId, Field, InvalidInput, UnitId};
use cumbre_store::lead::pulses::{Cycle, Pulse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// The pulse.
    #[param(required = true, value_type = String, pattern = "^-?[0-9]{1,18}$")]
    #[serde(default)]
    pub pulse: String,
    /// A unit of the pulse's audience: its whole subtree (default: the audience, or the
    /// caller's own unit when it sees only part of it).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub unit: String,
    /// Cycles that opened on or after this day (`YYYY-MM-DD`, UTC; default a year ago).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: String,
    /// … and on or before this day (default today).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: String,
    /// Only this department's answers.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub department: String,
    /// Only this tenure band's: `under_1`, `1_3`, `3_10` or `10_plus`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub tenure: String,
}

#[derive(Serialize, ToSchema)]
pub struct PulseResults {
    pub pulse: Pulse,
    #[schema(value_type = i64)]
    pub unit: UnitId,
    #[schema(value_type = Option<i64>)]
    pub department: Option<DepartmentId>,
    #[schema(value_type = Option<String>)]
    pub tenure: Option<TenureBand>,
    /// The smallest group shown, and the smallest whose comments are.
    pub min_group: i64,
    pub min_comments: i64,
    /// Closed cycles only, oldest first.
    pub cycles: Vec<CycleResults>,
}

#[derive(Serialize, ToSchema)]
pub struct CycleResults {
    pub cycle: Cycle,
    /// The group's figures, or `{"suppressed": true, "reason": …}`.
    #[schema(value_type = Object)]
    pub figures: Figure<Figures>,
    /// The group by department (when not filtered by one).
    pub by_department: Vec<DepartmentFigures>,
    /// The group by tenure band (when not filtered by one).
    pub by_tenure: Vec<TenureFigures>,
    /// The group's comments in an order that says nothing of who or when, or
    /// `{"suppressed": true, "reason": …}`.
    #[schema(value_type = Value)]
    pub comments: Figure<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentFigures {
    #[schema(value_type = i64)]
    pub department: DepartmentId,
    pub name: String,
    #[schema(value_type = Object)]
    pub figures: Figure<Figures>,
}

#[derive(Serialize, ToSchema)]
pub struct TenureFigures {
    #[schema(value_type = String)]
    pub tenure: TenureBand,
    #[schema(value_type = Object)]
    pub figures: Figure<Figures>,
}

/// The results of pulse `id` that `ctx` may read, for the query `q` (its `pulse` aside).
pub async fn results(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    q: &ResultsQuery,
) -> Result<PulseResults, AppError> {
    if matches!(ctx.scope, Scope::Own { .. }) {
        return Err(AppError::NotFound);
    }
    let pulse = state.store.pulse(&ctx.scope, id).await?;
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
    Ok(PulseResults {
        min_group: pulse.min_group,
        min_comments: pulse.min_comments,
        pulse,
        unit,
        department,
        tenure,
        cycles: results,
    })
}

//! A metrics request as the dashboards and the JSON API both read it: metric, unit,
//! touchpoint, survey, range (by default the last three complete months) and interval.

use crate::platform::input::optional_id;
use crate::{AppError, AppState};
use cumbre_domain::calendar::DayRange;
use cumbre_domain::improve::period::local_day;
use cumbre_domain::improve::{Interval, Metric};
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::improve::MetricQuery;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;

/// Most periods one series may have.
const MAX_PERIODS: usize = 1_500;

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// Default `nps`.
    #[serde(default)]
    #[param(value_type = Option<Metric>)]
    pub metric: String,
    /// A unit: its whole subtree (default: the caller's top unit).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub unit: String,
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub touchpoint: String,
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub survey: String,
    /// First local day (`YYYY-MM-DD`), 1970-01-01 to 2199-12-31.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: String,
    /// Last local day (included); at most 25 years after `from`.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: String,
    /// One item per period; without it, one item for the whole range.
    #[serde(default)]
    #[param(value_type = Option<Interval>)]
    pub interval: String,
    /// `csv` on a dashboard page: its tables as CSV instead of the page.
    #[serde(default)]
    #[param(ignore)]
    pub format: String,
    /// `channel` or `language`, for `/api/v1/metrics/breakdown`.
    #[serde(default)]
    #[param(ignore)]
    pub by: String,
    /// The overview map's layer: `customers` (default), `audits` or `both`.
    #[serde(default)]
    #[param(ignore)]
    pub layer: String,
}

/// The `months` complete calendar months before `today`'s month.
pub fn last_full_months(today: Date, months: i32) -> (Date, Date) {
    let to = today.first_of_month().yesterday().unwrap_or(today);
    let from = to
        .first_of_month()
        .checked_sub(jiff::Span::new().months(months - 1))
        .unwrap_or(to);
    (from, to)
}

/// A checked metrics request: the range defaults to the last three complete months.
pub struct Checked {
    pub metric: Metric,
    pub query: MetricQuery,
    pub interval: Option<Interval>,
    /// The tenant's time zone (read to default the range), for instants of local days.
    pub zone: jiff::tz::TimeZone,
}

pub async fn check(
    state: &AppState,
    tenant: cumbre_domain::TenantId,
    q: &MetricsQuery,
) -> Result<Checked, AppError> {
    let metric = Metric::parse(if q.metric.trim().is_empty() {
        "nps"
    } else {
        &q.metric
    })?;
    let interval = match q.interval.trim() {
        "" => None,
        i => Some(Interval::parse(i)?),
    };
    let clock = state.store.tenant_clock(tenant).await?;
    let today = local_day(&clock.zone, state.clock.now());
    let range = DayRange::parse(&q.from, &q.to, |f, t| match (f, t) {
        // By default the last three complete months: calendar months read from month
        // roll-ups, and nothing half-counted.
        (None, None) => last_full_months(today, 3),
        (f, t) => {
            let to = t.unwrap_or(today);
            (
                f.unwrap_or_else(|| to.checked_sub(89.days()).unwrap_or(to)),
                to,
            )
        }
    })?;
    let (from, to) = (range.from(), range.to());
    if let Some(i) = interval
        && i.periods(from, to).len() > MAX_PERIODS
    {
        return Err(InvalidInput::TooMany {
            field: Field::Interval,
            max: MAX_PERIODS,
        }
        .into());
    }
    Ok(Checked {
        zone: clock.zone,
        metric,
        interval,
        query: MetricQuery {
            unit: optional_id(&q.unit, Field::Unit)?.map(UnitId),
            touchpoint: optional_id(&q.touchpoint, Field::Touchpoint)?,
            survey: optional_id(&q.survey, Field::Survey)?,
            from,
            to,
            person: None,
        },
    })
}

/// The response rate of invitations sent in `[start, end)` to `unit`'s subtree (a unit the
/// caller read through its scope), with its Wilson interval; for the API and the pages.
pub async fn response_rate_of(
    store: &cumbre_store::Store,
    scope: &cumbre_domain::access::Scope,
    unit: &cumbre_store::org::Unit,
    survey: Option<i64>,
    (start, end): (time::OffsetDateTime, time::OffsetDateTime),
    min_sample: i64,
) -> Result<
    (
        cumbre_store::listen::invitations::ResponseRate,
        cumbre_domain::improve::Estimate,
    ),
    cumbre_store::StoreError,
> {
    let rate = store.response_rate(scope, unit, survey, start, end).await?;
    let e = cumbre_domain::improve::stats::share(rate.answered, rate.delivered, min_sample);
    Ok((rate, e))
}

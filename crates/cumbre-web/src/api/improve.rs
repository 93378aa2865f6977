//! The Improve part of the JSON API: metric series over the roll-ups.

use crate::api::body;
use crate::auth::ApiCtx;
use crate::extract::{JsonBody, Path};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use cumbre_domain::calendar::DayRange;
use cumbre_domain::improve::period::{local_day, utc_bounds};
use cumbre_domain::improve::{Estimate, Interval, Metric};
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::improve::MetricQuery;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(metrics))
        .routes(routes!(breakdown))
        .routes(routes!(response_rate))
        .routes(routes!(delete_response))
        .routes(routes!(set_min_sample))
}

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
            unit: crate::views::optional_id(&q.unit, Field::Unit)?.map(UnitId),
            touchpoint: crate::views::optional_id(&q.touchpoint, Field::Touchpoint)?,
            survey: crate::views::optional_id(&q.survey, Field::Survey)?,
            from,
            to,
            person: None,
        },
    })
}

/// The series of a metric for a unit's whole subtree, over local days.
#[utoipa::path(get, path = "/api/v1/metrics", tag = "improve", params(MetricsQuery),
    responses((status = 200, description = "The series.", body = Series)))]
async fn metrics(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<Series>, AppError> {
    let q = query_of(query)?;
    let c = check(&state, ctx.user.tenant, &q).await?;
    let min_sample = state.store.min_sample(ctx.user.tenant).await?;
    let series = state
        .store
        .metric_series(&ctx.scope, &c.query, c.interval)
        .await?;
    let items = series
        .iter()
        .map(|(p, t)| PeriodFigure {
            period_start: p.label_start.to_string(),
            period_end: p.last.to_string(),
            figure: Figure::of(c.metric, t, min_sample),
        })
        .collect();
    Ok(Json(Series {
        metric: c.metric,
        from: c.query.from.to_string(),
        to: c.query.to.to_string(),
        interval: c.interval,
        min_sample,
        items,
    }))
}

/// A metric over a range, by period.
#[derive(Serialize, ToSchema)]
struct Series {
    metric: Metric,
    #[schema(format = Date)]
    from: String,
    #[schema(format = Date)]
    to: String,
    /// Absent from the request: one item for the whole range.
    interval: Option<Interval>,
    /// Below it a figure is an indication, not a fact.
    min_sample: i64,
    items: Vec<PeriodFigure>,
}

/// One period of a series.
#[derive(Serialize, ToSchema)]
struct PeriodFigure {
    #[schema(format = Date)]
    period_start: String,
    /// The period's last day (included).
    #[schema(format = Date)]
    period_end: String,
    #[serde(flatten)]
    figure: Figure,
}

/// A metric's value with its interval and sample, and how many responses it read.
#[derive(Serialize, ToSchema)]
struct Figure {
    #[serde(flatten)]
    estimate: Estimate,
    /// Responses in the period (answering the metric's question or not).
    responses: i64,
}

impl Figure {
    fn of(metric: Metric, t: &cumbre_domain::improve::Tally, min_sample: i64) -> Self {
        Figure {
            estimate: metric.estimate(t, min_sample),
            responses: t.responses,
        }
    }
}

fn query_of(query: Result<Query<MetricsQuery>, QueryRejection>) -> Result<MetricsQuery, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    Ok(q)
}

/// A subtree's metric per channel or language, over the whole calendar months the range
/// touches (`from`/`to` in the answer say which: these slices are kept by month).
#[utoipa::path(get, path = "/api/v1/metrics/breakdown", tag = "improve",
    params(MetricsQuery,
        ("by" = SliceKind, Query, description = "What to break the metric down by.")),
    responses((status = 200, description = "The metric per key, largest first.", body = Breakdown)))]
async fn breakdown(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<Breakdown>, AppError> {
    let q = query_of(query)?;
    let slice = cumbre_store::improve::Slice::parse(&q.by)?;
    let c = check(&state, ctx.user.tenant, &q).await?;
    let min_sample = state.store.min_sample(ctx.user.tenant).await?;
    let unit = state.store.dashboard_unit(&ctx.scope, c.query.unit).await?;
    let slices = state
        .store
        .metric_slices(&ctx.scope, &unit, slice, c.query.from, c.query.to)
        .await?;
    let items = slices
        .items
        .iter()
        .map(|(key, t)| KeyFigure {
            key: key.clone(),
            figure: Figure::of(c.metric, t, min_sample),
        })
        .collect();
    Ok(Json(Breakdown {
        metric: c.metric,
        by: slice.code(),
        from: slices.from.to_string(),
        to: slices.to.to_string(),
        min_sample,
        items,
    }))
}

/// What `/api/v1/metrics/breakdown` breaks a metric down by.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum SliceKind {
    Channel,
    Language,
}

/// A metric per channel or language.
#[derive(Serialize, ToSchema)]
struct Breakdown {
    metric: Metric,
    #[schema(value_type = SliceKind)]
    by: &'static str,
    /// The first day of the first whole month read.
    #[schema(format = Date)]
    from: String,
    /// The last day of the last whole month read.
    #[schema(format = Date)]
    to: String,
    min_sample: i64,
    items: Vec<KeyFigure>,
}

/// One channel's or language's figure.
#[derive(Serialize, ToSchema)]
struct KeyFigure {
    /// The channel (`form`, `kiosk`, `email`, `api`, `import`…) or language code.
    key: String,
    #[serde(flatten)]
    figure: Figure,
}

/// Of the invitations sent to a subtree's guests in the range (local days) and not
/// bounced, the share answered, in %, with its Wilson interval (managers and up).
#[utoipa::path(get, path = "/api/v1/metrics/response-rate", tag = "improve", params(MetricsQuery),
    responses((status = 200, description = "The response rate.", body = ResponseRateFigure)))]
async fn response_rate(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<ResponseRateFigure>, AppError> {
    let q = query_of(query)?;
    let c = check(&state, ctx.user.tenant, &q).await?;
    if matches!(ctx.scope, cumbre_domain::access::Scope::Own { .. }) {
        return Err(AppError::NotFound);
    }
    let unit = state.store.dashboard_unit(&ctx.scope, c.query.unit).await?;
    let min_sample = state.store.min_sample(ctx.user.tenant).await?;
    let (rate, e) = response_rate_of(
        &state.store,
        &ctx.scope,
        &unit,
        c.query.survey,
        utc_bounds(&c.zone, c.query.from, c.query.to),
        min_sample,
    )
    .await?;
    Ok(Json(ResponseRateFigure {
        from: c.query.from.to_string(),
        to: c.query.to.to_string(),
        delivered: rate.delivered,
        answered: rate.answered,
        estimate: e,
    }))
}

/// Invitations delivered in a range and how many were answered.
#[derive(Serialize, ToSchema)]
struct ResponseRateFigure {
    #[schema(format = Date)]
    from: String,
    #[schema(format = Date)]
    to: String,
    delivered: i64,
    answered: i64,
    #[serde(flatten)]
    estimate: Estimate,
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

/// Erases a response and its weight in every figure (administrators; audited). A case
/// opened from it keeps its record.
#[utoipa::path(delete, path = "/api/v1/responses/{id}", tag = "improve", params(super::Id),
    responses((status = 204, description = "Erased.")))]
async fn delete_response(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let grant = ctx.admin()?;
    state
        .store
        .delete_response(&grant, id, &ctx.actor(), state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct MinSampleBody {
    #[schema(minimum = 1, maximum = 10000)]
    min_sample: i64,
}

/// How many answers a figure needs before it is shown as a fact (administrators;
/// default 30).
#[utoipa::path(put, path = "/api/v1/settings/min-sample", tag = "improve", request_body = MinSampleBody,
    responses((status = 204, description = "Saved.")))]
async fn set_min_sample(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<MinSampleBody>, AppError>,
) -> Result<StatusCode, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    state.store.set_min_sample(&grant, b.min_sample).await?;
    Ok(StatusCode::NO_CONTENT)
}

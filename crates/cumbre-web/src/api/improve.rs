//! The Improve part of the JSON API: metric series over the roll-ups.

use crate::auth::ApiCtx;
use crate::extract::Path;
use crate::{AppError, AppState};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use cumbre_domain::calendar::DayRange;
use cumbre_domain::improve::period::{local_day, utc_bounds};
use cumbre_domain::improve::{Interval, Metric};
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::improve::MetricQuery;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/metrics", get(metrics))
        .route("/api/v1/metrics/breakdown", get(breakdown))
        .route("/api/v1/metrics/response-rate", get(response_rate))
        .route("/api/v1/responses/{id}", delete(delete_response))
        .route("/api/v1/settings/min-sample", put(set_min_sample))
}

/// Most periods one series may have.
const MAX_PERIODS: usize = 1_500;

#[derive(Deserialize, Default)]
pub struct MetricsQuery {
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub touchpoint: String,
    #[serde(default)]
    pub survey: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub interval: String,
    /// `csv` on a dashboard page: its tables as CSV instead of the page.
    #[serde(default)]
    pub format: String,
    /// `channel` or `language`, for `/api/v1/metrics/breakdown`.
    #[serde(default)]
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

/// `GET /api/v1/metrics`: the series of a metric for a unit's whole subtree.
async fn metrics(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let q = query_of(query)?;
    let c = check(&state, ctx.user.tenant, &q).await?;
    let min_sample = state.store.min_sample(ctx.user.tenant).await?;
    let series = state
        .store
        .metric_series(&ctx.scope, &c.query, c.interval)
        .await?;
    let items: Vec<_> = series
        .iter()
        .map(|(p, t)| {
            let mut item = figure_json(c.metric, t, min_sample);
            item.insert("period_start".into(), json!(p.label_start.to_string()));
            item.insert("period_end".into(), json!(p.last.to_string()));
            item
        })
        .collect();
    Ok(Json(json!({
        "metric": c.metric,
        "from": c.query.from.to_string(),
        "to": c.query.to.to_string(),
        "interval": c.interval,
        "min_sample": min_sample,
        "items": items,
    })))
}

/// A metric's value, sample, interval and sufficiency as the API items carry them.
fn figure_json(
    metric: Metric,
    t: &cumbre_domain::improve::Tally,
    min_sample: i64,
) -> serde_json::Map<String, serde_json::Value> {
    let e = metric.estimate(t, min_sample);
    let mut item = serde_json::Map::new();
    item.insert("value".into(), json!(e.value));
    item.insert("n".into(), json!(e.n));
    item.insert("ci_low".into(), json!(e.ci_low));
    item.insert("ci_high".into(), json!(e.ci_high));
    item.insert("sufficient".into(), json!(e.sufficient));
    item.insert("responses".into(), json!(t.responses));
    item
}

fn query_of(query: Result<Query<MetricsQuery>, QueryRejection>) -> Result<MetricsQuery, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    Ok(q)
}

/// `GET /api/v1/metrics/breakdown?by=channel|language`: a subtree's metric per channel or
/// language, over the whole calendar months the range touches (`from`/`to` in the answer
/// say which: these slices are kept by month).
async fn breakdown(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let q = query_of(query)?;
    let slice = cumbre_store::improve::Slice::parse(&q.by)?;
    let c = check(&state, ctx.user.tenant, &q).await?;
    let min_sample = state.store.min_sample(ctx.user.tenant).await?;
    let unit = state.store.dashboard_unit(&ctx.scope, c.query.unit).await?;
    let slices = state
        .store
        .metric_slices(&ctx.scope, &unit, slice, c.query.from, c.query.to)
        .await?;
    let items: Vec<_> = slices
        .items
        .iter()
        .map(|(key, t)| {
            let mut item = figure_json(c.metric, t, min_sample);
            item.insert("key".into(), json!(key));
            item
        })
        .collect();
    Ok(Json(json!({
        "metric": c.metric,
        "by": slice.code(),
        "from": slices.from.to_string(),
        "to": slices.to.to_string(),
        "min_sample": min_sample,
        "items": items,
    })))
}

/// `GET /api/v1/metrics/response-rate`: of the invitations sent to a subtree's guests in
/// the range (local days), the share answered, with its Wilson interval.
async fn response_rate(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
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
    Ok(Json(json!({
        "from": c.query.from.to_string(),
        "to": c.query.to.to_string(),
        "delivered": rate.delivered,
        "answered": rate.answered,
        "value": e.value,
        "n": e.n,
        "ci_low": e.ci_low,
        "ci_high": e.ci_high,
        "sufficient": e.sufficient,
    })))
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

/// `DELETE /api/v1/responses/{id}`: administrators erase a response (and its weight in
/// every figure).
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

#[derive(Deserialize)]
struct MinSampleBody {
    min_sample: i64,
}

/// `PUT /api/v1/settings/min-sample`: how many answers a figure needs before it is shown
/// as a fact (administrators; 1–10,000, default 30).
async fn set_min_sample(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<Json<MinSampleBody>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let grant = ctx.admin()?;
    let b = crate::api::body(payload)?;
    state.store.set_min_sample(&grant, b.min_sample).await?;
    Ok(StatusCode::NO_CONTENT)
}

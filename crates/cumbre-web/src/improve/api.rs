//! The Improve part of the JSON API: metric series over the roll-ups.

use super::filters::{MetricsQuery, check, response_rate_of};
use super::themes::{EmergingReport, ThemesQuery, ThemesReport};
use crate::platform::api::Id;
use crate::platform::auth::ApiCtx;
use crate::platform::extract::{JsonBody, Path, body, params};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use cumbre_domain::improve::period::utc_bounds;
use cumbre_domain::improve::{Estimate, Interval, Metric};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(metrics))
        .routes(routes!(breakdown))
        .routes(routes!(response_rate))
        .routes(routes!(delete_response))
        .routes(routes!(set_min_sample))
        .routes(routes!(themes))
        .routes(routes!(emerging_problems))
        .routes(routes!(taxonomy))
}

/// The organisation's theme taxonomy: every theme (shipped and its own, switched off
/// ones too: old comments still name them), with its names and terms, and the terms it
/// placed.
#[utoipa::path(get, path = "/api/v1/themes/taxonomy", tag = "improve",
    responses((status = 200, description = "The themes, shipped ones first.", body = super::taxonomy::TaxonomyReport)))]
async fn taxonomy(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<super::taxonomy::TaxonomyReport>, AppError> {
    Ok(Json(super::taxonomy::report(&state, &ctx).await?))
}

/// Each theme's mentions at a place (a unit's subtree, a touchpoint) in a range of local
/// days, how they read, and the period of the same length before.
#[utoipa::path(get, path = "/api/v1/themes", tag = "improve", params(ThemesQuery),
    responses((status = 200, description = "The themes, most mentioned first.", body = ThemesReport)))]
async fn themes(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<ThemesQuery>, QueryRejection>,
) -> Result<Json<ThemesReport>, AppError> {
    let q = params(query)?;
    let c = super::themes::check(&state, &ctx, &q).await?;
    Ok(Json(super::themes::report(&state, &ctx, &c).await?))
}

/// Themes whose negative share rose significantly in the 28 days to `to` against the 84
/// before, per unit and over the whole place, with example comments.
#[utoipa::path(get, path = "/api/v1/themes/emerging", tag = "improve", params(ThemesQuery),
    responses((status = 200, description = "The emerging problems, strongest first.", body = EmergingReport)))]
async fn emerging_problems(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<ThemesQuery>, QueryRejection>,
) -> Result<Json<EmergingReport>, AppError> {
    let q = params(query)?;
    let c = super::themes::check(&state, &ctx, &q).await?;
    Ok(Json(super::themes::emerging(&state, &ctx, &c).await?))
}

/// The series of a metric for a unit's whole subtree, over local days.
#[utoipa::path(get, path = "/api/v1/metrics", tag = "improve", params(MetricsQuery),
    responses((status = 200, description = "The series.", body = Series)))]
async fn metrics(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<Series>, AppError> {
    let q = params(query)?;
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
    let q = params(query)?;
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
    let q = params(query)?;
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

/// Erases a response and its weight in every figure (administrators; audited). A case
/// opened from it keeps its record.
#[utoipa::path(delete, path = "/api/v1/responses/{id}", tag = "improve", params(Id),
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

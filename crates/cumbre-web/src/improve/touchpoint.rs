//! A moment of truth across a unit's subtree: its figure against target, its trend, how
//! each sub-unit does at it, and what guests wrote about it.

use crate::improve::filters::{MetricsQuery, check};
use crate::improve::{
    Figure, SurveyFilter, figure, metric_key, points, survey_filter, table_rows, trend_interval,
};
use crate::platform::auth::PageCtx;
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::Scope;
use cumbre_domain::improve::{Metric, targets};
use cumbre_store::improve::{Cells, MetricQuery};
use cumbre_store::org::Unit;

#[derive(Template)]
#[template(path = "improve/touchpoint.html")]
struct TouchpointPage {
    chrome: Chrome,
    name: String,
    unit: Unit,
    metric: Metric,
    metric_name: String,
    from: String,
    to: String,
    figure: Figure,
    /// The unit itself (when its own guests answered) and the sub-units with data at this
    /// moment: (unit, figure, whether it is the unit's own responses).
    rows: Vec<(Unit, Figure, bool)>,
    trend_svg: String,
    trend: Vec<(String, String, i64, String, bool)>,
    comments: Vec<(String, String)>,
    min_sample: i64,
    surveys: SurveyFilter,
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<MetricsQuery>,
) -> Result<Response, AppError> {
    if let Scope::Own { .. } = ctx.scope {
        return Err(AppError::NotFound);
    }
    let tenant = ctx.user.tenant;
    let touchpoint = state
        .store
        .list_touchpoints(tenant)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)?;
    let c = check(&state, tenant, &q).await?;
    let (metric, from, to) = (c.metric, c.query.from, c.query.to);
    let unit = state.store.dashboard_unit(&ctx.scope, c.query.unit).await?;
    let min_sample = state.store.min_sample(tenant).await?;
    let all_targets = state.store.metric_targets(tenant).await?;
    let units = state.store.list_units(&ctx.scope).await?;
    let children: Vec<&Unit> = units
        .iter()
        .filter(|u| u.parent_id == Some(unit.id))
        .collect();
    let mut shown = vec![&unit];
    shown.extend(children.iter().copied());
    let series_query = MetricQuery {
        unit: Some(unit.id),
        touchpoint: Some(id),
        survey: c.query.survey,
        from,
        to,
        person: None,
    };
    let filter = cumbre_store::listen::ResponseFilter {
        unit: Some(unit.id),
        touchpoint: Some(id),
        with_text: true,
        limit: 8,
        ..Default::default()
    };
    let (cells, series, recent) = tokio::try_join!(
        state.store.metric_cells(
            &ctx.scope,
            &shown,
            from,
            to,
            Cells::of(c.query.survey, false)
        ),
        state
            .store
            .metric_series(&ctx.scope, &series_query, Some(trend_interval(from, to))),
        state.store.list_responses(&ctx.scope, &filter),
    )?;
    // The moment's own target where a standard sets one, else the unit's overall target.
    let standards = state.store.list_standards(tenant, Some(id), None).await?;
    let target_of = |u: &Unit| {
        let chain = u.path.ids();
        super::moment_target(&standards, id, &chain, metric)
            .or_else(|| targets::resolve(&chain, metric, &all_targets))
    };
    let at = |u: &Unit| cells.get(&(u.id, id)).copied().unwrap_or_default();
    let own = at(&unit).without(&children.iter().map(|u| at(u)).sum());
    let chrome = Chrome::for_user(&ctx, "overview");
    let metric_name = chrome.tr.t(metric_key(metric)).to_owned();
    let name = touchpoint.name.get(ctx.lang).to_owned();
    let trend = points(metric, &series, min_sample);
    let target = target_of(&unit);
    let trend_svg = super::trend_chart(
        metric,
        &trend,
        target.map(|t| t.value),
        &format!("{metric_name} · {name} · {}", unit.name),
    );
    if q.format == "csv" {
        let mut out = super::CsvOut::new();
        out.figure(
            "total",
            &unit.name,
            &figure(metric, &at(&unit), min_sample, target),
        );
        if own.responses > 0 {
            out.figure(
                "at_unit",
                &unit.name,
                &figure(metric, &own, min_sample, target),
            );
        }
        for u in &children {
            out.figure(
                "units",
                &u.name,
                &figure(metric, &at(u), min_sample, target_of(u)),
            );
        }
        out.trend("trend", &table_rows(&trend));
        return out.finish("touchpoint.csv");
    }
    let clock = state.store.tenant_clock(tenant).await?;
    let surveys = survey_filter(&state, &ctx.scope, c.query.survey).await?;
    page(&TouchpointPage {
        surveys,
        figure: figure(metric, &at(&unit), min_sample, target),
        rows: (own.responses > 0)
            .then(|| (unit.clone(), figure(metric, &own, min_sample, target), true))
            .into_iter()
            .chain(children.iter().filter(|u| at(u).responses > 0).map(|u| {
                (
                    (*u).clone(),
                    figure(metric, &at(u), min_sample, target_of(u)),
                    false,
                )
            }))
            .collect(),
        trend_svg,
        trend: table_rows(&trend),
        comments: super::verbatims(&state, tenant, &recent.items, &clock).await?,
        min_sample,
        metric_name,
        chrome,
        name,
        metric,
        from: from.to_string(),
        to: to.to_string(),
        unit,
    })
}

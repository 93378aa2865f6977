//! An employee's page: what guests said of the service they gave (the answers that name
//! them), against the unit's targets. An employee sees their own; managers their people.

use crate::improve::filters::{MetricsQuery, check};
use crate::improve::{Figure, figure, metric_key, points, table_rows, trend_interval};
use crate::platform::auth::PageCtx;
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use cumbre_domain::PersonId;
use cumbre_domain::access::Scope;
use cumbre_domain::improve::{Metric, Tally, targets};
use cumbre_store::improve::MetricQuery;

#[derive(Template)]
#[template(path = "improve/person.html")]
struct PersonPage {
    chrome: Chrome,
    name: String,
    unit_name: String,
    metric: Metric,
    metric_name: String,
    from: String,
    to: String,
    person_id: i64,
    /// (metric name, figure)
    kpis: Vec<(String, Figure)>,
    trend_svg: String,
    trend: Vec<(String, String, i64, String, bool)>,
    /// (when, text) of what guests wrote in the answers that name the person.
    comments: Vec<(String, String)>,
    /// How comments named them in the range: praised, neutral, criticised.
    named: cumbre_store::improve::comments::Mentioned,
    /// (link, tone, text) of the newest comments that name them.
    named_comments: Vec<(String, (String, &'static str), String)>,
    min_sample: i64,
}

/// `/dashboard/me`: the signed-in employee's own page.
pub async fn me(PageCtx(ctx): PageCtx) -> Result<Response, AppError> {
    let person = ctx.user.person_id.ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/dashboard/people/{}", person.0)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<MetricsQuery>,
) -> Result<Response, AppError> {
    let tenant = ctx.user.tenant;
    // Seen only within scope: an employee is their own scope, a manager's people are theirs.
    let person = state.store.get_person(&ctx.scope, PersonId(id)).await?;
    if let Scope::Own { person: me, .. } = ctx.scope
        && me != Some(person.id)
    {
        return Err(AppError::NotFound);
    }
    let c = check(&state, tenant, &q).await?;
    let (metric, from, to) = (c.metric, c.query.from, c.query.to);
    let min_sample = state.store.min_sample(tenant).await?;
    let all_targets = state.store.metric_targets(tenant).await?;
    let unit = state
        .store
        .get_unit(&Scope::Tenant(tenant), person.unit_id)
        .await?;
    let chain = unit.path.ids();
    let query = |from, to| MetricQuery {
        unit: None,
        touchpoint: None,
        survey: None,
        from,
        to,
        person: Some(person.id),
    };
    let range = query(from, to);
    let said = cumbre_store::listen::ResponseFilter {
        person: Some(person.id),
        with_text: true,
        limit: 8,
        ..Default::default()
    };
    let (whole, series, recent) = tokio::try_join!(
        state.store.metric_series(&ctx.scope, &range, None),
        state
            .store
            .metric_series(&ctx.scope, &range, Some(trend_interval(from, to))),
        state.store.list_responses(&ctx.scope, &said),
    )?;
    let clock = state.store.tenant_clock(tenant).await?;
    let comments = super::verbatims(&state, tenant, &recent.items, &clock).await?;
    let bounds = cumbre_domain::improve::period::utc_bounds(&clock.zone, from, to);
    let named = state.store.mentions_of(tenant, person.id, bounds).await?;
    let naming = cumbre_store::listen::ResponseFilter {
        mentioned: Some(person.id),
        from: Some(bounds.0),
        to: Some(bounds.1),
        limit: 8,
        ..Default::default()
    };
    let tr = crate::platform::i18n::Tr::new(ctx.lang);
    let naming = state.store.list_responses(&ctx.scope, &naming).await?.items;
    let versions = crate::listen::responses::definitions(&state, tenant, &naming).await?;
    let named_comments = naming
        .into_iter()
        .filter_map(|r| {
            let reading = r.reading.as_ref()?;
            let tone = reading
                .mentions
                .iter()
                .find(|m| m.employee_id == Some(person.id))
                .map_or(reading.sentiment, |m| m.sentiment);
            let text = versions
                .get(&r.survey_version_id)
                .map(|d| d.comments(&r.answers).join(" · "))
                .unwrap_or_default();
            Some((
                format!("/responses/{}", r.id),
                crate::improve::reading::sentiment_label(&tr, tone),
                text.chars().take(240).collect(),
            ))
        })
        .collect();
    let total: Tally = whole.iter().map(|(_, t)| *t).sum();
    let chrome = Chrome::for_user(&ctx, "overview");
    let kpis: Vec<(String, Figure)> = Metric::ALL
        .iter()
        .map(|m| {
            (
                chrome.tr.t(metric_key(*m)).to_owned(),
                figure(
                    *m,
                    &total,
                    min_sample,
                    targets::resolve(&chain, *m, &all_targets),
                ),
            )
        })
        .collect();
    let metric_name = chrome.tr.t(metric_key(metric)).to_owned();
    let trend = points(metric, &series, min_sample);
    let trend_svg = super::trend_chart(
        metric,
        &trend,
        targets::resolve(&chain, metric, &all_targets).map(|t| t.value),
        &format!("{metric_name} · {}", person.name),
    );
    if q.format == "csv" {
        let mut out = super::CsvOut::new();
        for (name, f) in &kpis {
            out.figure("metrics", name, f);
        }
        out.trend("trend", &table_rows(&trend));
        return out.finish("employee.csv");
    }
    page(&PersonPage {
        comments,
        named,
        named_comments,
        kpis,
        trend_svg,
        trend: table_rows(&trend),
        min_sample,
        metric_name,
        chrome,
        name: person.name,
        unit_name: person.unit_name,
        person_id: id,
        metric,
        from: from.to_string(),
        to: to.to_string(),
    })
}

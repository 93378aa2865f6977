//! The executive overview: the moments-of-truth map (a unit's sub-units as rows, the
//! touchpoints as columns, each cell its figure against target), the biggest movers since
//! the previous period, and the trend. Drilling a row opens the same map one level down.

use crate::improve::charts::Point;
use crate::improve::filters::{MetricsQuery, check, response_rate_of};
use crate::improve::{
    Delta, Figure, SurveyFilter, delta, figure, interval_text, metric_key, points, presets,
    rate_figure, survey_filter, trend_interval,
};
use crate::platform::auth::PageCtx;
use crate::platform::extract::Query;
use crate::platform::page::{Chrome, page};
use crate::recover::cases::MetricRow;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cumbre_domain::access::Scope;
use cumbre_domain::improve::period::{local_day, previous_range, utc_bounds, year_before};
use cumbre_domain::improve::{Metric, Tally, targets};
use cumbre_domain::org::UnitKind;
use cumbre_domain::{TenantId, UnitId};
use cumbre_store::improve::{Cells, MetricQuery, RunningCells};
use cumbre_store::org::Unit;
use cumbre_store::recover::metrics::UnitRecovery;
use std::collections::HashMap;

/// One row of the map.
pub struct MapRow {
    pub unit: Unit,
    /// The responses recorded at the unit itself, not at any unit under it (a hotel's
    /// guests answer for the hotel, not for its teams).
    pub direct: bool,
    /// Whether it has sub-units to drill into.
    pub drills: bool,
    pub total: Figure,
    pub change: Option<Delta>,
    pub cells: Vec<Figure>,
    /// The mystery shoppers' layer: the audit score, and each moment of truth's pass rate
    /// ("" where no audit checked it), filled only when the map shows it.
    pub audit_total: String,
    pub audits: Vec<String>,
}

#[derive(Clone)]
pub struct Mover {
    pub unit: Unit,
    /// A moment of truth of `unit` when the unit has no sub-units with data to compare.
    pub touchpoint: Option<(i64, String)>,
    pub figure: Figure,
    pub change: Delta,
}

#[derive(Template)]
#[template(path = "improve/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    metric: Metric,
    metric_name: String,
    unit: Unit,
    trail: Vec<Unit>,
    from: String,
    to: String,
    presets: Vec<(String, String, String)>,
    touchpoints: Vec<(i64, String)>,
    rows: Vec<MapRow>,
    quiet: Vec<(Unit, bool)>,
    total: Figure,
    vs_previous: Option<Delta>,
    vs_last_year: Option<Delta>,
    up: Vec<Mover>,
    down: Vec<Mover>,
    trend_svg: String,
    /// (period, value, n, interval, sufficient): the chart's data table.
    trend: Vec<(String, String, i64, String, bool)>,
    min_sample: i64,
    query: String,
    surveys: SurveyFilter,
    response_rate: Figure,
    invited: (i64, i64),
    recovery: MetricRow,
    /// `customers`, `audits` or `both`.
    layer: &'static str,
}

/// Everything the overview shows, computed once for the page and its CSV.
pub(crate) struct Overview {
    pub metric: Metric,
    pub survey: Option<i64>,
    pub unit: Unit,
    pub units: Vec<Unit>,
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub min_sample: i64,
    pub touchpoints: Vec<(i64, String)>,
    pub rows: Vec<MapRow>,
    /// Sub-units without a response in the range (and whether each has units under it).
    pub quiet: Vec<(Unit, bool)>,
    pub total: Figure,
    pub vs_previous: Option<Delta>,
    pub vs_last_year: Option<Delta>,
    pub up: Vec<Mover>,
    pub down: Vec<Mover>,
    pub trend: Vec<(Point, i64)>,
    pub target: Option<f64>,
    /// Invitations' response rate in the subtree, and (delivered, answered).
    pub response_rate: Figure,
    pub invited: (i64, i64),
    /// The subtree's service recovery over the range (cases opened in it).
    pub recovery: MetricRow,
}

/// Tallies by (unit, touchpoint), as `metric_cells` reads them.
type CellMap = HashMap<(UnitId, i64), Tally>;

fn chain_of(u: &Unit) -> Vec<UnitId> {
    u.path.ids()
}

/// The candidates' totals now and before, to rank the movers: over all surveys, both
/// periods from one read of the running totals (only the metric's counters); one survey's
/// from its cells.
async fn movers_totals(
    store: &cumbre_store::Store,
    scope: &Scope,
    candidates: &[&Unit],
    periods: [(jiff::civil::Date, jiff::civil::Date); 2],
    survey: Option<i64>,
    metric: Metric,
) -> Result<(CellMap, CellMap), cumbre_store::StoreError> {
    if survey.is_none() {
        let mut both = store
            .running_sums(
                scope,
                candidates,
                RunningCells::Totals,
                &periods,
                Some(metric),
            )
            .await?
            .into_iter();
        return Ok((
            both.next().unwrap_or_default(),
            both.next().unwrap_or_default(),
        ));
    }
    let [(from, to), (prev_from, prev_to)] = periods;
    tokio::try_join!(
        store.metric_cells(scope, candidates, from, to, Cells::of(survey, true)),
        store.metric_cells(
            scope,
            candidates,
            prev_from,
            prev_to,
            Cells::of(survey, true)
        ),
    )
}

pub(crate) async fn compute(
    state: &AppState,
    scope: &Scope,
    tenant: TenantId,
    lang: cumbre_domain::Lang,
    q: &MetricsQuery,
) -> Result<Overview, AppError> {
    let c = check(state, tenant, q).await?;
    let (metric, from, to, survey) = (c.metric, c.query.from, c.query.to, c.query.survey);
    let unit = state.store.dashboard_unit(scope, c.query.unit).await?;
    let min_sample = state.store.min_sample(tenant).await?;
    let targets = state.store.metric_targets(tenant).await?;
    let target_of = |u: &Unit| targets::resolve(&chain_of(u), metric, &targets);
    let units = state.store.list_units(scope).await?;
    let children: Vec<&Unit> = units
        .iter()
        .filter(|u| u.parent_id == Some(unit.id))
        .collect();
    let touchpoints: Vec<(i64, String)> = state
        .store
        .list_touchpoints(tenant)
        .await?
        .iter()
        .map(|t| (t.id, t.name.get(lang).to_owned()))
        .collect();

    let mut shown: Vec<&Unit> = vec![&unit];
    shown.extend(children.iter().copied());
    let (prev_from, prev_to) = previous_range(from, to);
    // Movers: the hotels (locations) under the unit, else its sub-units.
    let mut candidates: Vec<&Unit> = units
        .iter()
        .filter(|u| u.kind == UnitKind::Location && u.id != unit.id && u.path.is_within(&unit.path))
        .collect();
    if candidates.is_empty() {
        candidates = children.clone();
    }
    let whole = |from, to| MetricQuery {
        unit: Some(unit.id),
        touchpoint: None,
        survey,
        from,
        to,
        person: None,
    };
    let (this_year, last_year) = (whole(from, to), whole(year_before(from), year_before(to)));
    let subtree = scope
        .narrowed_to(unit.id, &unit.path)
        .ok_or(AppError::NotFound)?;
    let bounds = utc_bounds(&c.zone, from, to);
    let store = &state.store;
    // Independent reads, run at once (SQLite readers and PostgreSQL sessions work in
    // parallel): the page waits for the slowest, not for their sum.
    let (cells, before, last_year, (now_m, before_m), series, (rate, rate_e), recovery) = tokio::try_join!(
        store.metric_cells(scope, &shown, from, to, Cells::of(survey, false)),
        store.metric_cells(scope, &shown, prev_from, prev_to, Cells::of(survey, true)),
        store.metric_series(scope, &last_year, None),
        movers_totals(
            store,
            scope,
            &candidates,
            [(from, to), (prev_from, prev_to)],
            survey,
            metric
        ),
        store.metric_series(scope, &this_year, Some(trend_interval(from, to))),
        response_rate_of(store, scope, &unit, survey, bounds, min_sample),
        store.recovery_metrics(&subtree, bounds.0, bounds.1, state.clock.now()),
    )?;
    let get = |m: &CellMap, u: UnitId, t: i64| m.get(&(u, t)).copied().unwrap_or_default();
    let estimate = |t: &Tally| metric.estimate(t, min_sample);
    // The unit's own responses: its subtree's less its sub-units' (each a subtree too).
    let direct = |m: &CellMap, tp: i64| {
        let parts: Tally = children.iter().map(|c| get(m, c.id, tp)).sum();
        get(m, unit.id, tp).without(&parts)
    };
    // A map row: `tally(map, touchpoint)` reads its cells now (`cells`) and before.
    let map_row = |u: &Unit, own: bool, drills: bool, tally: &dyn Fn(&CellMap, i64) -> Tally| {
        let target = target_of(u);
        let now = tally(&cells, 0);
        MapRow {
            direct: own,
            drills,
            total: figure(metric, &now, min_sample, target),
            change: delta(metric, &estimate(&now), &estimate(&tally(&before, 0))),
            cells: touchpoints
                .iter()
                .map(|(tp, _)| figure(metric, &tally(&cells, *tp), min_sample, target))
                .collect(),
            audit_total: String::new(),
            audits: Vec::new(),
            unit: u.clone(),
        }
    };
    let mut rows = Vec::new();
    if direct(&cells, 0).responses > 0 {
        rows.push(map_row(&unit, true, false, &direct));
    }
    let mut quiet = Vec::new();
    for child in &children {
        let drills = units.iter().any(|u| u.parent_id == Some(child.id));
        if get(&cells, child.id, 0).responses == 0 {
            quiet.push(((*child).clone(), drills));
            continue;
        }
        rows.push(map_row(child, false, drills, &|m, tp| get(m, child.id, tp)));
    }
    let target = target_of(&unit);
    let now_total = get(&cells, unit.id, 0);
    let total = figure(metric, &now_total, min_sample, target);
    let vs_previous = delta(
        metric,
        &estimate(&now_total),
        &estimate(&get(&before, unit.id, 0)),
    );
    let vs_last_year = last_year
        .first()
        .and_then(|(_, t)| delta(metric, &estimate(&now_total), &estimate(t)));

    // A candidate's rank: how much its tally changed, signed so that up is better; only
    // figures over the minimum sample rank. A chain ranks a thousand hotels to show five
    // each way, so only those become movers (a figure formats its interval and colour).
    let rank = |a: &Tally, b: &Tally| {
        let (ea, eb) = (estimate(a), estimate(b));
        let change = cumbre_domain::improve::compare(&ea, &eb)?;
        ea.sufficient.then_some(if metric.higher_is_better() {
            change.delta
        } else {
            -change.delta
        })
    };
    type Ranked<'a> = (f64, Tally, Tally, &'a Unit, Option<(i64, &'a String)>);
    let mut ranked: Vec<Ranked> = candidates
        .iter()
        .filter_map(|u| {
            let (a, b) = (get(&now_m, u.id, 0), get(&before_m, u.id, 0));
            Some((rank(&a, &b)?, a, b, *u, None))
        })
        .collect();
    let compared = candidates
        .iter()
        .any(|u| get(&now_m, u.id, 0).responses > 0 && get(&before_m, u.id, 0).responses > 0);
    if !compared {
        // Nothing under the unit to rank (a hotel whose guests answer for the hotel): its
        // moments of truth are what moved.
        let earlier = store
            .metric_cells(
                scope,
                &[&unit],
                prev_from,
                prev_to,
                Cells::of(survey, false),
            )
            .await?;
        ranked = touchpoints
            .iter()
            .filter_map(|(tp, name)| {
                let (a, b) = (get(&cells, unit.id, *tp), get(&earlier, unit.id, *tp));
                Some((rank(&a, &b)?, a, b, &unit, Some((*tp, name))))
            })
            .collect();
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mover = |(_, a, b, unit, touchpoint): &Ranked| {
        Some(Mover {
            unit: (*unit).clone(),
            touchpoint: touchpoint.map(|(id, name)| (id, name.clone())),
            figure: figure(metric, a, min_sample, target_of(unit)),
            change: delta(metric, &estimate(a), &estimate(b))?,
        })
    };
    let down: Vec<Mover> = ranked
        .iter()
        .rev()
        .take(5)
        .filter(|r| r.0 < 0.0)
        .filter_map(mover)
        .collect();
    let up: Vec<Mover> = ranked
        .iter()
        .take(5)
        .filter(|r| r.0 > 0.0)
        .filter_map(mover)
        .collect();

    let recovery = MetricRow::new(
        unit.name.clone(),
        recovery.first().unwrap_or(&UnitRecovery::default()),
        &crate::platform::page::Money::of(state, tenant).await?,
    );
    Ok(Overview {
        response_rate: rate_figure(&rate_e),
        invited: (rate.delivered, rate.answered),
        recovery,
        survey,
        metric,
        trend: points(metric, &series, min_sample),
        target: target.map(|t| t.value),
        unit,
        units,
        from,
        to,
        min_sample,
        touchpoints,
        rows,
        quiet,
        total,
        vs_previous,
        vs_last_year,
        up,
        down,
    })
}

/// The query string that reproduces this view (for links and the CSV).
fn query_string(metric: Metric, unit: UnitId, from: &str, to: &str) -> String {
    format!(
        "metric={}&unit={}&from={from}&to={to}",
        metric.code(),
        unit.0
    )
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<MetricsQuery>,
) -> Result<Response, AppError> {
    if let Scope::Own { .. } = ctx.scope {
        return Err(AppError::NotFound);
    }
    let o = compute(&state, &ctx.scope, ctx.user.tenant, ctx.lang, &q).await?;
    let chrome = Chrome::for_user(&ctx, "overview");
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let today = local_day(&clock.zone, state.clock.now());
    let metric_name = chrome.tr.t(metric_key(o.metric)).to_owned();
    let trail: Vec<Unit> = o
        .unit
        .path
        .ids()
        .iter()
        .filter_map(|id| o.units.iter().find(|u| u.id == *id).cloned())
        .collect();
    let trend_svg = super::trend_chart(
        o.metric,
        &o.trend,
        o.target,
        &format!("{metric_name} · {}", o.unit.name),
    );
    let (from, to) = (o.from.to_string(), o.to.to_string());
    let surveys = survey_filter(&state, &ctx.scope, o.survey).await?;
    let layer = match q.layer.as_str() {
        "audits" => "audits",
        "both" => "both",
        _ => "customers",
    };
    let mut o = o;
    if layer != "customers" {
        audit_layer(&state, &ctx.scope, &clock, &mut o).await?;
    }
    page(&OverviewPage {
        layer,
        query: query_string(o.metric, o.unit.id, &from, &to) + &surveys.param,
        surveys,
        presets: presets(&chrome, today),
        metric_name,
        chrome,
        metric: o.metric,
        trail,
        from,
        to,
        touchpoints: o.touchpoints,
        rows: o.rows,
        quiet: o.quiet,
        total: o.total,
        vs_previous: o.vs_previous,
        vs_last_year: o.vs_last_year,
        up: o.up,
        down: o.down,
        trend_svg,
        trend: super::table_rows(&o.trend),
        min_sample: o.min_sample,
        response_rate: o.response_rate,
        invited: o.invited,
        recovery: o.recovery,
        unit: o.unit,
    })
}

impl OverviewPage {
    /// The audit layer's text for the `i`th moment of truth of `row` ("" for none).
    fn audit_cell(&self, row: &MapRow, i: &usize) -> String {
        row.audits.get(*i).cloned().unwrap_or_default()
    }
}

/// Fills the map's mystery-shopper layer: each row's audit score and, per moment of
/// truth, the share of its standards' checks that were met (published audits, after
/// disputes, calibration visits left out), with how many checks.
async fn audit_layer(
    state: &AppState,
    scope: &Scope,
    clock: &cumbre_domain::recover::TenantClock,
    o: &mut Overview,
) -> Result<(), AppError> {
    let bounds = utc_bounds(&clock.zone, o.from, o.to);
    let store = &state.store;
    let min_sample = o.min_sample;
    for row in o.rows.iter_mut().filter(|r| !r.direct) {
        let r = store
            .audit_results(scope, &row.unit.path, bounds, &clock.zone, min_sample)
            .await?;
        fill(row, &r, &o.touchpoints);
    }
    // A sub-unit no customer answered for may still have been visited: it gets a row.
    for (u, drills) in std::mem::take(&mut o.quiet) {
        let r = store
            .audit_results(scope, &u.path, bounds, &clock.zone, min_sample)
            .await?;
        if r.score.n == 0 {
            o.quiet.push((u, drills));
            continue;
        }
        let empty = figure(o.metric, &Tally::default(), o.min_sample, None);
        let mut row = MapRow {
            direct: false,
            drills,
            total: empty.clone(),
            change: None,
            cells: o.touchpoints.iter().map(|_| empty.clone()).collect(),
            audit_total: String::new(),
            audits: Vec::new(),
            unit: u,
        };
        fill(&mut row, &r, &o.touchpoints);
        o.rows.push(row);
    }
    Ok(())
}

/// A row's audit score and each moment of truth's share of checks met ("" where none).
fn fill(row: &mut MapRow, r: &cumbre_store::decide::AuditResults, touchpoints: &[(i64, String)]) {
    if r.score.n == 0 {
        return;
    }
    row.audit_total = format!(
        "{} (n = {})",
        r.score
            .value
            .map_or("—".to_owned(), |v| format!("{v:.0} %")),
        r.score.n
    );
    row.audits = touchpoints
        .iter()
        .map(|(tp, _)| {
            let (applied, met) = r
                .standards
                .iter()
                .filter(|s| s.touchpoint_id == *tp)
                .fold((0, 0), |(a, m), s| (a + s.applied, m + s.met));
            if applied == 0 {
                String::new()
            } else {
                format!(
                    "{:.0} % (n = {applied})",
                    met as f64 * 100.0 / applied as f64
                )
            }
        })
        .collect();
}

/// The overview as CSV: the map (one line per (unit, touchpoint) cell, the totals as
/// touchpoint "all"), the movers, the trend and the response rate; `table` says which.
pub async fn csv(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<MetricsQuery>,
) -> Result<Response, AppError> {
    if let Scope::Own { .. } = ctx.scope {
        return Err(AppError::NotFound);
    }
    let o = compute(&state, &ctx.scope, ctx.user.tenant, ctx.lang, &q).await?;
    let mut w = crate::platform::export::CsvWriter::new();
    let _ = w.write_record([
        "table",
        "unit_id",
        "unit",
        "touchpoint_id",
        "touchpoint",
        "period",
        "metric",
        "from",
        "to",
        "value",
        "n",
        "ci_low",
        "ci_high",
        "sufficient",
        "target",
        "status",
        "change",
        "significant",
    ]);
    let (from, to) = (o.from.to_string(), o.to.to_string());
    let mut line = |table: &str,
                    unit: &Unit,
                    tp: (i64, &str),
                    period: &str,
                    metric: &str,
                    f: &Figure,
                    change: Option<&Delta>| {
        let (lo, hi) = f.ci.split_once('–').unwrap_or(("", ""));
        let _ = w.write_record([
            table,
            &unit.id.0.to_string(),
            &unit.name,
            &if tp.0 == 0 {
                String::new()
            } else {
                tp.0.to_string()
            },
            tp.1,
            period,
            metric,
            &from,
            &to,
            &f.value.map(|v| format!("{v:.2}")).unwrap_or_default(),
            &f.n.to_string(),
            lo,
            hi,
            &f.sufficient.to_string(),
            &f.target.map(|t| t.to_string()).unwrap_or_default(),
            match f.status {
                targets::Status::OnTrack => "on_track",
                targets::Status::OffTrack => "off_track",
                targets::Status::Unknown => "",
            },
            &change
                .map(|d| format!("{:.2}", d.value))
                .unwrap_or_default(),
            &change
                .map(|d| d.significant.to_string())
                .unwrap_or_default(),
        ]);
    };
    let metric = o.metric.code();
    line(
        "map",
        &o.unit,
        (0, "all"),
        "",
        metric,
        &o.total,
        o.vs_previous.as_ref(),
    );
    for row in &o.rows {
        line(
            if row.direct { "map_at_unit" } else { "map" },
            &row.unit,
            (0, "all"),
            "",
            metric,
            &row.total,
            row.change.as_ref(),
        );
        for ((tp, name), f) in o.touchpoints.iter().zip(&row.cells) {
            let table = if row.direct { "map_at_unit" } else { "map" };
            line(table, &row.unit, (*tp, name), "", metric, f, None);
        }
    }
    for (table, movers) in [("movers_up", &o.up), ("movers_down", &o.down)] {
        for m in movers {
            line(
                table,
                &m.unit,
                m.touchpoint
                    .as_ref()
                    .map_or((0, "all"), |(id, name)| (*id, name.as_str())),
                "",
                metric,
                &m.figure,
                Some(&m.change),
            );
        }
    }
    for (p, n) in &o.trend {
        // A trend point as a figure: its value, sample and interval (no heat, no status).
        let f = Figure {
            text: String::new(),
            n: *n,
            ci: interval_text(p.ci),
            class: "",
            heat: String::new(),
            sufficient: p.sufficient,
            value: p.value,
            target: o.target,
            status: targets::Status::Unknown,
        };
        line("trend", &o.unit, (0, "all"), &p.label, metric, &f, None);
    }
    line(
        "response_rate",
        &o.unit,
        (0, "all"),
        "",
        "response_rate",
        &o.response_rate,
        None,
    );
    let body = w.into_inner().map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"overview-{}-{}-{from}-{to}.csv\"",
                    o.metric.code(),
                    crate::platform::export::slug(&o.unit.name)
                ),
            ),
        ],
        body,
    )
        .into_response())
}

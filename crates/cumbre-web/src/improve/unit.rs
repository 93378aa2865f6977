//! A unit's page: its three metrics against target, where it stands among its siblings,
//! its trend, its moments of truth, what guests wrote lately and its open cases. Those who
//! lead the unit or above set its targets here.

use crate::improve::filters::response_rate_of;
use crate::improve::filters::{MetricsQuery, check};
use crate::improve::{
    Figure, Slices, SurveyFilter, figure, format_value, metric_key, points, rate_figure, slices,
    survey_filter, table_rows, trend_interval,
};
use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::Scope;
use cumbre_domain::improve::period::utc_bounds;
use cumbre_domain::improve::{Metric, Tally, targets};
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::improve::{Cells, MetricQuery};
use cumbre_store::org::Unit;
use cumbre_store::recover::{CaseFilter, CaseSummary};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "improve/unit.html")]
struct UnitPage {
    chrome: Chrome,
    unit: Unit,
    metric: Metric,
    metric_name: String,
    from: String,
    to: String,
    /// (metric code, name, figure, own target as typed, inherited from elsewhere)
    kpis: Vec<(&'static str, String, Figure, String, bool)>,
    /// Siblings the viewer sees (and the unit itself) on the chosen metric: (unit,
    /// figure, is this unit).
    siblings: Vec<(Unit, Figure, bool)>,
    /// Where the unit stands among all its peers, named or not, in words.
    standing: Option<String>,
    /// (touchpoint id, name, figure)
    touchpoints: Vec<(i64, String, Figure)>,
    trend_svg: String,
    trend: Vec<(String, String, i64, String, bool)>,
    /// (when, text) of recent comments.
    comments: Vec<(String, String)>,
    cases: Vec<CaseSummary>,
    can_set_targets: bool,
    surveys: SurveyFilter,
    min_sample: i64,
    response_rate: Figure,
    /// Invitations delivered and answered, for the rate's caption.
    invited: (i64, i64),
    slices: Slices,
    /// What the mystery shoppers found here in the range, when they came.
    audits: Option<AuditsView>,
    /// Each standard with evidence here: customers, shoppers, cases.
    standards: Vec<StandardRow>,
}

/// One standard seen by the customers asked about it, the shoppers and the cases.
struct StandardRow {
    name: String,
    touchpoint: String,
    critical: bool,
    customers: Figure,
    audits: Figure,
    /// "3 · 1 open", or empty when none was raised.
    cases: String,
    /// A target's figure ("CSAT 78 % (n = 120)"), whether it meets the goal (absent
    /// without answers), and whether there are enough answers to say so as a fact.
    target: Option<(String, Option<bool>, bool)>,
    /// A target's goal in words.
    check: String,
}

fn standard_rows(
    list: &[cumbre_store::decide::StandardEvidence],
    touchpoints: &[cumbre_store::listen::Touchpoint],
    tr: &crate::platform::i18n::Tr,
) -> Vec<StandardRow> {
    list.iter()
        .map(|s| StandardRow {
            name: s.name.clone(),
            touchpoint: crate::decide::form::touchpoint_name(touchpoints, s.touchpoint_id, tr.lang),
            critical: s.critical,
            customers: rate_figure(&s.customers),
            audits: rate_figure(&s.audits),
            cases: match (s.cases, s.open_cases) {
                (0, _) => String::new(),
                (n, 0) => tr.int(n),
                (n, open) => format!("{} · {}", tr.int(n), tr.count("unit_dash.open_cases", open)),
            },
            check: s.target.as_ref().map_or(String::new(), |t| {
                crate::decide::standards::target_text(t.metric, t.goal, tr)
            }),
            target: s.target.as_ref().map(|t| {
                let value = t
                    .figure
                    .value
                    .map_or("—".to_owned(), |v| format_value(t.metric, v));
                (
                    format!(
                        "{} {value} (n = {})",
                        t.metric.code().to_uppercase(),
                        tr.int(t.figure.n)
                    ),
                    t.met,
                    t.figure.sufficient,
                )
            }),
        })
        .collect()
}

/// The mystery-shopper results beside the customers' figures.
struct AuditsView {
    score: Figure,
    critical: i64,
    /// (month, score, n, interval, sufficient)
    months: Vec<(String, String, i64, String, bool)>,
}

fn audits_view(r: &cumbre_store::decide::AuditResults) -> Option<AuditsView> {
    if r.score.n == 0 {
        return None;
    }
    let text = |e: &cumbre_domain::improve::stats::Estimate| {
        e.value.map_or("—".to_owned(), |v| format!("{v:.0} %"))
    };
    let ci =
        |e: &cumbre_domain::improve::stats::Estimate| super::interval_text(e.ci_low.zip(e.ci_high));
    Some(AuditsView {
        score: super::rate_figure(&r.score),
        critical: r.critical_failures,
        months: r
            .months
            .iter()
            .map(|m| {
                (
                    m.month.clone(),
                    text(&m.score),
                    m.score.n,
                    ci(&m.score),
                    m.score.sufficient,
                )
            })
            .collect(),
    })
}

/// The unit among all the units beside it (same parent), in the whole company: its rank
/// and the peers' quartiles, so a hotel's manager sees where the hotel stands without
/// seeing the other hotels' names or figures one by one.
pub struct Standing {
    /// 1 is the best; `None` when the unit's own sample is too small to rank.
    pub rank: Option<usize>,
    /// Peers with enough answers to compare (the unit included).
    pub of: usize,
    /// The peers' first quartile, median and third quartile.
    pub quartiles: [f64; 3],
    metric: Metric,
}

impl Standing {
    /// "Rank 3 of 12 … · median 41 · the middle half between 35–52", in words.
    fn text(&self, tr: &crate::platform::i18n::Tr) -> String {
        let place = match self.rank {
            Some(r) => {
                tr.f("unit_dash.rank", tr.int(r as i64))
                    .replacen("{}", &tr.int(self.of as i64), 1)
            }
            None => tr.f("unit_dash.unranked", tr.int(self.of as i64)),
        };
        let q = |i: usize| format_value(self.metric, self.quartiles[i]);
        format!(
            "{place} · {} {} · {} {}–{}",
            tr.t("unit_dash.median"),
            q(1),
            tr.t("unit_dash.quartiles"),
            q(0),
            q(2)
        )
    }
}

/// Fewer peers than this and quartiles would all but name them.
const MIN_PEERS: usize = 5;

fn standing(metric: Metric, mine: Option<f64>, peers: &[f64]) -> Option<Standing> {
    if peers.len() < MIN_PEERS {
        return None;
    }
    let mut sorted = peers.to_vec();
    sorted.sort_by(f64::total_cmp);
    // Linear interpolation between the closest ranks (the spreadsheet's QUARTILE).
    let at = |p: f64| {
        let x = p * (sorted.len() - 1) as f64;
        let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
        sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo as f64)
    };
    let better = |v: f64, m: f64| {
        if metric.higher_is_better() {
            v > m
        } else {
            v < m
        }
    };
    Some(Standing {
        rank: mine.map(|m| 1 + peers.iter().filter(|v| better(**v, m)).count()),
        of: peers.len(),
        quartiles: [at(0.25), at(0.5), at(0.75)],
        metric,
    })
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(mut q): Query<MetricsQuery>,
) -> Result<Response, AppError> {
    if let Scope::Own { .. } = ctx.scope {
        return Err(AppError::NotFound);
    }
    let tenant = ctx.user.tenant;
    q.unit = id.to_string();
    q.interval = String::new();
    let c = check(&state, tenant, &q).await?;
    let (metric, from, to, survey) = (c.metric, c.query.from, c.query.to, c.query.survey);
    let unit = state.store.get_unit(&ctx.scope, UnitId(id)).await?;
    let min_sample = state.store.min_sample(tenant).await?;
    let all_targets = state.store.metric_targets(tenant).await?;
    let chain = unit.path.ids();
    let chrome = Chrome::for_user(&ctx, "overview").with_notice(None);
    // Peers are read company-wide for the standing; only those in scope are named.
    let company = Scope::Tenant(tenant);
    let visible: std::collections::HashSet<UnitId> = state
        .store
        .list_units(&ctx.scope)
        .await?
        .iter()
        .map(|u| u.id)
        .collect();
    let all_units = state.store.list_units(&company).await?;
    let peers_of: Vec<&Unit> = match unit.parent_id {
        Some(parent) => all_units
            .iter()
            .filter(|u| u.parent_id == Some(parent))
            .collect(),
        None => vec![&unit],
    };
    // The unit's own cells, and only the totals of its peers, read at once.
    let me = [&unit];
    let (cells, peers) = tokio::try_join!(
        state
            .store
            .metric_cells(&ctx.scope, &me, from, to, Cells::of(survey, false)),
        state
            .store
            .metric_cells(&company, &peers_of, from, to, Cells::of(survey, true)),
    )?;
    let peer_figures: Vec<(&Unit, Figure)> = peers_of
        .iter()
        .map(|s| {
            let t: Tally = peers.get(&(s.id, 0)).copied().unwrap_or_default();
            let target = targets::resolve(&s.path.ids(), metric, &all_targets);
            (*s, figure(metric, &t, min_sample, target))
        })
        .collect();
    let comparable: Vec<f64> = peer_figures
        .iter()
        .filter(|(_, f)| f.sufficient)
        .filter_map(|(_, f)| f.value)
        .collect();
    let mine = peer_figures
        .iter()
        .find(|(u, f)| u.id == unit.id && f.sufficient)
        .and_then(|(_, f)| f.value);
    let standing = standing(metric, mine, &comparable);
    let siblings: Vec<&(&Unit, Figure)> = peer_figures
        .iter()
        .filter(|(u, _)| visible.contains(&u.id))
        .collect();
    let own = |tp: i64| cells.get(&(unit.id, tp)).copied().unwrap_or_default();
    let kpis: Vec<(&'static str, String, Figure, String, bool)> = Metric::ALL
        .iter()
        .map(|m| {
            let target = targets::resolve(&chain, *m, &all_targets);
            let own_target = all_targets
                .get(&(unit.id, *m))
                .map_or(String::new(), |v| v.to_string());
            (
                m.code(),
                chrome.tr.t(metric_key(*m)).to_owned(),
                figure(*m, &own(0), min_sample, target),
                own_target,
                target.is_some_and(|t| t.set_at != unit.id),
            )
        })
        .collect();
    let mut sibling_rows: Vec<(Unit, Figure, bool)> = siblings
        .iter()
        .map(|(s, f)| ((*s).clone(), f.clone(), s.id == unit.id))
        .collect();
    sibling_rows.sort_by(|a, b| {
        let key = |f: &Figure| {
            f.value
                .filter(|_| f.sufficient)
                .unwrap_or(f64::NEG_INFINITY)
        };
        let (x, y) = (key(&a.1), key(&b.1));
        if metric.higher_is_better() {
            y.total_cmp(&x)
        } else {
            x.total_cmp(&y)
        }
    });
    let target = targets::resolve(&chain, metric, &all_targets);
    let all_touchpoints = state.store.list_touchpoints(tenant).await?;
    // Each moment against its own target where a standard sets one.
    let moment_standards = state.store.list_standards(tenant, None, None).await?;
    let touchpoints: Vec<(i64, String, Figure)> = all_touchpoints
        .iter()
        .map(|t| {
            let goal = super::moment_target(&moment_standards, t.id, &chain, metric).or(target);
            (
                t.id,
                t.name.get(ctx.lang).to_owned(),
                figure(metric, &own(t.id), min_sample, goal),
            )
        })
        .collect();
    let series = state
        .store
        .metric_series(
            &ctx.scope,
            &MetricQuery {
                unit: Some(unit.id),
                touchpoint: None,
                survey,
                from,
                to,
                person: None,
            },
            Some(trend_interval(from, to)),
        )
        .await?;
    let trend = points(metric, &series, min_sample);
    let metric_name = chrome.tr.t(metric_key(metric)).to_owned();
    let trend_svg = super::trend_chart(
        metric,
        &trend,
        target.map(|t| t.value),
        &format!("{metric_name} · {}", unit.name),
    );
    let clock = state.store.tenant_clock(tenant).await?;
    let recent = state
        .store
        .list_responses(
            &ctx.scope,
            &cumbre_store::listen::ResponseFilter {
                unit: Some(unit.id),
                with_text: true,
                limit: 8,
                ..Default::default()
            },
        )
        .await?;
    let comments = super::verbatims(&state, tenant, &recent.items, &clock).await?;
    let open_cases = state
        .store
        .list_cases(
            &ctx.scope,
            &CaseFilter {
                unit: Some(unit.id),
                limit: 8,
                ..Default::default()
            },
            state.clock.now(),
        )
        .await?
        .items
        .into_iter()
        .filter(|c| c.status.is_open())
        .take(8)
        .collect();
    let (slices, (rate, rate_e)) = tokio::try_join!(
        slices(&state, &ctx.scope, &chrome, &unit, (from, to), |t| figure(
            metric, t, min_sample, target
        )),
        async {
            response_rate_of(
                &state.store,
                &ctx.scope,
                &unit,
                survey,
                utc_bounds(&c.zone, from, to),
                min_sample,
            )
            .await
            .map_err(AppError::from)
        },
    )?;
    let response_rate = rate_figure(&rate_e);
    if q.format == "csv" {
        let mut out = super::CsvOut::new();
        for (_, name, f, _, _) in &kpis {
            out.figure("metrics", name, f);
        }
        out.figure(
            "metrics",
            chrome.tr.t("metric.response_rate"),
            &response_rate,
        );
        out.slices(&slices);
        for (u, f, _) in &sibling_rows {
            out.figure("peers", &u.name, f);
        }
        if let Some(st) = &standing {
            out.standing(st.rank, st.of, st.quartiles);
        }
        for (_, name, f) in &touchpoints {
            out.figure("touchpoints", name, f);
        }
        out.trend("trend", &table_rows(&trend));
        return out.finish("unit.csv");
    }
    let surveys = survey_filter(&state, &ctx.scope, survey).await?;
    let bounds = utc_bounds(&c.zone, from, to);
    let audit_results = state
        .store
        .audit_results(&ctx.scope, &unit.path, bounds, &c.zone, min_sample)
        .await?;
    let evidence = state
        .store
        .standard_evidence(
            &ctx.scope,
            &unit,
            (from, to),
            (&audit_results, &moment_standards),
            min_sample,
        )
        .await?;
    page(&UnitPage {
        audits: audits_view(&audit_results),
        standards: standard_rows(&evidence, &all_touchpoints, &chrome.tr),
        surveys,
        can_set_targets: ctx.user.role.leads(),
        kpis,
        siblings: sibling_rows,
        standing: standing.as_ref().map(|s| s.text(&chrome.tr)),
        touchpoints,
        trend_svg,
        trend: table_rows(&trend),
        comments,
        cases: open_cases,
        min_sample,
        response_rate,
        invited: (rate.delivered, rate.answered),
        slices,
        metric_name,
        chrome,
        metric,
        from: from.to_string(),
        to: to.to_string(),
        unit,
    })
}

#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    metric: String,
    /// Empty removes the unit's own target (it inherits again).
    #[serde(default)]
    target: String,
}

pub async fn set_target(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<TargetForm>,
) -> Result<Response, AppError> {
    if !f.ctx.user.role.leads() {
        return Err(AppError::Forbidden);
    }
    let metric = Metric::parse(&f.form.metric)?;
    let value =
        match f.form.target.trim() {
            "" => None,
            raw => Some(raw.replace(',', ".").parse::<f64>().map_err(|_| {
                InvalidInput::NotANumber {
                    field: Field::Metric,
                    value: raw.to_owned(),
                }
            })?),
        };
    state
        .store
        .set_metric_target(
            &f.ctx.scope,
            UnitId(id),
            metric,
            value,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done(
        &format!("/dashboard/units/{id}?metric={}", metric.code()),
        "saved",
    ))
}

//! What customers talk about: the themes of the comments at a place (a unit's subtree, a
//! touchpoint), each with its volume and how it reads, against the period before; a
//! theme's negative share week by week; and the emerging problems — themes that a
//! significantly larger share of comments faulted in the last four weeks than in the
//! twelve before, at a unit or over the whole place, with example comments. The page and `/api/v1/themes…` read the same.

use crate::improve::charts::{Point, line};
use crate::improve::reading::ThemeNames;
use crate::platform::auth::{Ctx, PageCtx};
use crate::platform::extract::Query;
use crate::platform::i18n::Tr;
use crate::platform::input::optional_id;
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::Scope;
use cumbre_domain::calendar::DayRange;
use cumbre_domain::improve::emerging::{Rules, Window, find};
use cumbre_domain::improve::period::{day_start, local_day, utc_bounds};
use cumbre_domain::improve::{Interval, stats};
use cumbre_domain::{Field, UnitId};
use cumbre_store::improve::themes::{ThemeCount, ThemeExample, ThemeScope};
use cumbre_store::org::Unit;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

/// The emerging-problem windows: the last 28 days against the 84 before them.
const RECENT_DAYS: i64 = 28;
const BASELINE_DAYS: i64 = 84;
/// Example comments shown with each emerging problem.
const EXAMPLES: i64 = 3;

#[derive(Deserialize, Default, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThemesQuery {
    /// A unit: its whole subtree (default: everything the caller sees).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub unit: String,
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub touchpoint: String,
    /// First local day (`YYYY-MM-DD`); default 89 days before `to`.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: String,
    /// Last local day (included); default today. The emerging problems end here.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: String,
    /// The theme whose weekly trend the page draws (default: the most mentioned).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(staff|waiting|cleanliness|room|food_drink|price_value|checkin_checkout|communication|noise|facilities|booking|location)?$")]
    pub theme: String,
}

/// A request read: where, the local days, and their instants.
pub(crate) struct Checked {
    unit: Option<Unit>,
    touchpoint: Option<i64>,
    from: Date,
    to: Date,
    zone: jiff::tz::TimeZone,
    theme: Option<String>,
}

pub(crate) async fn check(
    state: &AppState,
    ctx: &Ctx,
    q: &ThemesQuery,
) -> Result<Checked, AppError> {
    if let Scope::Own { .. } = ctx.scope {
        return Err(AppError::NotFound);
    }
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let today = local_day(&clock.zone, state.clock.now());
    let range = DayRange::parse(&q.from, &q.to, |f, t| {
        let to = t.unwrap_or(today);
        (
            f.unwrap_or_else(|| to.checked_sub(89.days()).unwrap_or(to)),
            to,
        )
    })?;
    let unit = match optional_id(&q.unit, Field::Unit)? {
        Some(id) => Some(state.store.get_unit(&ctx.scope, UnitId(id)).await?),
        None => None,
    };
    let theme = match q.theme.trim() {
        "" => None,
        t => Some(crate::listen::filters::theme_key(t)?),
    };
    if let Some(t) = &theme {
        state.store.check_theme(ctx.user.tenant, t).await?;
    }
    Ok(Checked {
        unit,
        touchpoint: optional_id(&q.touchpoint, Field::Touchpoint)?,
        from: range.from(),
        to: range.to(),
        zone: clock.zone,
        theme,
    })
}

impl Checked {
    fn place<'a>(&'a self, scope: &'a Scope) -> ThemeScope<'a> {
        ThemeScope {
            scope,
            place: self.unit.as_ref().map(|u| &u.path),
            touchpoint: self.touchpoint,
        }
    }
}

/// The local day `days` before `from`.
fn days_back(from: Date, days: i64) -> Date {
    from.checked_sub(days.days()).unwrap_or(from)
}

/// A theme's figures in the range and the period of the same length before it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThemeFigures {
    #[serde(flatten)]
    pub now: ThemeCount,
    /// Negative mentions out of all, 0–100, in the range and before it (absent with no
    /// mention).
    pub negative_share: Option<f64>,
    pub negative_share_before: Option<f64>,
    pub mentions_before: i64,
}

/// The themes at a place.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThemesReport {
    /// First and last local day of the range, and of the period before it.
    pub from: String,
    pub to: String,
    pub before_from: String,
    pub before_to: String,
    pub themes: Vec<ThemeFigures>,
}

fn share(w: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| (w as f64 * 1000.0 / n as f64).round() / 10.0)
}

pub(crate) async fn report(
    state: &AppState,
    ctx: &Ctx,
    c: &Checked,
) -> Result<ThemesReport, AppError> {
    let place = c.place(&ctx.scope);
    let days = (c.to - c.from).get_days() as i64;
    let before_to = days_back(c.from, 1);
    let before_from = days_back(before_to, days);
    let now = state
        .store
        .theme_counts(&place, utc_bounds(&c.zone, c.from, c.to))
        .await?;
    let before = state
        .store
        .theme_counts(&place, utc_bounds(&c.zone, before_from, before_to))
        .await?;
    let themes = now
        .into_iter()
        .map(|t| {
            let prior = before.iter().find(|b| b.theme == t.theme);
            ThemeFigures {
                negative_share: share(t.negative, t.mentions),
                negative_share_before: prior.and_then(|b| share(b.negative, b.mentions)),
                mentions_before: prior.map_or(0, |b| b.mentions),
                now: t,
            }
        })
        .collect();
    Ok(ThemesReport {
        from: c.from.to_string(),
        to: c.to.to_string(),
        before_from: before_from.to_string(),
        before_to: before_to.to_string(),
        themes,
    })
}

/// A theme whose negative share rose significantly.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmergingProblem {
    pub theme: String,
    /// Where: a unit, or absent for everything the request covers.
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    /// Comments, and comments negative about the theme, in the last 28 days and in the 84
    /// before them.
    pub recent_comments: i64,
    pub recent_negative: i64,
    pub baseline_comments: i64,
    pub baseline_negative: i64,
    /// The share of comments negative about the theme, 0–100.
    pub recent_share: f64,
    pub baseline_share: f64,
    /// The chance of such a rise by chance alone, for this one series.
    pub p_value: f64,
    /// The newest negative comments about it there.
    pub examples: Vec<ThemeExample>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmergingReport {
    /// The recent window's first and last local day, and the baseline's.
    pub recent_from: String,
    pub recent_to: String,
    pub baseline_from: String,
    pub baseline_to: String,
    /// Strongest first; empty when nothing rose beyond chance.
    pub problems: Vec<EmergingProblem>,
}

/// Where a series is: a unit, or the whole place.
type Key = (String, Option<(i64, String)>);

pub(crate) async fn emerging(
    state: &AppState,
    ctx: &Ctx,
    c: &Checked,
) -> Result<EmergingReport, AppError> {
    let place = c.place(&ctx.scope);
    let recent_from = days_back(c.to, RECENT_DAYS - 1);
    let baseline_from = days_back(recent_from, BASELINE_DAYS);
    let (baseline_start, recent_start) = (
        day_start(&c.zone, baseline_from),
        day_start(&c.zone, recent_from),
    );
    let (_, end) = utc_bounds(&c.zone, c.to, c.to);
    let rows = state
        .store
        .theme_series(&place, (baseline_start, recent_start, end))
        .await?;
    // Each unit's series, and each theme's over the whole place: there, of every unit's
    // comments, those negative about the theme.
    let mut comments: std::collections::BTreeMap<i64, (Window, Window)> = Default::default();
    let mut whole: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    let mut series: Vec<(Key, Window, Window)> = Vec::new();
    for r in rows {
        comments.insert(r.unit_id, (r.recent, r.baseline));
        if r.theme.is_empty() {
            continue;
        }
        let w = whole.entry(r.theme.clone()).or_default();
        w.0 += r.recent.negative;
        w.1 += r.baseline.negative;
        series.push((
            (r.theme, Some((r.unit_id, r.unit_name))),
            r.recent,
            r.baseline,
        ));
    }
    // With one unit the whole place is that unit: one series, not two.
    if comments.len() > 1 {
        let (n_recent, n_baseline) = comments
            .values()
            .fold((0, 0), |(a, b), (r, bl)| (a + r.n, b + bl.n));
        for (theme, (recent, baseline)) in whole {
            series.push((
                (theme, None),
                Window {
                    n: n_recent,
                    negative: recent,
                },
                Window {
                    n: n_baseline,
                    negative: baseline,
                },
            ));
        }
    }
    let mut problems = Vec::new();
    for f in find(&series, Rules::default()) {
        let (theme, unit) = f.key;
        let examples = {
            let unit_path;
            let at = match &unit {
                Some((id, _)) => {
                    unit_path = state.store.get_unit(&ctx.scope, UnitId(*id)).await?.path;
                    ThemeScope {
                        place: Some(&unit_path),
                        ..place.clone()
                    }
                }
                None => place.clone(),
            };
            state
                .store
                .theme_examples(&at, &theme, Some(-1), (recent_start, end), EXAMPLES)
                .await?
        };
        problems.push(EmergingProblem {
            recent_share: f.recent.share() * 100.0,
            baseline_share: f.baseline.share() * 100.0,
            recent_comments: f.recent.n,
            recent_negative: f.recent.negative,
            baseline_comments: f.baseline.n,
            baseline_negative: f.baseline.negative,
            p_value: f.p_value,
            unit_id: unit.as_ref().map(|(id, _)| *id),
            unit_name: unit.map(|(_, name)| name),
            theme,
            examples,
        });
    }
    Ok(EmergingReport {
        recent_from: recent_from.to_string(),
        recent_to: c.to.to_string(),
        baseline_from: baseline_from.to_string(),
        baseline_to: days_back(recent_from, 1).to_string(),
        problems,
    })
}

/// One theme's row on the page.
pub struct ThemeRow {
    pub key: String,
    pub name: String,
    pub mentions: String,
    /// (share text, width for the bar) per sentiment, positive first.
    pub split: [(String, f64); 3],
    pub negative_before: String,
    /// "+12 pts", "−3 pts", or empty.
    pub change: String,
    pub worse: bool,
    pub responses_href: String,
    pub trend_href: String,
}

pub struct ProblemView {
    pub title: String,
    pub detail: String,
    pub examples: Vec<(String, String, String)>,
    pub href: String,
}

/// Themes by unit: the place's units (its children, or itself when it has none) as rows,
/// its most mentioned themes as columns.
pub struct Matrix {
    /// (key, name) of the columns.
    pub themes: Vec<(String, String)>,
    /// (unit name, link, cells).
    pub rows: Vec<(String, String, Vec<Cell>)>,
}

/// One cell of the matrix: mentions, negative share as text, heat class.
pub type Cell = (String, String, &'static str);

/// Most themes the matrix shows as columns.
const MATRIX_THEMES: usize = 6;

async fn matrix(
    state: &AppState,
    ctx: &Ctx,
    c: &Checked,
    report: &ThemesReport,
    (tr, names): (&Tr, &ThemeNames),
) -> Result<Matrix, AppError> {
    let place = c.place(&ctx.scope);
    let cells = state
        .store
        .themes_by_unit(&place, utc_bounds(&c.zone, c.from, c.to))
        .await?;
    let units = state.store.list_units(&ctx.scope).await?;
    // The rows: the place's children (each with its subtree), else the place itself.
    let top = c
        .unit
        .as_ref()
        .map(|u| u.id)
        .or_else(|| units.iter().min_by_key(|u| u.depth).map(|u| u.id));
    let mut rows_of: Vec<&Unit> = units
        .iter()
        .filter(|u| top.is_some() && u.parent_id == top)
        .collect();
    if rows_of.is_empty() {
        rows_of = units.iter().filter(|u| Some(u.id) == top).collect();
    }
    let themes: Vec<String> = report
        .themes
        .iter()
        .take(MATRIX_THEMES)
        .map(|t| t.now.theme.clone())
        .collect();
    let mut rows = Vec::new();
    for row in rows_of {
        let within: std::collections::HashSet<i64> = units
            .iter()
            .filter(|u| u.path.is_within(&row.path))
            .map(|u| u.id.0)
            .collect();
        let mut out = Vec::new();
        let mut any = false;
        for theme in &themes {
            let w = cells
                .iter()
                .filter(|(u, t, _)| t == theme && within.contains(u))
                .fold(Window::default(), |a, (_, _, w)| Window {
                    n: a.n + w.n,
                    negative: a.negative + w.negative,
                });
            any |= w.n > 0;
            let (text, heat) = match share(w.negative, w.n) {
                Some(s) if s >= 60.0 => (pct(s), "heat-bad"),
                Some(s) if s >= 30.0 => (pct(s), "heat-mid"),
                Some(s) => (pct(s), "heat-good"),
                None => ("—".to_owned(), ""),
            };
            out.push((tr.int(w.n), text, heat));
        }
        if any {
            rows.push((
                row.name.clone(),
                format!(
                    "/dashboard/themes?unit={}&from={}&to={}",
                    row.id, c.from, c.to
                ),
                out,
            ));
        }
    }
    Ok(Matrix {
        themes: themes.iter().map(|t| (t.clone(), names.name(t))).collect(),
        rows,
    })
}

#[derive(Template)]
#[template(path = "improve/themes.html")]
struct ThemesPage {
    matrix: Matrix,
    chrome: Chrome,
    q: ThemesQuery,
    units: Vec<Unit>,
    touchpoints: Vec<(i64, String)>,
    range: String,
    rows: Vec<ThemeRow>,
    trend_name: String,
    trend_svg: String,
    trend_table: Vec<(String, String, String)>,
    emerging_window: String,
    problems: Vec<ProblemView>,
}

/// A share as people read it: "62 %".
fn pct(v: f64) -> String {
    format!("{v:.0} %")
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ThemesQuery>,
) -> Result<Response, AppError> {
    let c = check(&state, &ctx, &q).await?;
    let tr = Tr::new(ctx.lang);
    let names = ThemeNames::load(&state, ctx.user.tenant, &tr).await?;
    let r = report(&state, &ctx, &c).await?;
    let e = emerging(&state, &ctx, &c).await?;
    let matrix = matrix(&state, &ctx, &c, &r, (&tr, &names)).await?;
    let min_sample = state.store.min_sample(ctx.user.tenant).await?;
    let base = |theme: &str, extra: &str| {
        let mut pairs = vec![
            ("unit", q.unit.as_str()),
            ("touchpoint", q.touchpoint.as_str()),
        ];
        pairs.push(("from", q.from.as_str()));
        pairs.push(("to", q.to.as_str()));
        pairs.push(("theme", theme));
        let mut s = serde_urlencoded::to_string(pairs).unwrap_or_default();
        s.push_str(extra);
        s
    };
    let rows: Vec<ThemeRow> = r
        .themes
        .iter()
        .map(|t| {
            let n = t.now.mentions.max(1) as f64;
            let part = |k: i64| (k as f64 * 100.0 / n, k);
            let [p, u, g] = [
                part(t.now.positive),
                part(t.now.neutral),
                part(t.now.negative),
            ];
            let change = match (t.negative_share, t.negative_share_before) {
                (Some(a), Some(b)) if t.mentions_before > 0 => {
                    let d = (a - b).round();
                    format!(
                        "{}{} pts",
                        if d > 0.0 {
                            "+"
                        } else if d < 0.0 {
                            "−"
                        } else {
                            "±"
                        },
                        d.abs()
                    )
                }
                _ => String::new(),
            };
            ThemeRow {
                name: names.name(&t.now.theme),
                mentions: tr.int(t.now.mentions),
                split: [(pct(p.0), p.0), (pct(u.0), u.0), (pct(g.0), g.0)],
                negative_before: t.negative_share_before.map_or_else(|| "—".into(), pct),
                worse: t
                    .negative_share
                    .zip(t.negative_share_before)
                    .is_some_and(|(a, b)| a - b >= 5.0),
                change,
                responses_href: format!(
                    "/responses?{}",
                    serde_urlencoded::to_string([
                        ("unit", q.unit.as_str()),
                        ("touchpoint", q.touchpoint.as_str()),
                        ("from", r.from.as_str()),
                        ("to", r.to.as_str()),
                        ("theme", t.now.theme.as_str()),
                    ])
                    .unwrap_or_default()
                ),
                trend_href: format!("/dashboard/themes?{}#trend", base(&t.now.theme, "")),
                key: t.now.theme.clone(),
            }
        })
        .collect();
    // The weekly trend of one theme's negative share.
    let trend_theme = c
        .theme
        .clone()
        .or_else(|| r.themes.first().map(|t| t.now.theme.clone()));
    let (mut trend_svg, mut trend_table, mut trend_name) =
        (String::new(), Vec::new(), String::new());
    if let Some(theme) = &trend_theme {
        let weeks = Interval::Week.periods(c.from, c.to);
        let mut edges: Vec<time::OffsetDateTime> =
            weeks.iter().map(|p| day_start(&c.zone, p.start)).collect();
        if let Some(last) = weeks.last() {
            edges.push(utc_bounds(&c.zone, last.last, last.last).1);
        }
        let place = c.place(&ctx.scope);
        let trend = state.store.theme_trend(&place, &edges).await?;
        let mut points = Vec::new();
        for (i, week) in weeks.iter().enumerate() {
            let w = trend
                .iter()
                .find(|(t, b, _)| t == theme && *b == i)
                .map(|(_, _, w)| *w)
                .unwrap_or_default();
            let e = stats::share(w.negative, w.n, min_sample);
            let label = week.label_start.to_string();
            points.push(Point {
                label: label.clone(),
                value: e.value,
                ci: e.ci_low.zip(e.ci_high),
                sufficient: e.sufficient,
            });
            trend_table.push((label, tr.int(w.n), e.value.map_or_else(|| "—".into(), pct)));
        }
        trend_name = names.name(theme);
        trend_svg = line(
            &points,
            (0.0, 100.0),
            None,
            &tr.f("themes.trend_title", &trend_name),
        );
    }
    let problems = e
        .problems
        .iter()
        .map(|p| {
            let name = names.name(&p.theme);
            let place = p
                .unit_name
                .clone()
                .unwrap_or_else(|| tr.t("themes.everywhere").to_owned());
            ProblemView {
                title: format!("{name} · {place}"),
                detail: tr
                    .t("themes.rose")
                    .replacen("{}", &pct(p.recent_share), 1)
                    .replacen("{}", &tr.int(p.recent_comments), 1)
                    .replacen("{}", &pct(p.baseline_share), 1)
                    .replacen("{}", &tr.int(p.baseline_comments), 1),
                examples: p
                    .examples
                    .iter()
                    .map(|x| {
                        let text: String = x.text.chars().take(200).collect();
                        (
                            format!("/responses/{}", x.response_id),
                            text,
                            x.unit_name.clone(),
                        )
                    })
                    .collect(),
                href: format!(
                    "/responses?{}",
                    serde_urlencoded::to_string([
                        (
                            "unit",
                            p.unit_id
                                .map(|u| u.to_string())
                                .unwrap_or_else(|| q.unit.clone())
                                .as_str()
                        ),
                        ("from", e.recent_from.as_str()),
                        ("to", e.recent_to.as_str()),
                        ("theme", p.theme.as_str()),
                        ("sentiment", "negative"),
                    ])
                    .unwrap_or_default()
                ),
            }
        })
        .collect();
    let touchpoints = state
        .store
        .list_touchpoints(ctx.user.tenant)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name.get(ctx.lang).to_owned()))
        .collect();
    page(&ThemesPage {
        matrix,
        chrome: Chrome::for_user(&ctx, "overview"),
        units: state.store.list_units(&ctx.scope).await?,
        touchpoints,
        range: tr
            .t("themes.range")
            .replacen("{}", &r.from, 1)
            .replacen("{}", &r.to, 1)
            .replacen("{}", &r.before_from, 1)
            .replacen("{}", &r.before_to, 1),
        emerging_window: tr
            .t("themes.window")
            .replacen("{}", &e.recent_from, 1)
            .replacen("{}", &e.recent_to, 1)
            .replacen("{}", &e.baseline_from, 1)
            .replacen("{}", &e.baseline_to, 1),
        rows,
        trend_name,
        trend_svg,
        trend_table,
        problems,
        q,
    })
}

//! Improve's dashboards: the executive overview (the moments-of-truth map), the unit page,
//! and what they share: how a figure is shown (greyed when the sample is too small, never
//! as a fact), its colour against the target, and its change.

pub mod api;
pub mod charts;
pub mod filters;
pub mod overview;
pub mod person;
pub mod reading;
pub mod taxonomy;
pub mod themes;
pub mod touchpoint;
pub mod unit;

use crate::improve::charts::{Point, trim};
use crate::platform::page::Chrome;
use cumbre_domain::improve::targets::{Status, Target, status};
use cumbre_domain::improve::{Change, Estimate, Interval, Metric, Period, Tally, compare};

/// One figure as a page shows it.
#[derive(Clone)]
pub struct Figure {
    /// The value, or "—" with no answers.
    pub text: String,
    pub n: i64,
    /// "95 %: 12–34", or empty.
    pub ci: String,
    /// `on`, `off`, `neutral` (no target), `thin` (insufficient) or `empty`.
    pub class: &'static str,
    /// Colour class for map cells (by value against target, or on the metric's scale).
    pub heat: String,
    pub sufficient: bool,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub status: Status,
}

pub fn figure(metric: Metric, t: &Tally, min_sample: i64, target: Option<Target>) -> Figure {
    let e = metric.estimate(t, min_sample);
    let st = status(metric, &e, target);
    let class = match (e.value, e.sufficient, st) {
        (None, _, _) => "empty",
        (_, false, _) => "thin",
        (_, true, Status::OnTrack) => "on",
        (_, true, Status::OffTrack) => "off",
        (_, true, Status::Unknown) => "neutral",
    };
    Figure {
        text: e.value.map_or("—".to_owned(), |v| format_value(metric, v)),
        n: e.n,
        ci: interval_text(e.ci_low.zip(e.ci_high)),
        class,
        heat: colour(metric, &e, target),
        sufficient: e.sufficient,
        value: e.value,
        target: target.map(|t| t.value),
        status: st,
    }
}

/// "12–34" for a 95 % interval, empty without one.
pub fn interval_text(ci: Option<(f64, f64)>) -> String {
    ci.map_or(String::new(), |(a, b)| format!("{}–{}", trim(a), trim(b)))
}

/// A rate that is not a customer metric (the invitations' response rate): no target, no
/// heat, greyed below the minimum sample like every other figure.
pub fn rate_figure(e: &Estimate) -> Figure {
    Figure {
        text: e.value.map_or("—".to_owned(), |v| format!("{v:.0} %")),
        n: e.n,
        ci: interval_text(e.ci_low.zip(e.ci_high)),
        class: match (e.value, e.sufficient) {
            (None, _) => "empty",
            (_, false) => "thin",
            (_, true) => "neutral",
        },
        heat: String::new(),
        sufficient: e.sufficient,
        value: e.value,
        target: None,
        status: Status::Unknown,
    }
}

/// A subtree's figure per channel and per language (named in the reader's language), and
/// the months they cover.
pub struct Slices {
    pub channels: Vec<(String, Figure)>,
    pub languages: Vec<(String, Figure)>,
    pub months: String,
}

pub async fn slices(
    state: &crate::AppState,
    scope: &cumbre_domain::access::Scope,
    chrome: &Chrome,
    unit: &cumbre_store::org::Unit,
    (from, to): (jiff::civil::Date, jiff::civil::Date),
    shown: impl Fn(&Tally) -> Figure,
) -> Result<Slices, crate::AppError> {
    use cumbre_store::improve::Slice;
    let (channels, languages) = tokio::try_join!(
        state
            .store
            .metric_slices(scope, unit, Slice::Channel, from, to),
        state
            .store
            .metric_slices(scope, unit, Slice::Language, from, to),
    )?;
    let rows = |s: &cumbre_store::improve::SliceTallies, prefix: &str| {
        s.items
            .iter()
            .map(|(code, t)| (chrome.tr.name_of(prefix, code), shown(t)))
            .collect()
    };
    Ok(Slices {
        channels: rows(&channels, "channel"),
        languages: rows(&languages, "language"),
        months: format!(
            "{} – {}",
            channels.from.strftime("%Y-%m"),
            channels.to.strftime("%Y-%m")
        ),
    })
}

/// The survey filter of a dashboard: the surveys the scope sees as (id, name, chosen), and
/// the query parameter that keeps the choice in links (empty for all surveys).
pub struct SurveyFilter {
    pub options: Vec<(i64, String, bool)>,
    pub param: String,
}

pub async fn survey_filter(
    state: &crate::AppState,
    scope: &cumbre_domain::access::Scope,
    chosen: Option<i64>,
) -> Result<SurveyFilter, crate::AppError> {
    let options = state
        .store
        .list_surveys(scope)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name, Some(s.id) == chosen))
        .collect();
    Ok(SurveyFilter {
        options,
        param: chosen.map_or(String::new(), |s| format!("&survey={s}")),
    })
}

pub fn format_value(metric: Metric, v: f64) -> String {
    match metric {
        Metric::Nps => format!("{v:.0}"),
        Metric::Csat => format!("{v:.0} %"),
        Metric::Ces => format!("{v:.1}"),
    }
}

/// A cell's colour class, `heat0` (far worse) … `heat8` (far better): by how far above or
/// below target the value is, or on the metric's scale without a target; none when the
/// sample is insufficient. Classes, not inline styles: the CSP allows only our stylesheet.
fn colour(metric: Metric, e: &Estimate, target: Option<Target>) -> String {
    let Some(v) = e.value.filter(|_| e.sufficient) else {
        return String::new();
    };
    let (lo, hi) = metric.bounds();
    let span = hi - lo;
    // −1 (far worse) … +1 (far better).
    let mut score = match target {
        Some(t) => ((v - t.value) / (span / 8.0)).clamp(-1.0, 1.0),
        None => ((v - lo) / span * 2.0 - 1.0).clamp(-1.0, 1.0),
    };
    if !metric.higher_is_better() {
        score = -score;
    }
    format!("heat{}", ((score + 1.0) * 4.0).round() as i64)
}

/// "▲ 4.2" / "▼ 3", with whether it is significant; empty without both values.
#[derive(Clone)]
pub struct Delta {
    pub text: String,
    /// The signed change in the metric's points, for exports (the text carries arrows).
    pub value: f64,
    pub significant: bool,
    /// `up` or `down` in the better/worse sense, for colour.
    pub class: &'static str,
}

pub fn delta(metric: Metric, now: &Estimate, before: &Estimate) -> Option<Delta> {
    let Change { delta, significant } = compare(now, before)?;
    let better = if metric.higher_is_better() {
        delta > 0.0
    } else {
        delta < 0.0
    };
    let shown = trim(delta.abs());
    let flat = shown == "0";
    Some(Delta {
        value: delta,
        text: if flat {
            "= 0".to_owned()
        } else {
            format!("{} {shown}", if delta > 0.0 { "▲" } else { "▼" })
        },
        significant,
        class: if flat {
            "flat"
        } else if better {
            "better"
        } else {
            "worse"
        },
    })
}

/// The interval a trend over `from..=to` is drawn in: days for a month, weeks for half a
/// year, months beyond.
pub fn trend_interval(from: jiff::civil::Date, to: jiff::civil::Date) -> Interval {
    let days = (to - from).get_days();
    if days <= 45 {
        Interval::Day
    } else if days <= 200 {
        Interval::Week
    } else {
        Interval::Month
    }
}

/// A series as chart points and table rows.
pub fn points(metric: Metric, series: &[(Period, Tally)], min_sample: i64) -> Vec<(Point, i64)> {
    series
        .iter()
        .map(|(p, t)| {
            let e = metric.estimate(t, min_sample);
            (
                Point {
                    label: p.label_start.to_string(),
                    value: e.value,
                    ci: e.ci_low.zip(e.ci_high),
                    sufficient: e.sufficient,
                },
                e.n,
            )
        })
        .collect()
}

/// The catalogue key naming a metric.
pub fn metric_key(metric: Metric) -> &'static str {
    match metric {
        Metric::Nps => "metric.nps",
        Metric::Csat => "metric.csat",
        Metric::Ces => "metric.ces",
    }
}

/// Links to the usual ranges: whole months (read from month roll-ups), and the last 30
/// days up to today.
pub fn presets(chrome: &Chrome, today: jiff::civil::Date) -> Vec<(String, String, String)> {
    use crate::improve::filters::last_full_months;
    use jiff::ToSpan;
    let mut out: Vec<(String, String, String)> = [
        (1, "range.last_month"),
        (3, "range.3_months"),
        (12, "range.12_months"),
    ]
    .into_iter()
    .map(|(months, key)| {
        let (from, to) = last_full_months(today, months);
        (
            chrome.tr.t(key).to_owned(),
            from.to_string(),
            to.to_string(),
        )
    })
    .collect();
    let from = today.checked_sub(29.days()).unwrap_or(today);
    out.push((
        chrome.tr.t("range.30").to_owned(),
        from.to_string(),
        today.to_string(),
    ));
    out
}

/// A series' data table: (period, value, n, 95 % interval, sufficient).
pub fn table_rows(points: &[(Point, i64)]) -> Vec<(String, String, i64, String, bool)> {
    points
        .iter()
        .map(|(p, n)| {
            (
                p.label.clone(),
                p.value.map_or("—".to_owned(), trim),
                *n,
                interval_text(p.ci),
                p.sufficient,
            )
        })
        .collect()
}

/// The trend chart of `trend` (as [`points`] gives it), with the target line.
pub fn trend_chart(
    metric: Metric,
    trend: &[(Point, i64)],
    target: Option<f64>,
    title: &str,
) -> String {
    let points: Vec<Point> = trend
        .iter()
        .map(|(p, _)| Point {
            label: p.label.clone(),
            value: p.value,
            ci: p.ci,
            sufficient: p.sufficient,
        })
        .collect();
    crate::improve::charts::line(&points, metric.bounds(), target, title)
}

/// What guests wrote (their text answers longer than a word), with when, newest first.
pub async fn verbatims(
    state: &crate::AppState,
    tenant: cumbre_domain::TenantId,
    items: &[cumbre_store::listen::StoredResponse],
    clock: &cumbre_domain::recover::TenantClock,
) -> Result<Vec<(String, String)>, crate::AppError> {
    let definitions = crate::listen::responses::definitions(state, tenant, items).await?;
    Ok(items
        .iter()
        .filter_map(|r| {
            let text = definitions.get(&r.survey_version_id)?.comments(&r.answers);
            (!text.is_empty()).then(|| (clock.local(r.submitted_at), text.join(" · ")))
        })
        .collect())
}

/// A dashboard page's tables as one CSV (`?format=csv`): a `table` column says which.
pub struct CsvOut(crate::platform::export::CsvWriter);

impl Default for CsvOut {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvOut {
    pub fn new() -> Self {
        let mut w = crate::platform::export::CsvWriter::new();
        let _ = w.write_record([
            "table",
            "label",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "sufficient",
            "target",
        ]);
        Self(w)
    }

    /// Rows of [`Slices`].
    pub fn slices(&mut self, s: &Slices) {
        for (name, f) in &s.channels {
            self.figure("channels", name, f);
        }
        for (name, f) in &s.languages {
            self.figure("languages", name, f);
        }
    }

    pub fn figure(&mut self, table: &str, label: &str, f: &Figure) {
        let (lo, hi) = f.ci.split_once('–').unwrap_or(("", ""));
        let _ = self.0.write_record([
            table.to_owned(),
            label.to_owned(),
            f.value.map(|v| format!("{v:.2}")).unwrap_or_default(),
            f.n.to_string(),
            lo.to_owned(),
            hi.to_owned(),
            f.sufficient.to_string(),
            f.target.map(|t| t.to_string()).unwrap_or_default(),
        ]);
    }

    /// Where a unit stands among its peers: its rank among `of`, then the quartiles.
    pub fn standing(&mut self, rank: Option<usize>, of: usize, quartiles: [f64; 3]) {
        let rank = rank.map(|r| r.to_string()).unwrap_or_default();
        let of = of.to_string();
        let _ = self
            .0
            .write_record(["standing", "rank", &rank, &of, "", "", "", ""]);
        for (label, v) in ["q1", "median", "q3"].iter().zip(quartiles) {
            let v = format!("{v:.2}");
            let _ = self
                .0
                .write_record(["standing", label, &v, &of, "", "", "", ""]);
        }
    }

    /// Rows of [`table_rows`].
    pub fn trend(&mut self, table: &str, rows: &[(String, String, i64, String, bool)]) {
        for (label, value, n, ci, sufficient) in rows {
            let (lo, hi) = ci.split_once('–').unwrap_or(("", ""));
            let _ = self.0.write_record([
                table,
                label,
                if value == "—" { "" } else { value },
                &n.to_string(),
                lo,
                hi,
                &sufficient.to_string(),
                "",
            ]);
        }
    }

    pub fn finish(self, filename: &str) -> Result<axum::response::Response, crate::AppError> {
        use axum::response::IntoResponse;
        let body = self.0.into_inner().map_err(crate::AppError::internal)?;
        Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/csv; charset=utf-8".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            body,
        )
            .into_response())
    }
}

/// The target of a moment of truth at the last unit of `chain` (top unit first): a target
/// standard of that touchpoint and metric set on the unit or the nearest unit above it;
/// `None` when there is none (the unit's overall target then applies). One place defines a
/// moment's goal: the standard, which the journey, the unit page and this colouring share.
pub fn moment_target(
    standards: &[cumbre_store::decide::Standard],
    touchpoint: i64,
    chain: &[cumbre_domain::UnitId],
    metric: Metric,
) -> Option<cumbre_domain::improve::targets::Target> {
    use cumbre_domain::decide::standard::Check;
    chain.iter().rev().find_map(|u| {
        standards.iter().find_map(|s| match s.definition.check {
            Check::Target(t)
                if s.touchpoint_id == touchpoint && s.unit_id == *u && t.metric == metric =>
            {
                Some(cumbre_domain::improve::targets::Target {
                    value: t.value(),
                    set_at: *u,
                })
            }
            _ => None,
        })
    })
}

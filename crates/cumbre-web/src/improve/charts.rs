//! Charts as SVG written in Rust: no script, readable without colour (values are also in
//! the data table every chart comes with), scaled by the browser.

use std::fmt::Write;

/// One point of a series.
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub ci: Option<(f64, f64)>,
    pub sufficient: bool,
}

/// Escapes text for SVG/HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const W: f64 = 640.0;
const H: f64 = 200.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;

/// The axis a series is drawn on: its values, bands and target with some room, rounded to
/// a step people read (1, 2, 5 × 10ⁿ), within the metric's `limits`. A movement of four NPS
/// points then shows, where the whole −100…100 scale drew it flat.
pub fn fitted(points: &[Point], target: Option<f64>, limits: (f64, f64)) -> (f64, f64, f64) {
    let seen = points
        .iter()
        .flat_map(|p| {
            p.value
                .into_iter()
                .chain(p.ci.into_iter().flat_map(|(a, b)| [a, b]))
        })
        .chain(target)
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = seen.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() {
        (lo, hi) = limits;
    }
    let full = limits.1 - limits.0;
    // At least a tenth of the scale, so sampling noise does not fill the chart.
    let span = (hi - lo).max(full / 10.0);
    let mid = (lo + hi) / 2.0;
    let raw_step = span * 1.2 / 4.0;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw_step)
        .unwrap_or(raw_step);
    let mut lo = ((mid - span * 0.6) / step).floor() * step;
    let mut hi = ((mid + span * 0.6) / step).ceil() * step;
    lo = lo.max(limits.0);
    hi = hi.min(limits.1);
    if hi <= lo {
        return (limits.0, limits.1, full / 4.0);
    }
    (lo, hi, step)
}

/// A line chart of `points` on an axis fitted to them within `limits`, with its 95 % band,
/// a dashed target line and hollow markers where the sample is insufficient; the x axis
/// names up to seven periods. `title` names it for screen readers.
pub fn line(points: &[Point], limits: (f64, f64), target: Option<f64>, title: &str) -> String {
    let (lo, hi, step) = fitted(points, target, limits);
    let n = points.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            LEFT + (W - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (W - LEFT - RIGHT) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - ((v - lo) / (hi - lo)).clamp(0.0, 1.0));
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}" >"#,
        escape(title)
    );
    let ticks: Vec<f64> = (0..)
        .map(|i| lo + step * f64::from(i))
        .take_while(|v| *v <= hi + step / 1000.0)
        .take(12)
        .collect();
    for v in ticks {
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="axis end" x="{}" y="{:.1}">{}</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            y(v) + 4.0,
            trim(v),
            y = y(v)
        );
    }
    // The 95 % band, one polygon per run of measured points.
    for run in runs(points) {
        let mut upper = Vec::new();
        let mut lower = Vec::new();
        for &i in &run {
            if let Some((a, b)) = points[i].ci {
                upper.push(format!("{:.1},{:.1}", x(i), y(b)));
                lower.push(format!("{:.1},{:.1}", x(i), y(a)));
            }
        }
        lower.reverse();
        if upper.len() > 1 {
            let _ = write!(
                svg,
                r#"<polygon class="band" points="{} {}"/>"#,
                upper.join(" "),
                lower.join(" ")
            );
        }
        let line: Vec<String> = run
            .iter()
            .filter_map(|&i| points[i].value.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        if line.len() > 1 {
            let _ = write!(
                svg,
                r#"<polyline class="line" points="{}"/>"#,
                line.join(" ")
            );
        }
    }
    if let Some(t) = target {
        let _ = write!(
            svg,
            r#"<line class="target" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#,
            W - RIGHT,
            y = y(t)
        );
    }
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.value {
            let _ = write!(
                svg,
                r#"<circle class="{}" cx="{:.1}" cy="{:.1}" r="3"><title>{}: {}</title></circle>"#,
                if p.sufficient { "dot" } else { "dot thin" },
                x(i),
                y(v),
                escape(&p.label),
                trim(v)
            );
        }
    }
    // Up to seven period labels, evenly spread, the first and the last always.
    let count = points.len();
    let every = count.div_ceil(7).max(1);
    let mut labelled: Vec<usize> = (0..count).step_by(every).collect();
    if let Some(&last) = labelled.last()
        && last + 1 != count
    {
        if count - 1 - last < every.div_ceil(2) && labelled.len() > 1 {
            labelled.pop(); // Too close to the last one: it gives way.
        }
        labelled.push(count - 1);
    }
    for i in labelled {
        let anchor = match i {
            0 if count > 1 => "start",
            i if i + 1 == count && count > 1 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r#"<text class="axis {anchor}" x="{:.1}" y="{}">{}</text>"#,
            x(i),
            H - 6.0,
            escape(&points[i].label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Runs of consecutive points that have a value.
fn runs(points: &[Point]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current = Vec::new();
    for (i, p) in points.iter().enumerate() {
        if p.value.is_some() {
            current.push(i);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `12.0` → `12`, `3.456` → `3.5`.
pub fn trim(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_breaks_the_line_and_text_is_escaped() {
        let p = |v: Option<f64>| Point {
            label: "<q1>".into(),
            value: v,
            ci: v.map(|v| (v - 5.0, v + 5.0)),
            sufficient: true,
        };
        let svg = line(
            &[
                p(Some(10.0)),
                p(Some(20.0)),
                p(None),
                p(Some(30.0)),
                p(Some(35.0)),
            ],
            (-100.0, 100.0),
            Some(25.0),
            "NPS & more",
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(svg.contains("aria-label=\"NPS &amp; more\""));
        assert!(svg.contains("&lt;q1&gt;") && !svg.contains("<q1>"));
        assert!(svg.contains("class=\"target\""));
    }

    #[test]
    fn the_axis_fits_the_data_within_the_scale() {
        let p = |v: f64| Point {
            label: String::new(),
            value: Some(v),
            ci: None,
            sufficient: true,
        };
        // NPS 40 → 44: an axis of tens of points, not −100…100.
        let (lo, hi, _) = fitted(&[p(40.0), p(42.0), p(44.0)], None, (-100.0, 100.0));
        assert!(
            lo >= 20.0 && hi <= 70.0 && lo < 40.0 && hi > 44.0,
            "{lo}…{hi}"
        );
        // Never past the scale's ends.
        let (lo, hi, _) = fitted(&[p(99.0), p(100.0)], None, (-100.0, 100.0));
        assert!(hi <= 100.0 && lo < 99.0, "{lo}…{hi}");
        // Nothing measured: the whole scale.
        let empty = Point {
            label: String::new(),
            value: None,
            ci: None,
            sufficient: false,
        };
        assert_eq!(fitted(&[empty], None, (1.0, 5.0)).0, 1.0);
    }
}

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

/// A line chart of `points` on the scale `bounds`, with its 95 % band, a dashed target line
/// and hollow markers where the sample is insufficient. `title` names it for screen readers.
pub fn line(points: &[Point], bounds: (f64, f64), target: Option<f64>, title: &str) -> String {
    let (lo, hi) = bounds;
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
    for v in [lo, (lo + hi) / 2.0, hi] {
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
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(
            svg,
            r#"<text class="axis start" x="{LEFT}" y="{}">{}</text><text class="axis end" x="{}" y="{}">{}</text>"#,
            H - 6.0,
            escape(&first.label),
            W - RIGHT,
            H - 6.0,
            escape(&last.label)
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
}

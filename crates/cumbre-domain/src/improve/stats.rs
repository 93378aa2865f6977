//! Metric values with 95 % confidence intervals.
//!
//! - NPS = % promoters − % detractors, with the trinomial (Wald) variance
//!   `(p + d − (p − d)²) / n`.
//! - CSAT = % of 4–5 answers, and any other share (response rate, recovery rate), with the
//!   Wilson score interval, which stays inside 0–100 and behaves at small n.
//! - CES = the mean (1–7), with the normal interval `mean ± 1.96 s/√n`; with one answer
//!   there is no spread to measure, so the interval is the whole scale.
//!
//! Below the minimum sample the estimate is still computed, but marked insufficient: pages
//! grey it out as "insufficient data" and never present it as a fact.

use crate::improve::Tally;
use serde::Serialize;

/// The default minimum sample: below it a number is shown greyed as insufficient.
pub const MIN_SAMPLE: i64 = 30;
/// The two-sided 95 % normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    Nps,
    Csat,
    Ces,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Nps, Metric::Csat, Metric::Ces];

    pub fn code(self) -> &'static str {
        match self {
            Metric::Nps => "nps",
            Metric::Csat => "csat",
            Metric::Ces => "ces",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, crate::InvalidInput> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "nps" => Ok(Metric::Nps),
            "csat" => Ok(Metric::Csat),
            "ces" => Ok(Metric::Ces),
            other => Err(crate::InvalidInput::NotOneOf {
                field: crate::Field::Metric,
                value: other.to_owned(),
                allowed: "nps, csat, ces",
            }),
        }
    }

    /// The range values live in, for colour scales and degenerate intervals.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Metric::Nps => (-100.0, 100.0),
            Metric::Csat => (0.0, 100.0),
            Metric::Ces => (1.0, 7.0),
        }
    }

    /// Whether a higher value is better: not for CES, where 1 is "very easy" and 7 "very
    /// hard" (the shipped CES question's wording).
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Metric::Ces)
    }

    /// The estimate of this metric in `t`.
    pub fn estimate(self, t: &Tally, min_sample: i64) -> Estimate {
        match self {
            Metric::Nps => nps(t.promoters, t.passives, t.detractors, min_sample),
            Metric::Csat => share(t.csat_hits(), t.csat_n(), min_sample),
            Metric::Ces => mean(t.ces_n, t.ces_sum, t.ces_sumsq, (1.0, 7.0), min_sample),
        }
    }
}

/// A metric's value over some responses, with its 95 % interval. `value` is `None` only
/// when there is nothing to measure (n = 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Estimate {
    pub value: Option<f64>,
    pub n: i64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// `n` reaches the minimum sample: shown as a fact, not greyed.
    pub sufficient: bool,
    /// The standard error of `value`, for comparisons (not serialised).
    #[serde(skip)]
    pub se: Option<f64>,
}

impl Estimate {
    fn empty() -> Self {
        Estimate {
            value: None,
            n: 0,
            ci_low: None,
            ci_high: None,
            sufficient: false,
            se: None,
        }
    }

    fn new(value: f64, n: i64, ci: (f64, f64), se: f64, min_sample: i64) -> Self {
        Estimate {
            value: Some(value),
            n,
            ci_low: Some(ci.0),
            ci_high: Some(ci.1),
            sufficient: n >= min_sample.max(1),
            se: Some(se),
        }
    }
}

/// NPS from promoter, passive and detractor counts.
pub fn nps(promoters: i64, passives: i64, detractors: i64, min_sample: i64) -> Estimate {
    let n = promoters + passives + detractors;
    if n <= 0 {
        return Estimate::empty();
    }
    let (p, d) = (promoters as f64 / n as f64, detractors as f64 / n as f64);
    let value = p - d;
    let variance = (p + d - value * value).max(0.0);
    let se = (variance / n as f64).sqrt();
    let ci = (
        (value - Z95 * se).max(-1.0) * 100.0,
        (value + Z95 * se).min(1.0) * 100.0,
    );
    Estimate::new(value * 100.0, n, ci, se * 100.0, min_sample)
}

/// A percentage `hits / n` with its Wilson score interval.
pub fn share(hits: i64, n: i64, min_sample: i64) -> Estimate {
    if n <= 0 {
        return Estimate::empty();
    }
    let nf = n as f64;
    let p = hits as f64 / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    let ci = (
        ((centre - half).max(0.0)) * 100.0,
        ((centre + half).min(1.0)) * 100.0,
    );
    let se = (p * (1.0 - p) / nf).sqrt() * 100.0;
    Estimate::new(p * 100.0, n, ci, se, min_sample)
}

/// A mean from count, sum and sum of squares, on a scale `bounds`.
pub fn mean(n: i64, sum: i64, sumsq: i64, bounds: (f64, f64), min_sample: i64) -> Estimate {
    if n <= 0 {
        return Estimate::empty();
    }
    let nf = n as f64;
    let m = sum as f64 / nf;
    if n == 1 {
        return Estimate::new(m, n, bounds, f64::INFINITY, min_sample);
    }
    let variance = ((sumsq as f64 - sum as f64 * m) / (nf - 1.0)).max(0.0);
    let se = (variance / nf).sqrt();
    let ci = ((m - Z95 * se).max(bounds.0), (m + Z95 * se).min(bounds.1));
    Estimate::new(m, n, ci, se, min_sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a value");
        assert!((a - b).abs() < 0.005, "{a} ≠ {b}");
    }

    #[test]
    fn nps_with_its_trinomial_interval() {
        // 50 promoters, 30 passives, 20 detractors: NPS 30.
        // Var = (0.5 + 0.2 − 0.09) / 100 = 0.0061, se = 0.078102; ±1.96 se = ±15.308.
        let e = nps(50, 30, 20, MIN_SAMPLE);
        close(e.value, 30.0);
        close(e.ci_low, 14.692);
        close(e.ci_high, 45.308);
        assert!(e.sufficient);
        assert_eq!(e.n, 100);
    }

    #[test]
    fn nps_edge_cases() {
        let all = nps(40, 0, 0, MIN_SAMPLE);
        close(all.value, 100.0);
        close(all.ci_low, 100.0);
        close(all.ci_high, 100.0);
        // One detractor: −100, insufficient.
        let one = nps(0, 0, 1, MIN_SAMPLE);
        close(one.value, -100.0);
        assert!(!one.sufficient);
        assert_eq!(one.n, 1);
        let none = nps(0, 0, 0, MIN_SAMPLE);
        assert_eq!((none.value, none.n, none.sufficient), (None, 0, false));
        // Half promoters, half detractors: 0 ± 1.96·√(1/n)·100; never outside ±100.
        let split = nps(1, 0, 1, MIN_SAMPLE);
        close(split.value, 0.0);
        close(split.ci_low, -100.0);
        close(split.ci_high, 100.0);
    }

    #[test]
    fn shares_use_the_wilson_interval() {
        // 45 of 50 satisfied: 90 %, Wilson [78.64, 95.65].
        let e = share(45, 50, MIN_SAMPLE);
        close(e.value, 90.0);
        close(e.ci_low, 78.64);
        close(e.ci_high, 95.65);
        // All satisfied: the upper bound is 100, the lower one is not.
        let all = share(10, 10, MIN_SAMPLE);
        close(all.value, 100.0);
        close(all.ci_high, 100.0);
        close(all.ci_low, 72.25);
        assert!(!all.sufficient);
        let one = share(1, 1, MIN_SAMPLE);
        close(one.ci_low, 20.65);
        assert_eq!(share(0, 0, MIN_SAMPLE).value, None);
    }

    #[test]
    fn means_with_a_normal_interval_and_the_scale_for_one_answer() {
        // 5, 6, 7: mean 6, s = 1, se = 0.57735, ±1.13161.
        let e = mean(3, 18, 110, (1.0, 7.0), MIN_SAMPLE);
        close(e.value, 6.0);
        close(e.ci_low, 4.868);
        close(e.ci_high, 7.0);
        let one = mean(1, 4, 16, (1.0, 7.0), MIN_SAMPLE);
        close(one.value, 4.0);
        close(one.ci_low, 1.0);
        close(one.ci_high, 7.0);
        assert_eq!(mean(0, 0, 0, (1.0, 7.0), 30).value, None);
    }

    #[test]
    fn the_minimum_sample_is_configurable() {
        assert!(!share(5, 10, 30).sufficient);
        assert!(share(5, 10, 10).sufficient);
        assert!(nps(1, 0, 0, 1).sufficient);
    }
}

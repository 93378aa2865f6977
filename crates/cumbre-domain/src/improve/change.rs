//! Whether a metric moved: the difference between two estimates and whether it is larger
//! than chance would make it (a two-sided z-test at 95 % on the two standard errors).
//! Only two sufficient samples are compared; otherwise there is no flag, whatever the gap.

use crate::improve::stats::{Estimate, Z95};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Now minus before, in the metric's units (NPS points, CSAT points, CES points).
    pub delta: f64,
    /// The gap is statistically meaningful at 95 %.
    pub significant: bool,
}

/// `now` against `before`; `None` when either has no value.
pub fn compare(now: &Estimate, before: &Estimate) -> Option<Change> {
    let (a, b) = (now.value?, before.value?);
    let delta = a - b;
    let significant = now.sufficient
        && before.sufficient
        && match (now.se, before.se) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                let se = (x * x + y * y).sqrt();
                if se == 0.0 {
                    delta != 0.0
                } else {
                    (delta / se).abs() > Z95
                }
            }
            _ => false,
        };
    Some(Change { delta, significant })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::improve::stats::{nps, share};

    #[test]
    fn a_large_move_on_large_samples_is_flagged() {
        // NPS 30 (n 400) against 10 (n 400): se ≈ 3.9 and 4.2, z ≈ 3.5.
        let now = nps(200, 120, 80, 30);
        let before = nps(160, 120, 120, 30);
        let c = compare(&now, &before).expect("both measured");
        assert!((c.delta - 20.0).abs() < 1e-9);
        assert!(c.significant);
    }

    #[test]
    fn a_small_move_or_a_small_sample_is_not() {
        let c = compare(&nps(52, 30, 18, 30), &nps(50, 30, 20, 30)).expect("measured");
        assert!(!c.significant, "4 points on 100 answers is noise");
        // 100 % of 10 against 50 % of 400: a big gap, but 10 answers are insufficient.
        let c = compare(&share(10, 10, 30), &share(200, 400, 30)).expect("measured");
        assert!(!c.significant);
        assert_eq!(compare(&share(0, 0, 30), &share(5, 10, 30)), None);
    }
}

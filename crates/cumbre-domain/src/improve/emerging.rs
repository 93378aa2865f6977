//! Emerging problems: themes whose share of negative mentions rose significantly in the
//! recent weeks against their own history, at a unit or across the company — not themes
//! that are merely talked about more (a busy month raises every count).
//!
//! Each series (a theme at a place) compares a recent window with the baseline before it
//! by a one-sided Fisher exact test (given how many mentions were negative in both
//! windows, how unlikely that so many fell in the recent one). Normal approximations
//! proved too eager in the far tail where a many-series threshold sits, on the few
//! mentions of a rarely faulted theme. Many series are tested at once (12 themes × every
//! unit), so a family-wise error rate is kept: the threshold is Bonferroni's over the
//! series that had enough mentions to be tested, and a rise must also be large enough to
//! matter. On noise the detector stays quiet in at least 95 % of organisations.

/// Mentions of a theme in one window, and how many of them were negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    pub n: i64,
    pub negative: i64,
}

impl Window {
    pub fn share(self) -> f64 {
        if self.n > 0 {
            self.negative as f64 / self.n as f64
        } else {
            0.0
        }
    }
}

/// When a rise counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// At least this many mentions in the recent window, and in the baseline.
    pub min_recent: i64,
    pub min_baseline: i64,
    /// At least this many negatives in the two windows together. Fisher's test reads the
    /// series given that total, so choosing series by it keeps the test exact, and the
    /// family shrinks to the series that could show a problem at all.
    pub min_negative: i64,
    /// The negative share must rise by at least this much (0.10 = ten points).
    pub min_rise: f64,
    /// The chance that one or more findings are noise, across all series tested.
    pub family_alpha: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            min_recent: 10,
            min_baseline: 20,
            min_negative: 10,
            min_rise: 0.10,
            family_alpha: 0.03,
        }
    }
}

/// A series whose negative share rose significantly.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding<K> {
    pub key: K,
    pub recent: Window,
    pub baseline: Window,
    /// The chance of a rise at least this large by chance alone (one series).
    pub p_value: f64,
}

impl<K> Finding<K> {
    /// The rise in negative share, in points (0–100).
    pub fn rise_points(&self) -> f64 {
        (self.recent.share() - self.baseline.share()) * 100.0
    }
}

/// The chance, if both windows shared one negative share, that the recent window would
/// hold at least as many of the negative mentions as it does (one-sided Fisher test).
pub fn p_value(recent: Window, baseline: Window) -> f64 {
    let (n1, n) = (recent.n, recent.n + baseline.n);
    let k = recent.negative + baseline.negative;
    let x = recent.negative;
    if n1 == 0 || k == 0 {
        return 1.0;
    }
    let hi = n1.min(k);
    // The first term by log-factorials, the rest by the ratio of neighbouring terms.
    let ln_choose = |a: i64, b: i64| ln_factorial(a) - ln_factorial(b) - ln_factorial(a - b);
    let mut term = (ln_choose(k, x) + ln_choose(n - k, n1 - x) - ln_choose(n, n1)).exp();
    let mut sum = 0.0;
    for i in x..=hi {
        sum += term;
        let i = i as f64;
        let (k, n1, n) = (k as f64, n1 as f64, n as f64);
        term *= (k - i) * (n1 - i) / ((i + 1.0) * (n - k - n1 + i + 1.0));
    }
    sum.min(1.0)
}

/// ln(n!) by Stirling's series (exact enough beyond 20; a table below).
fn ln_factorial(n: i64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    if n <= 20 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    let x = n as f64;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x * x)
}

/// The findings among `series` (key, recent window, baseline window), strongest first.
pub fn find<K: Clone>(series: &[(K, Window, Window)], rules: Rules) -> Vec<Finding<K>> {
    let tested: Vec<&(K, Window, Window)> = series
        .iter()
        .filter(|(_, r, b)| {
            r.n >= rules.min_recent
                && b.n >= rules.min_baseline
                && r.negative + b.negative >= rules.min_negative
        })
        .collect();
    let threshold = rules.family_alpha / tested.len().max(1) as f64;
    let mut out: Vec<Finding<K>> = tested
        .into_iter()
        .filter(|(_, r, b)| r.share() - b.share() >= rules.min_rise)
        .filter_map(|(key, recent, baseline)| {
            let p = p_value(*recent, *baseline);
            (p <= threshold).then(|| Finding {
                key: key.clone(),
                recent: *recent,
                baseline: *baseline,
                p_value: p,
            })
        })
        .collect();
    out.sort_by(|a, b| a.p_value.total_cmp(&b.p_value));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(rng: &mut fastrand::Rng, n: i64, p: f64) -> Window {
        let negative = (0..n).filter(|_| rng.f64() < p).count() as i64;
        Window { n, negative }
    }

    /// An organisation's series: 12 themes at 40 places, each with its own steady
    /// negative share (5–55 %) and volume (30–60 mentions in the recent window, three
    /// times as many before); with `shifted`, theme 3 at place 7 (100 recent mentions) rises
    /// by that much.
    fn organisation(
        rng: &mut fastrand::Rng,
        shifted: Option<f64>,
    ) -> Vec<((usize, usize), Window, Window)> {
        let mut out = Vec::new();
        for place in 0..40 {
            for theme in 0..12 {
                let p = 0.05 + rng.f64() * 0.5;
                let (recent_n, recent_p) = match shifted {
                    Some(rise) if (theme, place) == (3, 7) => (100, p + rise),
                    _ => (rng.i64(30..60), p),
                };
                out.push((
                    (theme, place),
                    window(rng, recent_n, recent_p),
                    window(rng, recent_n * 3, p),
                ));
            }
        }
        out
    }

    #[test]
    fn the_exact_test_matches_known_values() {
        // The lady tasting tea: 3 of 4 right cups against 1 of 4: one-sided p = 17/70.
        let p = p_value(Window { n: 4, negative: 3 }, Window { n: 4, negative: 1 });
        assert!((p - 17.0 / 70.0).abs() < 1e-9, "{p}");
        let none = p_value(Window { n: 10, negative: 0 }, Window { n: 10, negative: 0 });
        assert_eq!(none, 1.0);
        // Large windows: the factorials' series holds (every term a probability).
        let big = p_value(
            Window {
                n: 4_000,
                negative: 1_300,
            },
            Window {
                n: 12_000,
                negative: 3_600,
            },
        );
        assert!(big > 1e-4 && big < 1e-2, "{big}");
    }

    #[test]
    fn stays_quiet_on_noise_in_nineteen_organisations_of_twenty() {
        let mut rng = fastrand::Rng::with_seed(7);
        let trials = 200;
        let noisy = (0..trials)
            .filter(|_| !find(&organisation(&mut rng, None), Rules::default()).is_empty())
            .count();
        assert!(
            noisy * 20 <= trials,
            "{noisy} of {trials} organisations raised an alarm on noise"
        );
    }

    #[test]
    fn finds_a_real_shift_and_names_it_first() {
        let mut rng = fastrand::Rng::with_seed(11);
        let trials = 200;
        let mut found = 0;
        for _ in 0..trials {
            let series = organisation(&mut rng, Some(0.35));
            let findings = find(&series, Rules::default());
            if findings.first().is_some_and(|f| f.key == (3, 7)) {
                found += 1;
                assert!(findings[0].rise_points() >= 10.0);
            }
        }
        assert!(found * 100 >= trials * 95, "found in {found} of {trials}");
    }

    #[test]
    fn a_busier_month_is_not_a_problem_nor_is_a_thin_sample() {
        let steady = |n, negative| Window { n, negative };
        // Twice the mentions, the same share: not a rise.
        let busy = [("busy", steady(200, 40), steady(300, 60))];
        assert!(find(&busy, Rules::default()).is_empty());
        // All negative, but only five mentions: not enough to tell.
        let thin = [("thin", steady(5, 5), steady(100, 10))];
        assert!(find(&thin, Rules::default()).is_empty());
        // A clear rise on enough mentions.
        let rise = [("rise", steady(40, 24), steady(120, 18))];
        let got = find(&rise, Rules::default());
        assert_eq!(got.len(), 1);
        assert!((got[0].rise_points() - 45.0).abs() < 1e-9);
    }
}

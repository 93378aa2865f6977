//! How far two auditors of the same visit agree: the share of items they graded alike,
//! Cohen's kappa (that agreement beyond what their own habits would give by chance), and
//! which way they differ (one passing what the other failed: lenient or severe).

use super::audit::Outcome;

#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Items both graded.
    pub items: usize,
    pub agreed: usize,
    /// `agreed / items`, 0–1.
    pub observed: f64,
    /// Cohen's kappa; `None` when chance alone would agree on everything (both gave one
    /// same grade throughout), where kappa is 0 / 0.
    pub kappa: Option<f64>,
    /// Items the first passed and the second failed, and the reverse.
    pub first_passed_second_failed: usize,
    pub second_passed_first_failed: usize,
}

const GRADES: [Outcome; 3] = [Outcome::Pass, Outcome::Fail, Outcome::NotApplicable];

/// The agreement of two gradings of the same items, in the same order (`None` for no
/// items or lists of different lengths).
pub fn agreement(first: &[Outcome], second: &[Outcome]) -> Option<Agreement> {
    let n = first.len();
    if n == 0 || n != second.len() {
        return None;
    }
    let pairs = || first.iter().zip(second);
    let agreed = pairs().filter(|(a, b)| a == b).count();
    let count = |side: &[Outcome], g: Outcome| side.iter().filter(|&&x| x == g).count();
    // Expected agreement: for each grade, the chance both give it independently.
    let chance: usize = GRADES
        .iter()
        .map(|&g| count(first, g) * count(second, g))
        .sum();
    let (n2, observed) = ((n * n) as f64, agreed as f64 / n as f64);
    let expected = chance as f64 / n2;
    let kappa = (chance < n * n).then(|| (observed - expected) / (1.0 - expected));
    Some(Agreement {
        items: n,
        agreed,
        observed,
        kappa,
        first_passed_second_failed: pairs()
            .filter(|p| *p == (&Outcome::Pass, &Outcome::Fail))
            .count(),
        second_passed_first_failed: pairs()
            .filter(|p| *p == (&Outcome::Fail, &Outcome::Pass))
            .count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::{Fail as F, NotApplicable as N, Pass as P};

    /// Ten items: (P,P)×5, (P,F), (F,F), (F,P), (N,N), (N,P). Agreed 7 → 0.7.
    /// First: P 6, F 2, N 2; second: P 7, F 2, N 1.
    /// Chance: (6·7 + 2·2 + 2·1) / 100 = 0.48. Kappa = (0.7 − 0.48) / 0.52 = 11/26.
    #[test]
    fn kappa_of_a_hand_computed_pair() {
        let first = [P, P, P, P, P, P, F, F, N, N];
        let second = [P, P, P, P, P, F, F, P, N, P];
        let a = agreement(&first, &second).expect("agreement");
        assert_eq!((a.items, a.agreed), (10, 7));
        assert!((a.observed - 0.7).abs() < 1e-12);
        assert!((a.kappa.expect("kappa") - 11.0 / 26.0).abs() < 1e-12);
        assert_eq!(a.first_passed_second_failed, 1);
        assert_eq!(a.second_passed_first_failed, 1);
    }

    #[test]
    fn kappa_is_one_for_full_agreement_and_negative_below_chance() {
        let a = agreement(&[P, F, N, P], &[P, F, N, P]).expect("agreement");
        assert_eq!(a.kappa, Some(1.0));
        // Always opposite on two grades used equally: observed 0, chance 0.5, kappa −1.
        let b = agreement(&[P, F, P, F], &[F, P, F, P]).expect("agreement");
        assert_eq!(b.observed, 0.0);
        assert_eq!(b.kappa, Some(-1.0));
        assert_eq!(b.first_passed_second_failed, 2);
    }

    #[test]
    fn one_grade_throughout_has_no_kappa_and_mismatched_lists_no_agreement() {
        let a = agreement(&[P, P, P], &[P, P, P]).expect("agreement");
        assert_eq!(a.observed, 1.0);
        assert_eq!(a.kappa, None, "0 / 0 is not a figure");
        assert_eq!(agreement(&[], &[]), None);
        assert_eq!(agreement(&[P], &[P, F]), None);
    }
}

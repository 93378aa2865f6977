//! Standards at risk: where what the shoppers saw and what the customers say of the same
//! moment of truth, at the same unit, point the same bad way (a confirmed problem) or
//! disagree (customers unhappy where audits pass: the standard or the audits miss what
//! matters to them). Only clear evidence counts: enough audits with a clear pass rate, and
//! customers at that moment of truth significantly less satisfied both than the company's
//! there and than the unit's own customers overall (a unit worse at everything makes no
//! single standard a risk); otherwise it says nothing. Where a survey question asks the
//! customers about the standard itself, their answers are the evidence, compared with the
//! company's answers to it: they speak of that standard, not of the moment as a whole.

use crate::improve::change::compare;
use crate::improve::stats::Estimate;
use serde::Serialize;

/// Audits needed before their pass rate counts as evidence.
pub const MIN_AUDITS: i64 = 2;
/// At most this share of audits met it: the audits say it fails.
pub const FAILING: f64 = 50.0;
/// At least this share met it (with [`MIN_PASSING_AUDITS`] audits): the audits say it holds.
pub const PASSING: f64 = 90.0;
pub const MIN_PASSING_AUDITS: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// The shoppers fail it and the customers there are significantly less satisfied
    /// than the company's at that moment of truth.
    Confirmed,
    /// The shoppers pass it while the customers there are significantly less satisfied:
    /// the audits (or the standard) miss what the customers feel.
    CustomersDisagree,
}

/// What is known of one standard at one unit.
#[derive(Debug, Clone, Copy)]
pub struct Evidence {
    /// Audits where it applied, and those that found it met.
    pub applied: i64,
    pub passed: i64,
    /// The customers' figure at the standard's moment of truth at this unit, and the
    /// company's there (same metric, same period; higher is better).
    pub customers: Estimate,
    pub company: Estimate,
    /// The customers' figure at this unit across all its moments of truth: a unit worse
    /// everywhere does not make each of its standards a disagreement. `None` when the
    /// customers were asked about the standard itself.
    pub unit: Option<Estimate>,
}

/// The risk the evidence shows, if any.
pub fn assess(e: &Evidence) -> Option<Risk> {
    if e.applied < MIN_AUDITS {
        return None;
    }
    let rate = e.passed as f64 * 100.0 / e.applied as f64;
    let worse = compare(&e.customers, &e.company).is_some_and(|c| c.significant && c.delta < 0.0);
    if !worse {
        return None;
    }
    // What is particular to this moment of truth, not a unit worse at everything.
    let worse_than_the_unit = e.unit.is_none_or(|unit| {
        compare(&e.customers, &unit).is_some_and(|c| c.significant && c.delta < 0.0)
    });
    if !worse_than_the_unit {
        return None;
    }
    if rate <= FAILING {
        Some(Risk::Confirmed)
    } else if rate >= PASSING && e.applied >= MIN_PASSING_AUDITS {
        Some(Risk::CustomersDisagree)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::improve::stats::share;

    /// `here` at the moment of truth; the unit overall at 75 % of 1,000.
    fn evidence(applied: i64, passed: i64, here: (i64, i64), company: (i64, i64)) -> Evidence {
        Evidence {
            applied,
            passed,
            customers: share(here.0, here.1, 30),
            company: share(company.0, company.1, 30),
            unit: Some(share(750, 1_000, 30)),
        }
    }

    #[test]
    fn failing_audits_and_unhappy_customers_confirm_the_problem() {
        // 1 of 3 audits met it; 55 % satisfied of 200 against 80 % of 5,000, and against
        // 75 % of the unit's 1,000.
        let e = evidence(3, 1, (110, 200), (4_000, 5_000));
        assert_eq!(assess(&e), Some(Risk::Confirmed));
        // The same where the unit's customers are as unhappy everywhere.
        let mut everywhere = e;
        everywhere.unit = Some(share(560, 1_000, 30));
        assert_eq!(assess(&everywhere), None);
    }

    #[test]
    fn passing_audits_with_unhappy_customers_is_a_disagreement() {
        let e = evidence(6, 6, (110, 200), (4_000, 5_000));
        assert_eq!(assess(&e), Some(Risk::CustomersDisagree));
        // Two audits are too few to say the standard holds.
        assert_eq!(assess(&evidence(2, 2, (110, 200), (4_000, 5_000))), None);
        // A unit as unhappy everywhere: nothing particular to this standard.
        let mut everywhere = evidence(6, 6, (110, 200), (4_000, 5_000));
        everywhere.unit = Some(share(560, 1_000, 30));
        assert_eq!(assess(&everywhere), None);
    }

    #[test]
    fn noise_says_nothing() {
        // Customers a little below the company on a small sample: not significant.
        assert_eq!(assess(&evidence(3, 0, (15, 20), (4_000, 5_000))), None);
        // Customers as satisfied as the company's, whatever the audits say.
        assert_eq!(assess(&evidence(4, 0, (160, 200), (4_000, 5_000))), None);
        // One audit is no evidence.
        assert_eq!(assess(&evidence(1, 0, (110, 200), (4_000, 5_000))), None);
        // A middling pass rate is neither failing nor holding.
        assert_eq!(assess(&evidence(4, 3, (110, 200), (4_000, 5_000))), None);
        // No customer figure at all.
        assert_eq!(assess(&evidence(4, 0, (0, 0), (4_000, 5_000))), None);
    }

    #[test]
    fn customers_asked_about_the_standard_speak_of_it_alone() {
        // 110 of 200 favourable on its own question against the company's 4,000 of
        // 5,000: the unit's figure elsewhere does not enter.
        let mut asked = evidence(6, 6, (110, 200), (4_000, 5_000));
        asked.unit = None;
        assert_eq!(assess(&asked), Some(Risk::CustomersDisagree));
        let mut failing = evidence(3, 0, (110, 200), (4_000, 5_000));
        failing.unit = None;
        assert_eq!(assess(&failing), Some(Risk::Confirmed));
        // As favourable as the company: nothing.
        let mut fine = evidence(6, 6, (160, 200), (4_000, 5_000));
        fine.unit = None;
        assert_eq!(assess(&fine), None);
    }
}

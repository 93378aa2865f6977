//! Targets per metric per unit, inherited down the tree unless a unit sets its own, and
//! whether a measured estimate is on track.

use crate::UnitId;
use crate::improve::{Estimate, Metric};
use serde::Serialize;
use std::collections::HashMap;

/// A unit's target for a metric and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    pub value: f64,
    /// The unit that set it (the unit itself or the nearest above it).
    pub set_at: UnitId,
}

/// The target of the last unit of `chain` (top unit first): its own, else the nearest
/// ancestor's.
pub fn resolve(
    chain: &[UnitId],
    metric: Metric,
    targets: &HashMap<(UnitId, Metric), f64>,
) -> Option<Target> {
    chain.iter().rev().find_map(|u| {
        targets.get(&(*u, metric)).map(|v| Target {
            value: *v,
            set_at: *u,
        })
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTrack,
    OffTrack,
    /// No target, or too few answers to say.
    Unknown,
}

/// On track when the value reaches the target (for CES, stays at or under it); unknown
/// without a target or a sufficient sample.
pub fn status(metric: Metric, e: &Estimate, target: Option<Target>) -> Status {
    match (e.value, target) {
        (Some(v), Some(t)) if e.sufficient => {
            let ok = if metric.higher_is_better() {
                v >= t.value
            } else {
                v <= t.value
            };
            if ok {
                Status::OnTrack
            } else {
                Status::OffTrack
            }
        }
        _ => Status::Unknown,
    }
}

/// Checks a target typed by a person: within the metric's range.
pub fn check(metric: Metric, value: f64) -> Result<f64, crate::InvalidInput> {
    let (lo, hi) = metric.bounds();
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(crate::InvalidInput::OutOfRange {
            field: crate::Field::Metric,
            min: lo as i64,
            max: hi as i64,
            value: value.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::improve::stats::{mean, nps};

    #[test]
    fn targets_are_inherited_unless_a_unit_sets_its_own() {
        let (company, region, hotel) = (UnitId(1), UnitId(2), UnitId(3));
        let mut targets = HashMap::new();
        targets.insert((company, Metric::Nps), 40.0);
        let chain = [company, region, hotel];
        assert_eq!(
            resolve(&chain, Metric::Nps, &targets).map(|t| (t.value, t.set_at)),
            Some((40.0, company))
        );
        targets.insert((region, Metric::Nps), 55.0);
        assert_eq!(
            resolve(&chain, Metric::Nps, &targets).map(|t| t.set_at),
            Some(region)
        );
        assert_eq!(resolve(&chain, Metric::Csat, &targets), None);
    }

    #[test]
    fn on_track_needs_a_target_and_enough_answers() {
        let t = Some(Target {
            value: 30.0,
            set_at: UnitId(1),
        });
        assert_eq!(
            status(Metric::Nps, &nps(50, 30, 20, 30), t),
            Status::OnTrack
        );
        assert_eq!(
            status(Metric::Nps, &nps(40, 30, 30, 30), t),
            Status::OffTrack
        );
        assert_eq!(
            status(Metric::Nps, &nps(5, 0, 0, 30), t),
            Status::Unknown,
            "5 answers"
        );
        assert_eq!(
            status(Metric::Nps, &nps(50, 30, 20, 30), None),
            Status::Unknown
        );
        // CES: lower is better.
        let easy = mean(40, 80, 200, (1.0, 7.0), 30);
        assert_eq!(
            status(
                Metric::Ces,
                &easy,
                Some(Target {
                    value: 3.0,
                    set_at: UnitId(1)
                })
            ),
            Status::OnTrack
        );
        assert!(check(Metric::Csat, 120.0).is_err());
        assert!(check(Metric::Nps, -20.0).is_ok());
    }
}

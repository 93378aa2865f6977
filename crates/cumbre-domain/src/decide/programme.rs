//! A mystery-shopper programme: which units are visited, which moments of truth the
//! shopper goes through (the scenario, in order), how often, and the shopper's briefing;
//! and who visits which unit each period (rotation).

use crate::improve::period::Interval;
use crate::{Field, InvalidInput, UnitId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

pub const MAX_NAME: usize = 200;
pub const MAX_BRIEFING: usize = 4_000;
pub const MAX_UNITS: usize = 1_000;
pub const MAX_TOUCHPOINTS: usize = 30;
pub const MAX_DISPUTE_DAYS: u32 = 60;
/// What a programme allows when it does not say: a week to dispute a published audit.
pub const DEFAULT_DISPUTE_DAYS: u32 = 7;

/// How often each unit is visited: once per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Monthly,
    Quarterly,
}

impl Frequency {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim() {
            "monthly" | "" => Ok(Frequency::Monthly),
            "quarterly" => Ok(Frequency::Quarterly),
            other => Err(InvalidInput::NotOneOf {
                field: Field::Frequency,
                value: other.chars().take(40).collect(),
                allowed: "monthly, quarterly",
            }),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
        }
    }

    /// The calendar interval of one period.
    pub fn interval(self) -> Interval {
        match self {
            Frequency::Monthly => Interval::Month,
            Frequency::Quarterly => Interval::Quarter,
        }
    }
}

/// A programme as an administrator defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeDefinition {
    pub name: String,
    /// What the shopper is told before the visit: what to do, what to buy, how to behave.
    pub briefing: String,
    /// Covert: staff do not know the shopper; announced: the visit is arranged.
    pub covert: bool,
    pub frequency: Frequency,
    /// Days after publication in which the audited unit's manager may dispute items.
    pub dispute_days: u32,
    pub units: Vec<UnitId>,
    /// The scenario: the moments of truth the shopper goes through, in order.
    pub touchpoints: Vec<i64>,
    /// The auditors who take turns.
    pub auditors: Vec<UserId>,
    /// Asked besides the standards ("what did they recommend?"), not scored.
    #[serde(default)]
    pub questions: Vec<super::questions::FreeQuestion>,
}

impl ProgrammeDefinition {
    /// Checks lengths and lists (at least one of each, no repeats) and trims the texts.
    pub fn check(mut self) -> Result<Self, InvalidInput> {
        self.name = crate::input::required_text(&self.name, Field::Name, MAX_NAME)?;
        self.briefing = crate::input::optional_text(&self.briefing, Field::Briefing, MAX_BRIEFING)?
            .unwrap_or_default();
        if self.dispute_days > MAX_DISPUTE_DAYS {
            return Err(InvalidInput::OutOfRange {
                field: Field::DisputeDays,
                min: 0,
                max: i64::from(MAX_DISPUTE_DAYS),
                value: self.dispute_days.to_string(),
            });
        }
        distinct(&self.units, Field::Unit, MAX_UNITS, |u| u.0)?;
        distinct(&self.touchpoints, Field::Touchpoint, MAX_TOUCHPOINTS, |t| {
            *t
        })?;
        distinct(&self.auditors, Field::Auditor, MAX_UNITS, |a| a.0)?;
        self.questions = super::questions::check_questions(self.questions)?;
        Ok(self)
    }
}

fn distinct<T>(
    list: &[T],
    field: Field,
    max: usize,
    id: impl Fn(&T) -> i64,
) -> Result<(), InvalidInput> {
    if list.is_empty() {
        return Err(InvalidInput::Required(field));
    }
    if list.len() > max {
        return Err(InvalidInput::TooMany { field, max });
    }
    let mut seen = HashSet::new();
    for x in list {
        if !seen.insert(id(x)) {
            return Err(InvalidInput::Duplicate {
                field,
                value: id(x).to_string(),
            });
        }
    }
    Ok(())
}

/// Who visits each unit this period: the auditor with the fewest visits so far this
/// period, never the one who visited that unit last time when another can go (a shopper
/// the staff have seen is no longer a mystery), ties broken by the auditors' order.
/// `last` holds each unit's previous auditor; `load` the visits already given this
/// period. Returns `(unit, auditor)` in the units' order; empty without auditors.
pub fn rotate(
    units: &[UnitId],
    auditors: &[UserId],
    last: &HashMap<UnitId, UserId>,
    load: &HashMap<UserId, usize>,
) -> Vec<(UnitId, UserId)> {
    let mut load: HashMap<UserId, usize> = auditors
        .iter()
        .map(|a| (*a, load.get(a).copied().unwrap_or(0)))
        .collect();
    let mut out = Vec::with_capacity(units.len());
    for unit in units {
        let previous = last.get(unit);
        let pick = auditors
            .iter()
            .filter(|a| auditors.len() == 1 || Some(*a) != previous)
            .min_by_key(|a| load.get(a).copied().unwrap_or(0));
        if let Some(a) = pick {
            *load.entry(*a).or_default() += 1;
            out.push((*unit, *a));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> ProgrammeDefinition {
        ProgrammeDefinition {
            name: "  Visita mensual ".into(),
            briefing: "Reserve por teléfono".into(),
            covert: true,
            frequency: Frequency::Monthly,
            dispute_days: 7,
            units: vec![UnitId(1), UnitId(2)],
            touchpoints: vec![10, 11],
            auditors: vec![UserId(5)],
            questions: Vec::new(),
        }
    }

    #[test]
    fn a_programme_needs_units_a_scenario_and_auditors_without_repeats() {
        assert_eq!(def().check().expect("valid").name, "Visita mensual");
        let mut d = def();
        d.touchpoints = vec![];
        assert_eq!(d.check(), Err(InvalidInput::Required(Field::Touchpoint)));
        let mut d = def();
        d.units = vec![UnitId(1), UnitId(1)];
        assert!(matches!(d.check(), Err(InvalidInput::Duplicate { .. })));
        let mut d = def();
        d.dispute_days = 61;
        assert!(matches!(d.check(), Err(InvalidInput::OutOfRange { .. })));
        assert!(Frequency::parse("weekly").is_err());
        assert_eq!(Frequency::parse("quarterly"), Ok(Frequency::Quarterly));
    }

    #[test]
    fn rotation_spreads_the_visits_and_never_sends_last_periods_auditor_back() {
        let (a, b) = (UserId(1), UserId(2));
        let units = [UnitId(10), UnitId(11), UnitId(12), UnitId(13)];
        let first = rotate(&units, &[a, b], &HashMap::new(), &HashMap::new());
        assert_eq!(
            first,
            vec![(units[0], a), (units[1], b), (units[2], a), (units[3], b)]
        );
        // Next period: each unit gets the other auditor.
        let last: HashMap<UnitId, UserId> = first.iter().copied().collect();
        let second = rotate(&units, &[a, b], &last, &HashMap::new());
        for ((u, now), (_, before)) in second.iter().zip(&first) {
            assert_ne!(
                now, before,
                "unit {u:?} saw the same auditor twice in a row"
            );
        }
        // With one auditor there is no choice, and nobody is left out.
        let alone = rotate(&units, &[a], &last, &HashMap::new());
        assert_eq!(alone.len(), 4);
        // Visits already given this period count.
        let busy = HashMap::from([(a, 3)]);
        let third = rotate(&units[..1], &[a, b], &HashMap::new(), &busy);
        assert_eq!(third, vec![(units[0], b)]);
        assert!(rotate(&units, &[], &last, &busy).is_empty());
    }
}

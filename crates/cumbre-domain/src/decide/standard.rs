//! A standard of a moment of truth: a behaviour an auditor can observe ("greets the guest
//! by name") or a time limit ("check-in within 5 minutes", "answered within 3 rings"),
//! with a weight and whether failing it fails its whole section (critical: a knock-out).

use crate::input::required_text;
use crate::{Field, InvalidInput, Lang};

/// Heaviest weight an item may carry: weights are whole points, so no sum of them can
/// overflow and no fraction of a point can make scores disagree between two computations.
pub const MAX_WEIGHT: u32 = 100;
/// Longest time limit (in its unit): a day in seconds.
pub const MAX_LIMIT: u32 = 86_400;
pub const MAX_NAME: usize = 200;

/// A standard's key: how imports and the API name it across versions (1–40 of a–z, 0–9,
/// `_` and `-`, e.g. `checkin-wait`).
pub fn parse_key(raw: &str) -> Result<String, InvalidInput> {
    let key = raw.trim();
    let ok = (1..=40).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(key.to_owned())
    } else if key.is_empty() {
        Err(InvalidInput::Required(Field::Key))
    } else {
        Err(InvalidInput::BadKey {
            value: key.chars().take(40).collect(),
        })
    }
}

/// What a time limit counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    Seconds,
    Minutes,
    /// Rings of a telephone before it is answered.
    Rings,
}

impl TimeUnit {
    pub const ALLOWED: &'static str = "seconds, minutes, rings";

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim().to_lowercase().as_str() {
            "seconds" | "segundos" | "s" => Ok(TimeUnit::Seconds),
            "minutes" | "minutos" | "min" => Ok(TimeUnit::Minutes),
            "rings" | "timbres" => Ok(TimeUnit::Rings),
            other => Err(InvalidInput::NotOneOf {
                field: Field::TimeLimit,
                value: other.chars().take(40).collect(),
                allowed: Self::ALLOWED,
            }),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Rings => "rings",
        }
    }

    /// "5 minutos", "1 ring", for people.
    pub fn amount(self, n: u32, lang: Lang) -> String {
        let one = n == 1;
        let word = match (self, lang) {
            (TimeUnit::Seconds, Lang::Es) if one => "segundo",
            (TimeUnit::Seconds, Lang::Es) => "segundos",
            (TimeUnit::Seconds, Lang::En) if one => "second",
            (TimeUnit::Seconds, Lang::En) => "seconds",
            (TimeUnit::Minutes, Lang::Es) if one => "minuto",
            (TimeUnit::Minutes, Lang::Es) => "minutos",
            (TimeUnit::Minutes, Lang::En) if one => "minute",
            (TimeUnit::Minutes, Lang::En) => "minutes",
            (TimeUnit::Rings, Lang::Es) if one => "timbre",
            (TimeUnit::Rings, Lang::Es) => "timbres",
            (TimeUnit::Rings, Lang::En) if one => "ring",
            (TimeUnit::Rings, Lang::En) => "rings",
        };
        format!("{n} {word}")
    }
}

/// A limit an auditor measures against: met when the measure is at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeLimit {
    pub max: u32,
    pub unit: TimeUnit,
}

impl TimeLimit {
    pub fn parse(max: &str, unit: &str) -> Result<Self, InvalidInput> {
        let raw = max.trim();
        let max: u32 = raw.parse().map_err(|_| InvalidInput::NotANumber {
            field: Field::TimeLimit,
            value: raw.chars().take(40).collect(),
        })?;
        if !(1..=MAX_LIMIT).contains(&max) {
            return Err(InvalidInput::OutOfRange {
                field: Field::TimeLimit,
                min: 1,
                max: i64::from(MAX_LIMIT),
                value: max.to_string(),
            });
        }
        Ok(TimeLimit {
            max,
            unit: TimeUnit::parse(unit)?,
        })
    }

    pub fn met_by(self, measured: u32) -> bool {
        measured <= self.max
    }
}

/// What an auditor checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// Observed or not: pass, fail or not applicable.
    Behaviour,
    /// Measured, and met when within the limit.
    TimeLimit(TimeLimit),
}

/// A weight of 1–[`MAX_WEIGHT`] whole points.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Weight(u32);

/// One point: what a standard weighs when it does not say.
impl Default for Weight {
    fn default() -> Self {
        Weight(1)
    }
}

impl Weight {
    pub fn new(points: u32) -> Result<Self, InvalidInput> {
        if (1..=MAX_WEIGHT).contains(&points) {
            Ok(Weight(points))
        } else {
            Err(InvalidInput::OutOfRange {
                field: Field::Weight,
                min: 1,
                max: i64::from(MAX_WEIGHT),
                value: points.to_string(),
            })
        }
    }

    /// Empty is 1 point.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Weight(1));
        }
        let points: u32 = raw.parse().map_err(|_| InvalidInput::NotANumber {
            field: Field::Weight,
            value: raw.chars().take(40).collect(),
        })?;
        Weight::new(points)
    }

    pub fn points(self) -> u32 {
        self.0
    }
}

/// One version of a standard's content (what an audit, a question or a training record
/// points to).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StandardDefinition {
    pub name: String,
    pub check: Check,
    pub weight: Weight,
    /// Failing it fails its section (the section scores 0).
    pub critical: bool,
}

impl StandardDefinition {
    /// From the fields of a form or a CSV line: `kind` is `behaviour` or `time`; a time
    /// limit needs `limit` and `unit`.
    pub fn parse(
        name: &str,
        kind: &str,
        limit: &str,
        unit: &str,
        weight: &str,
        critical: bool,
    ) -> Result<Self, InvalidInput> {
        let name = required_text(name, Field::Standard, MAX_NAME)?;
        let check = match kind.trim().to_lowercase().as_str() {
            "" | "behaviour" | "behavior" | "conducta" => Check::Behaviour,
            "time" | "time_limit" | "tiempo" => Check::TimeLimit(TimeLimit::parse(limit, unit)?),
            other => {
                return Err(InvalidInput::NotOneOf {
                    field: Field::Standard,
                    value: other.chars().take(40).collect(),
                    allowed: "behaviour, time",
                });
            }
        };
        Ok(StandardDefinition {
            name,
            check,
            weight: Weight::parse(weight)?,
            critical,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_limit_is_met_up_to_and_including_its_maximum() {
        let l = TimeLimit::parse("5", "minutos").expect("limit");
        assert_eq!(l.unit, TimeUnit::Minutes);
        assert!(l.met_by(0) && l.met_by(5));
        assert!(!l.met_by(6));
        assert_eq!(TimeUnit::Rings.amount(3, Lang::En), "3 rings");
        assert_eq!(TimeUnit::Minutes.amount(1, Lang::Es), "1 minuto");
    }

    #[test]
    fn bad_standards_are_refused_with_their_field() {
        assert!(matches!(
            StandardDefinition::parse("Saluda", "time", "", "minutes", "1", false),
            Err(InvalidInput::NotANumber {
                field: Field::TimeLimit,
                ..
            })
        ));
        assert!(matches!(
            StandardDefinition::parse("Saluda", "time", "0", "minutes", "1", false),
            Err(InvalidInput::OutOfRange {
                field: Field::TimeLimit,
                ..
            })
        ));
        assert!(matches!(
            StandardDefinition::parse("Saluda", "time", "3", "hours", "1", false),
            Err(InvalidInput::NotOneOf {
                field: Field::TimeLimit,
                ..
            })
        ));
        assert!(matches!(
            StandardDefinition::parse("Saluda", "", "", "", "101", false),
            Err(InvalidInput::OutOfRange {
                field: Field::Weight,
                ..
            })
        ));
        assert!(matches!(
            StandardDefinition::parse("Saluda", "", "", "", "0", false),
            Err(InvalidInput::OutOfRange {
                field: Field::Weight,
                ..
            })
        ));
        assert!(matches!(
            StandardDefinition::parse("  ", "", "", "", "", false),
            Err(InvalidInput::Required(Field::Standard))
        ));
        let ok = StandardDefinition::parse("Contesta", "tiempo", "3", "rings", "", true)
            .expect("standard");
        assert_eq!(ok.weight.points(), 1);
        assert_eq!(
            ok.check,
            Check::TimeLimit(TimeLimit {
                max: 3,
                unit: TimeUnit::Rings
            })
        );
    }
}

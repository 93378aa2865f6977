//! A standard of a moment of truth: a behaviour an auditor can observe ("greets the guest
//! by name") or a time limit ("check-in within 5 minutes", "answered within 3 rings"),
//! with a weight and whether failing it fails its whole section (critical: a knock-out).

use crate::improve::stats::Metric;
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

/// A goal for what the customers say at the moment of truth ("CSAT at check-in at least
/// 85 %"): read from their answers, never from an audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    pub metric: Metric,
    /// In tenths, so that it stays exact (85 % is 850, a CES of 2.5 is 25).
    #[serde(with = "tenths")]
    pub goal: i32,
}

/// Tenths as the number people write (850 ↔ 85.0).
mod tenths {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &i32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(f64::from(*v) / 10.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        let v = f64::deserialize(d)?;
        if !v.is_finite() || v.abs() > 1_000.0 {
            return Err(serde::de::Error::custom("a goal out of range"));
        }
        Ok((v * 10.0).round() as i32)
    }
}

impl Target {
    /// `goal` in the metric's own unit (a share in percent for CSAT, NPS −100–100, CES
    /// 1–7), one decimal at most; `metric` `nps`, `csat` or `ces`.
    pub fn parse(goal: &str, metric: &str) -> Result<Self, InvalidInput> {
        let metric = Metric::parse(metric)?;
        let raw = goal.trim().replace(',', ".");
        let value: f64 = raw.parse().map_err(|_| InvalidInput::NotANumber {
            field: Field::Target,
            value: goal.trim().chars().take(40).collect(),
        })?;
        let (lo, hi) = metric.bounds();
        if !value.is_finite() || value < lo || value > hi {
            return Err(InvalidInput::OutOfRange {
                field: Field::Target,
                min: lo as i64,
                max: hi as i64,
                value: raw.chars().take(40).collect(),
            });
        }
        Ok(Target {
            metric,
            goal: (value * 10.0).round() as i32,
        })
    }

    pub fn value(self) -> f64 {
        f64::from(self.goal) / 10.0
    }

    /// Whether a figure meets it: at least the goal, or at most for CES (lower is easier).
    pub fn met_by(self, figure: f64) -> bool {
        if self.metric.higher_is_better() {
            figure >= self.value() - 1e-9
        } else {
            figure <= self.value() + 1e-9
        }
    }
}

/// What a standard checks, and so who checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// Observed by an auditor or not: pass, fail or not applicable.
    Behaviour,
    /// Measured by an auditor, and met when within the limit.
    TimeLimit(TimeLimit),
    /// The customers' figure at the moment of truth: not on an audit's form.
    Target(Target),
}

impl Check {
    /// Whether an auditor checks it (a target is the customers' to say).
    pub fn audited(self) -> bool {
        !matches!(self, Check::Target(_))
    }
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
            "target" | "meta" | "objetivo" => Check::Target(Target::parse(limit, unit)?),
            other => {
                return Err(InvalidInput::NotOneOf {
                    field: Field::Standard,
                    value: other.chars().take(40).collect(),
                    allowed: "behaviour, time, target",
                });
            }
        };
        // A target is not audited: no points to weigh, no section to knock out.
        let audited = check.audited();
        Ok(StandardDefinition {
            name,
            check,
            weight: if audited {
                Weight::parse(weight)?
            } else {
                Weight::default()
            },
            critical: critical && audited,
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
        // A target: the customers' figure, with a decimal; never weighed nor critical.
        let t = StandardDefinition::parse("CES de reservas", "meta", "2,5", "ces", "9", true)
            .expect("target");
        assert_eq!(
            t.check,
            Check::Target(Target {
                metric: Metric::Ces,
                goal: 25
            })
        );
        assert!(!t.critical && t.weight.points() == 1 && !t.check.audited());
        let Check::Target(goal) = t.check else {
            unreachable!()
        };
        assert!(goal.met_by(2.5) && goal.met_by(1.9) && !goal.met_by(2.6));
        let csat = Target::parse("85", "csat").expect("csat");
        assert!(csat.met_by(85.0) && !csat.met_by(84.9));
        for (goal, metric) in [
            ("101", "csat"),
            ("-101", "nps"),
            ("0.5", "ces"),
            ("x", "nps"),
        ] {
            assert!(Target::parse(goal, metric).is_err(), "{goal} {metric}");
        }
        assert!(matches!(
            Target::parse("80", "stars"),
            Err(InvalidInput::NotOneOf { .. })
        ));
        let json = serde_json::to_string(&t.check).expect("json");
        assert_eq!(json, r#"{"kind":"target","metric":"ces","goal":2.5}"#);
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

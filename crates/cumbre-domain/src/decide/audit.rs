//! An audit's items, what the auditor recorded for each, and its score.
//!
//! The score is whole points: a section earns the weights of its passed items out of the
//! weights of the items that applied (not applicable items leave the denominator); a
//! failed critical item knocks its section out (it earns nothing, and says why). The
//! overall score is the sections' points added up, so a section weighs what its
//! applicable items weigh. With nothing applicable there is no score, not 0 % or 100 %.

use super::standard::{Check, StandardDefinition};
use crate::{Field, InvalidInput};

/// Longest note on an item.
pub const MAX_NOTE: usize = 2_000;
/// Most items one audit form may hold.
pub const MAX_ITEMS: usize = 500;

/// One item of an audit form: a standard (at the version the form pinned) in a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    pub section: String,
    pub standard: StandardDefinition,
}

/// What the auditor saw.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    NotApplicable,
}

impl Outcome {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim() {
            "pass" => Ok(Outcome::Pass),
            "fail" => Ok(Outcome::Fail),
            "na" | "not_applicable" => Ok(Outcome::NotApplicable),
            other => Err(InvalidInput::NotOneOf {
                field: Field::Outcome,
                value: other.chars().take(40).collect(),
                allowed: "pass, fail, na",
            }),
        }
    }
}

/// What an auditor sent for one item: an outcome for a behaviour, a measure for a time
/// limit (or `na` for either), and a note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawAnswer {
    pub outcome: String,
    pub measured: String,
    pub note: String,
    /// Photos as data URLs (`data:image/jpeg;base64,…`).
    pub photos: Vec<String>,
}

/// An item's checked result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub outcome: Outcome,
    pub measured: Option<u32>,
    pub note: String,
    /// Stripped of their metadata.
    pub photos: Vec<super::photo::Photo>,
}

/// Checks every answer against its item; all problems at once, keyed by item. A time
/// limit's outcome is its measure's (an auditor does not grade a stopwatch); a failure
/// needs a note, because a report without what was seen teaches the team nothing.
pub fn check(
    items: &[Item],
    answers: &[RawAnswer],
) -> Result<Vec<Recorded>, Vec<(String, InvalidInput)>> {
    let mut errors = Vec::new();
    let mut recorded = Vec::with_capacity(items.len());
    if items.len() > MAX_ITEMS {
        return Err(vec![(
            String::new(),
            InvalidInput::TooMany {
                field: Field::Outcome,
                max: MAX_ITEMS,
            },
        )]);
    }
    if answers.len() > items.len() {
        return Err(vec![(
            String::new(),
            InvalidInput::TooMany {
                field: Field::Outcome,
                max: items.len(),
            },
        )]);
    }
    let photos: usize = answers.iter().map(|a| a.photos.len()).sum();
    if photos > super::photo::MAX_PER_AUDIT {
        return Err(vec![(
            String::new(),
            InvalidInput::TooMany {
                field: Field::Photo,
                max: super::photo::MAX_PER_AUDIT,
            },
        )]);
    }
    // An item without an answer is reported as unanswered, like an empty one.
    let blank = RawAnswer::default();
    for (i, item) in items.iter().enumerate() {
        match check_one(item, answers.get(i).unwrap_or(&blank)) {
            Ok(r) => recorded.push(r),
            Err(e) => errors.push((item.key.clone(), e)),
        }
    }
    if errors.is_empty() {
        Ok(recorded)
    } else {
        Err(errors)
    }
}

fn check_one(item: &Item, a: &RawAnswer) -> Result<Recorded, InvalidInput> {
    let note = crate::input::optional_text(&a.note, Field::Note, MAX_NOTE)?.unwrap_or_default();
    let (outcome, measured) = match item.standard.check {
        // Either kind may not apply, in the words `Outcome::parse` reads; a target is never
        // on a form (the customers say whether it is met), and would count for nothing.
        _ if Outcome::parse(&a.outcome) == Ok(Outcome::NotApplicable) => {
            (Outcome::NotApplicable, None)
        }
        Check::Target(_) => (Outcome::NotApplicable, None),
        Check::Behaviour if a.outcome.trim().is_empty() => {
            return Err(InvalidInput::Required(Field::Outcome));
        }
        Check::Behaviour => (Outcome::parse(&a.outcome)?, None),
        Check::TimeLimit(limit) => {
            let raw = a.measured.trim();
            if raw.is_empty() {
                return Err(InvalidInput::Required(Field::Measure));
            }
            let m: u32 = raw.parse().map_err(|_| InvalidInput::NotANumber {
                field: Field::Measure,
                value: raw.chars().take(40).collect(),
            })?;
            let outcome = if limit.met_by(m) {
                Outcome::Pass
            } else {
                Outcome::Fail
            };
            (outcome, Some(m))
        }
    };
    if outcome == Outcome::Fail && note.is_empty() {
        return Err(InvalidInput::FailureNeedsNote {
            item: item.standard.name.chars().take(80).collect(),
        });
    }
    if a.photos.len() > super::photo::MAX_PER_ITEM {
        return Err(InvalidInput::TooMany {
            field: Field::Photo,
            max: super::photo::MAX_PER_ITEM,
        });
    }
    let photos = a
        .photos
        .iter()
        .map(|p| super::photo::Photo::from_data_url(p))
        .collect::<Result<_, _>>()?;
    Ok(Recorded {
        outcome,
        measured,
        note,
        photos,
    })
}

/// A section's points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionScore {
    pub section: String,
    /// Weights of the passed items.
    pub earned: u64,
    /// Weights of the items that applied.
    pub possible: u64,
    /// The keys of its failed critical items: any makes the section earn nothing.
    pub critical_failures: Vec<String>,
}

impl SectionScore {
    pub fn knocked_out(&self) -> bool {
        !self.critical_failures.is_empty()
    }

    /// What the section counts: nothing when knocked out.
    pub fn counted(&self) -> u64 {
        if self.knocked_out() { 0 } else { self.earned }
    }

    pub fn percent(&self) -> Option<f64> {
        percent(self.counted(), self.possible)
    }
}

/// An audit's score: its sections in form order, and their sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub sections: Vec<SectionScore>,
    pub earned: u64,
    pub possible: u64,
}

impl Score {
    pub fn percent(&self) -> Option<f64> {
        percent(self.earned, self.possible)
    }

    pub fn critical_failures(&self) -> usize {
        self.sections
            .iter()
            .map(|s| s.critical_failures.len())
            .sum()
    }
}

fn percent(earned: u64, possible: u64) -> Option<f64> {
    (possible > 0).then(|| earned as f64 * 100.0 / possible as f64)
}

/// The score of `recorded` (one per item, in the same order).
pub fn score(items: &[Item], recorded: &[Recorded]) -> Score {
    let mut sections: Vec<SectionScore> = Vec::new();
    for (item, r) in items.iter().zip(recorded) {
        let at = match sections.iter().position(|s| s.section == item.section) {
            Some(i) => i,
            None => {
                sections.push(SectionScore {
                    section: item.section.clone(),
                    earned: 0,
                    possible: 0,
                    critical_failures: Vec::new(),
                });
                sections.len() - 1
            }
        };
        let s = &mut sections[at];
        let w = u64::from(item.standard.weight.points());
        match r.outcome {
            Outcome::Pass => {
                s.earned += w;
                s.possible += w;
            }
            Outcome::Fail => {
                s.possible += w;
                if item.standard.critical {
                    s.critical_failures.push(item.key.clone());
                }
            }
            Outcome::NotApplicable => {}
        }
    }
    Score {
        earned: sections.iter().map(SectionScore::counted).sum(),
        possible: sections.iter().map(|s| s.possible).sum(),
        sections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::standard::{TimeLimit, TimeUnit, Weight};

    fn item(key: &str, section: &str, weight: u32, critical: bool, check: Check) -> Item {
        Item {
            key: key.into(),
            section: section.into(),
            standard: StandardDefinition {
                name: format!("standard {key}"),
                check,
                weight: Weight::new(weight).expect("weight"),
                critical,
            },
        }
    }

    fn answer(outcome: &str, measured: &str, note: &str) -> RawAnswer {
        RawAnswer {
            outcome: outcome.into(),
            measured: measured.into(),
            note: note.into(),
            photos: Vec::new(),
        }
    }

    const FIVE_MINUTES: Check = Check::TimeLimit(TimeLimit {
        max: 5,
        unit: TimeUnit::Minutes,
    });

    /// Check-in: 3 passed, 2 failed, 5 not applicable → 3 of 5 points, 60 %.
    /// Dinner: 4 passed, a critical 1 failed → knocked out, 0 of 5.
    /// Overall: 3 of 10 points, 30 %; one critical failure.
    #[test]
    fn sections_weigh_what_applied_and_a_critical_failure_knocks_out_its_section() {
        let items = vec![
            item("a", "Check-in", 3, false, Check::Behaviour),
            item("b", "Check-in", 2, false, FIVE_MINUTES),
            item("c", "Check-in", 5, false, Check::Behaviour),
            item("d", "Cena", 4, false, Check::Behaviour),
            item("e", "Cena", 1, true, Check::Behaviour),
        ];
        let answers = vec![
            answer("pass", "", ""),
            answer("", "7", "Esperé 7 minutos en la recepción"),
            answer("na", "", ""),
            answer("pass", "", ""),
            answer("fail", "", "No ofrecieron la carta de vinos"),
        ];
        let recorded = check(&items, &answers).expect("valid");
        assert_eq!(recorded[1].outcome, Outcome::Fail, "7 minutes is over 5");
        assert_eq!(recorded[1].measured, Some(7));
        let s = score(&items, &recorded);
        assert_eq!((s.sections[0].earned, s.sections[0].possible), (3, 5));
        assert_eq!(s.sections[0].percent(), Some(60.0));
        assert!(s.sections[1].knocked_out());
        assert_eq!(s.sections[1].earned, 4, "what it earned stays visible");
        assert_eq!(s.sections[1].percent(), Some(0.0));
        assert_eq!((s.earned, s.possible), (3, 10));
        assert_eq!(s.percent(), Some(30.0));
        assert_eq!(s.critical_failures(), 1);
    }

    #[test]
    fn nothing_applicable_is_no_score_not_zero_or_a_hundred() {
        let items = vec![
            item("a", "Spa", 3, true, Check::Behaviour),
            item("b", "Spa", 2, false, FIVE_MINUTES),
        ];
        let recorded =
            check(&items, &[answer("na", "", ""), answer("na", "9", "")]).expect("valid");
        let s = score(&items, &recorded);
        assert_eq!(s.sections[0].percent(), None);
        assert_eq!(s.percent(), None);
        assert_eq!(
            s.critical_failures(),
            0,
            "a critical item not applicable is not failed"
        );
    }

    #[test]
    fn heaviest_weights_on_the_largest_form_add_up_exactly() {
        let items: Vec<Item> = (0..MAX_ITEMS)
            .map(|i| item(&i.to_string(), "Todo", 100, false, Check::Behaviour))
            .collect();
        let answers: Vec<RawAnswer> = (0..MAX_ITEMS)
            .map(|i| {
                if i % 4 == 0 {
                    answer("fail", "", "visto")
                } else {
                    answer("pass", "", "")
                }
            })
            .collect();
        let s = score(&items, &check(&items, &answers).expect("valid"));
        assert_eq!((s.earned, s.possible), (37_500, 50_000));
        assert_eq!(s.percent(), Some(75.0));
    }

    #[test]
    fn every_problem_is_reported_with_its_item() {
        let items = vec![
            item("a", "Recepción", 1, false, Check::Behaviour),
            item("b", "Recepción", 1, false, FIVE_MINUTES),
            item("c", "Recepción", 1, false, FIVE_MINUTES),
            item("d", "Recepción", 1, false, Check::Behaviour),
            item("e", "Recepción", 1, false, Check::Behaviour),
        ];
        let errors = check(
            &items,
            &[
                answer("fail", "", "  "),
                answer("", "", ""),
                answer("", "cinco", ""),
                answer("", "", ""),
                answer("maybe", "", ""),
            ],
        )
        .expect_err("invalid");
        let keys: Vec<&str> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c", "d", "e"]);
        assert!(matches!(errors[0].1, InvalidInput::FailureNeedsNote { .. }));
        assert_eq!(errors[1].1, InvalidInput::Required(Field::Measure));
        assert!(matches!(
            errors[2].1,
            InvalidInput::NotANumber {
                field: Field::Measure,
                ..
            }
        ));
        assert_eq!(errors[3].1, InvalidInput::Required(Field::Outcome));
        assert!(matches!(
            errors[4].1,
            InvalidInput::NotOneOf {
                field: Field::Outcome,
                ..
            }
        ));
        // Too few answers: the missing ones are unanswered; too many is refused.
        let short = check(&items[..2], &[answer("pass", "", "")]).expect_err("short");
        assert_eq!(
            short,
            vec![("b".to_owned(), InvalidInput::Required(Field::Measure))]
        );
        assert!(
            check(
                &items[..1],
                &[answer("pass", "", ""), answer("pass", "", "")]
            )
            .is_err()
        );
        // A measure within the limit passes without a note.
        let ok = check(&items[1..2], &[answer("", "5", "")]).expect("valid");
        assert_eq!(ok[0].outcome, Outcome::Pass);
    }
}

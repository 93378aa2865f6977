//! Employee pulses: a short recurring survey of eNPS (0–10), a few engagement statements
//! on a five-point agreement scale, and a comment.

use crate::Lang;
use crate::input::{Field, InvalidInput};
use serde::Serialize;

/// What is kept of who answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// No link between an answer and its author is stored at all: only that the person has
    /// answered this cycle (so nobody answers twice), kept apart from the answer.
    Anonymous,
    /// The author is stored with the answer and never shown to anyone.
    Confidential,
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::Anonymous, Mode::Confidential];

    pub fn code(self) -> &'static str {
        match self {
            Mode::Anonymous => "anonymous",
            Mode::Confidential => "confidential",
        }
    }

    pub fn parse(raw: &str) -> Result<Mode, InvalidInput> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == raw.trim())
            .ok_or_else(|| InvalidInput::NotOneOf {
                field: Field::Mode,
                value: raw.chars().take(40).collect(),
                allowed: "anonymous, confidential",
            })
    }
}

/// How often a pulse opens a new cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Monthly,
    Quarterly,
}

impl Cadence {
    pub const ALL: [Cadence; 2] = [Cadence::Monthly, Cadence::Quarterly];

    pub fn code(self) -> &'static str {
        match self {
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
        }
    }

    pub fn parse(raw: &str) -> Result<Cadence, InvalidInput> {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == raw.trim())
            .ok_or_else(|| InvalidInput::NotOneOf {
                field: Field::Cadence,
                value: raw.chars().take(40).collect(),
                allowed: "monthly, quarterly",
            })
    }

    /// Months between two cycles' openings.
    pub fn months(self) -> u8 {
        match self {
            Cadence::Monthly => 1,
            Cadence::Quarterly => 3,
        }
    }

    /// When the cycle after one opening at `at` opens: the same day of the month and
    /// time, `months` later (the 31st becomes the month's last day).
    pub fn next(self, at: time::OffsetDateTime) -> time::OffsetDateTime {
        let months = i32::from(at.month() as u8) - 1 + i32::from(self.months());
        let year = at.year() + months / 12;
        let month = time::Month::try_from((months % 12 + 1) as u8).unwrap_or(time::Month::January);
        let day = at.day().min(month.length(year));
        time::Date::from_calendar_date(year, month, day)
            .map(|d| at.replace_date(d))
            .unwrap_or(at + time::Duration::days(30 * i64::from(self.months())))
    }
}

/// One engagement statement, rated 1 (strongly disagree) to 5 (strongly agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement {
    pub key: &'static str,
    pub es: &'static str,
    pub en: &'static str,
}

impl Statement {
    pub fn text(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Es => self.es,
            Lang::En => self.en,
        }
    }
}

/// The eNPS question every pulse asks first.
pub const ENPS: Statement = Statement {
    key: "enps",
    es: "¿Con qué probabilidad recomendarías esta empresa como lugar de trabajo a un amigo?",
    en: "How likely are you to recommend this company to a friend as a place to work?",
};

/// A shipped pulse: its statements after the eNPS question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub key: &'static str,
    pub es: &'static str,
    pub en: &'static str,
    pub cadence: Cadence,
    pub statements: &'static [Statement],
}

impl Template {
    pub fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Es => self.es,
            Lang::En => self.en,
        }
    }

    pub fn find(key: &str) -> Option<&'static Template> {
        TEMPLATES.iter().find(|t| t.key == key.trim())
    }
}

const TOOLS: Statement = Statement {
    key: "tools",
    es: "Tengo lo que necesito para atender bien a nuestros clientes.",
    en: "I have what I need to serve our customers well.",
};
const LEADER: Statement = Statement {
    key: "leader",
    es: "Mi responsable me ayuda a hacer mejor mi trabajo.",
    en: "My manager helps me do my job better.",
};
const RECOGNITION: Statement = Statement {
    key: "recognition",
    es: "Cuando hago un buen trabajo, se reconoce.",
    en: "When I do good work, it is recognised.",
};
const VOICE: Statement = Statement {
    key: "voice",
    es: "Cuando propongo una mejora, se tiene en cuenta.",
    en: "When I suggest an improvement, it is taken into account.",
};
const SUPPORT: Statement = Statement {
    key: "support",
    es: "Los otros departamentos me dan lo que necesito a tiempo.",
    en: "Other departments give me what I need on time.",
};
const GROWTH: Statement = Statement {
    key: "growth",
    es: "Aquí estoy aprendiendo y creciendo.",
    en: "I am learning and growing here.",
};
const PURPOSE: Statement = Statement {
    key: "purpose",
    es: "Sé cómo mi trabajo contribuye a la experiencia que prometemos.",
    en: "I know how my work contributes to the experience we promise.",
};
const STAY: Statement = Statement {
    key: "stay",
    es: "Me veo trabajando aquí dentro de dos años.",
    en: "I see myself working here two years from now.",
};

/// The pulses Cumbre ships.
pub const TEMPLATES: [Template; 2] = [
    Template {
        key: "monthly",
        es: "Pulso mensual",
        en: "Monthly pulse",
        cadence: Cadence::Monthly,
        statements: &[TOOLS, LEADER, RECOGNITION, VOICE],
    },
    Template {
        key: "quarterly",
        es: "Pulso trimestral",
        en: "Quarterly pulse",
        cadence: Cadence::Quarterly,
        statements: &[
            TOOLS,
            LEADER,
            RECOGNITION,
            VOICE,
            SUPPORT,
            GROWTH,
            PURPOSE,
            STAY,
        ],
    },
];

/// Longest comment kept.
pub const COMMENT_CHARS: usize = 2000;

/// One employee's answer to a pulse cycle: every question answered, the comment optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseAnswer {
    pub enps: u8,
    /// One score 1–5 per statement of the template, in its order.
    pub scores: Vec<u8>,
    pub comment: Option<String>,
}

impl PulseAnswer {
    /// Every statement must be answered: a figure over fewer answers than its group would
    /// be a group of its own, and a smaller one.
    pub fn parse(
        template: &Template,
        enps: Option<&str>,
        scores: &[Option<&str>],
        comment: Option<&str>,
    ) -> Result<PulseAnswer, InvalidInput> {
        let number = |raw: Option<&str>, min: i64, max: i64| -> Result<u8, InvalidInput> {
            let raw = raw.map(str::trim).filter(|r| !r.is_empty());
            let raw = raw.ok_or(InvalidInput::Required(Field::Answer))?;
            raw.parse::<i64>()
                .ok()
                .filter(|v| (min..=max).contains(v))
                .map(|v| v as u8)
                .ok_or_else(|| InvalidInput::OutOfRange {
                    field: Field::Answer,
                    min,
                    max,
                    value: raw.chars().take(20).collect(),
                })
        };
        let enps = number(enps, 0, 10)?;
        if scores.len() != template.statements.len() {
            return Err(InvalidInput::Required(Field::Answer));
        }
        let scores = scores
            .iter()
            .map(|s| number(*s, 1, 5))
            .collect::<Result<Vec<u8>, _>>()?;
        let comment = match comment.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c)
                if c.chars()
                    .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t')) =>
            {
                return Err(InvalidInput::ControlCharacters(Field::Comment));
            }
            Some(c) if c.chars().count() > COMMENT_CHARS => {
                return Err(InvalidInput::TooLong {
                    field: Field::Comment,
                    max: COMMENT_CHARS,
                });
            }
            Some(c) => Some(c.replace("\r\n", "\n")),
        };
        Ok(PulseAnswer {
            enps,
            scores,
            comment,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monthly() -> &'static Template {
        Template::find("monthly").expect("shipped")
    }

    #[test]
    fn an_answer_needs_every_question_and_keeps_the_comment_trimmed() {
        let all = [Some("4"), Some("5"), Some("3"), Some("1")];
        let a = PulseAnswer::parse(
            monthly(),
            Some("9"),
            &all,
            Some("  Más personal en verano "),
        )
        .expect("valid");
        assert_eq!(a.enps, 9);
        assert_eq!(a.scores, vec![4, 5, 3, 1]);
        assert_eq!(a.comment.as_deref(), Some("Más personal en verano"));
        assert_eq!(
            PulseAnswer::parse(monthly(), Some("11"), &all, None),
            Err(InvalidInput::OutOfRange {
                field: Field::Answer,
                min: 0,
                max: 10,
                value: "11".into()
            })
        );
        assert_eq!(
            PulseAnswer::parse(monthly(), None, &all, None),
            Err(InvalidInput::Required(Field::Answer))
        );
        let missing = [Some("4"), None, Some("3"), Some("1")];
        assert!(PulseAnswer::parse(monthly(), Some("9"), &missing, None).is_err());
        assert!(PulseAnswer::parse(monthly(), Some("9"), &all[..3], None).is_err());
        let long = "a".repeat(COMMENT_CHARS + 1);
        assert!(PulseAnswer::parse(monthly(), Some("9"), &all, Some(&long)).is_err());
    }

    #[test]
    fn the_next_cycle_opens_on_the_same_day_months_later() {
        use time::macros::datetime;
        assert_eq!(
            Cadence::Monthly.next(datetime!(2026-01-31 08:00 UTC)),
            datetime!(2026-02-28 08:00 UTC)
        );
        assert_eq!(
            Cadence::Quarterly.next(datetime!(2026-11-15 08:00 UTC)),
            datetime!(2027-02-15 08:00 UTC)
        );
        assert_eq!(
            Cadence::Monthly.next(datetime!(2026-12-01 08:00 UTC)),
            datetime!(2027-01-01 08:00 UTC)
        );
    }

    #[test]
    fn modes_and_cadences_read_their_codes_only() {
        assert_eq!(Mode::parse("anonymous"), Ok(Mode::Anonymous));
        assert!(Mode::parse("secret").is_err());
        assert_eq!(Cadence::parse(" quarterly"), Ok(Cadence::Quarterly));
        assert_eq!(Cadence::Quarterly.months(), 3);
        for t in TEMPLATES {
            assert!(!t.statements.is_empty());
            assert!(
                t.statements
                    .iter()
                    .all(|s| !s.es.is_empty() && !s.en.is_empty())
            );
        }
    }
}

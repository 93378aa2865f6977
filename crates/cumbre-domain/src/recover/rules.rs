//! Alert rules: conditions on a response's answers and what to do when they hold (open a
//! recovery case with a priority, e-mail someone, call a webhook). Stored as JSON; where a
//! rule applies (unit subtree, touchpoint, survey, imports) is the rule's row, not this.

use crate::improve::reading::{Reading, Sentiment};
use crate::listen::survey::DefinitionError;
use crate::listen::{QuestionKind, SurveyDefinition};
use crate::org::Email;
use crate::recover::Priority;
use crate::text::fold;
use crate::{Field, InvalidInput};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const MAX_CONDITIONS: usize = 20;
const MAX_WORDS: usize = 50;
const MAX_RECIPIENTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleDefinition {
    /// `true`: every condition must hold; `false` (default): any one.
    #[serde(default)]
    pub all: bool,
    pub conditions: Vec<Condition>,
    /// Open a recovery case with this priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_case: Option<Priority>,
    /// E-mail these addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
    /// POST the response and the case (if any) as JSON to this URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = RuleCondition)]
pub enum Condition {
    /// A score answer within bounds: by question key, or any question of a type
    /// (`nps`, `csat`, `ces`, `rating`) so one rule serves surveys with different keys.
    Score {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        question: Option<String>,
        #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
        question_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<i64>,
    },
    /// A choice question answered with one of these option values.
    Choice {
        question: String,
        #[serde(rename = "in")]
        values: Vec<String>,
    },
    /// Any of these words in the free-text answers, ignoring case and accents.
    Keywords { words: Vec<String> },
    /// The comments read this way (by Cumbre's text analyser).
    Sentiment {
        #[serde(rename = "is")]
        sentiment: Sentiment,
    },
    /// The comments speak of this theme of the taxonomy; with `sentiment`, in that way
    /// ("negative about check-in").
    Theme {
        theme: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sentiment: Option<Sentiment>,
    },
}

impl Condition {
    fn holds(
        &self,
        def: &SurveyDefinition,
        answers: &Map<String, Value>,
        reading: Option<&Reading>,
    ) -> bool {
        match self {
            Condition::Sentiment { sentiment } => {
                reading.is_some_and(|r| r.sentiment == *sentiment)
            }
            Condition::Theme { theme, sentiment } => reading.is_some_and(|r| {
                r.themes
                    .iter()
                    .any(|t| t.theme == *theme && sentiment.is_none_or(|s| t.sentiment == s))
            }),
            Condition::Score {
                question,
                question_type,
                at_most,
                at_least,
            } => def
                .questions
                .iter()
                .filter(|q| q.kind.score_range().is_some())
                .filter(|q| match (question, question_type) {
                    (Some(key), _) => &q.key == key,
                    (None, Some(t)) => q.kind.code() == t,
                    (None, None) => false,
                })
                .filter_map(|q| answers.get(&q.key).and_then(Value::as_i64))
                .any(|v| at_most.is_none_or(|m| v <= m) && at_least.is_none_or(|m| v >= m)),
            Condition::Choice { question, values } => match answers.get(question) {
                Some(Value::String(v)) => values.contains(v),
                Some(Value::Array(list)) => list
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|v| values.iter().any(|w| w == v)),
                _ => false,
            },
            Condition::Keywords { words } => {
                let text: String = def
                    .questions
                    .iter()
                    .filter(|q| matches!(q.kind, QuestionKind::ShortText | QuestionKind::LongText))
                    .filter_map(|q| answers.get(&q.key).and_then(Value::as_str))
                    .map(fold)
                    .collect::<Vec<_>>()
                    .join(" \n ");
                !text.is_empty() && words.iter().map(|w| fold(w)).any(|w| text.contains(&w))
            }
        }
    }
}

impl RuleDefinition {
    /// Whether a response with these answers (and this reading of its comments), to a
    /// survey with this definition, triggers the rule.
    pub fn matches(
        &self,
        def: &SurveyDefinition,
        answers: &Value,
        reading: Option<&Reading>,
    ) -> bool {
        let Some(answers) = answers.as_object() else {
            return false;
        };
        let mut each = self
            .conditions
            .iter()
            .map(|c| c.holds(def, answers, reading));
        if self.all {
            !self.conditions.is_empty() && each.all(|h| h)
        } else {
            each.any(|h| h)
        }
    }

    pub fn from_json(text: &str) -> Result<Self, Vec<DefinitionError>> {
        let rule: RuleDefinition = serde_json::from_str(text).map_err(|e| {
            vec![DefinitionError {
                path: String::new(),
                error: InvalidInput::BadJson {
                    detail: e.to_string(),
                },
            }]
        })?;
        rule.check()?;
        Ok(rule)
    }

    /// Every problem, with its path (`conditions[1].words`).
    pub fn check(&self) -> Result<(), Vec<DefinitionError>> {
        let mut errors = Vec::new();
        let mut fail =
            |path: String, error: InvalidInput| errors.push(DefinitionError { path, error });
        if self.conditions.is_empty() {
            fail(
                "conditions".into(),
                InvalidInput::Required(Field::Condition),
            );
        }
        if self.conditions.len() > MAX_CONDITIONS {
            fail(
                "conditions".into(),
                InvalidInput::TooMany {
                    field: Field::Condition,
                    max: MAX_CONDITIONS,
                },
            );
        }
        for (i, c) in self.conditions.iter().enumerate() {
            let at = |part: &str| format!("conditions[{i}]{part}");
            match c {
                Condition::Score {
                    question,
                    question_type,
                    at_most,
                    at_least,
                } => {
                    match (question, question_type) {
                        (Some(_), Some(_)) | (None, None) => fail(
                            at(".question"),
                            InvalidInput::NotOneOf {
                                field: Field::Question,
                                value: String::new(),
                                allowed: "either a question key or a type (nps, csat, ces, rating)",
                            },
                        ),
                        (None, Some(t))
                            if !["nps", "csat", "ces", "rating"].contains(&t.as_str()) =>
                        {
                            fail(
                                at(".type"),
                                InvalidInput::NotOneOf {
                                    field: Field::Question,
                                    value: t.clone(),
                                    allowed: "nps, csat, ces, rating",
                                },
                            )
                        }
                        _ => {}
                    }
                    if at_most.is_none() && at_least.is_none() {
                        fail(at(".at_most"), InvalidInput::Required(Field::Scale));
                    }
                    for (part, v) in [(".at_most", at_most), (".at_least", at_least)] {
                        if let Some(v) = v.filter(|v| !(0..=10).contains(v)) {
                            fail(
                                at(part),
                                InvalidInput::OutOfRange {
                                    field: Field::Scale,
                                    min: 0,
                                    max: 10,
                                    value: v.to_string(),
                                },
                            );
                        }
                    }
                    // A range no score can fall in would be a rule that never fires.
                    if let (Some(lo), Some(hi)) = (at_least, at_most)
                        && lo > hi
                    {
                        fail(
                            at(".at_least"),
                            InvalidInput::OutOfRange {
                                field: Field::Scale,
                                min: 0,
                                max: *hi,
                                value: lo.to_string(),
                            },
                        );
                    }
                }
                Condition::Choice { question, values } => {
                    if question.trim().is_empty() {
                        fail(at(".question"), InvalidInput::Required(Field::Question));
                    }
                    if values.is_empty() {
                        fail(at(".in"), InvalidInput::Required(Field::Options));
                    }
                }
                Condition::Sentiment { .. } => {}
                // Which themes the tenant has is for the store to say; here, the shape.
                Condition::Theme { theme, .. } => {
                    if !cumbre_text::themes::is_key(theme) {
                        fail(
                            at(".theme"),
                            InvalidInput::UnknownReference {
                                field: Field::Theme,
                                value: theme.chars().take(40).collect(),
                            },
                        );
                    }
                }
                Condition::Keywords { words } => {
                    if words.iter().all(|w| w.trim().is_empty()) {
                        fail(at(".words"), InvalidInput::Required(Field::Words));
                    }
                    if words.len() > MAX_WORDS {
                        fail(
                            at(".words"),
                            InvalidInput::TooMany {
                                field: Field::Words,
                                max: MAX_WORDS,
                            },
                        );
                    }
                    for w in words {
                        if w.trim().chars().count() > 60 {
                            fail(
                                at(".words"),
                                InvalidInput::TooLong {
                                    field: Field::Words,
                                    max: 60,
                                },
                            );
                        }
                    }
                }
            }
        }
        if self.open_case.is_none() && self.notify.is_empty() && self.webhook.is_none() {
            fail("open_case".into(), InvalidInput::Required(Field::Priority));
        }
        if self.notify.len() > MAX_RECIPIENTS {
            fail(
                "notify".into(),
                InvalidInput::TooMany {
                    field: Field::Email,
                    max: MAX_RECIPIENTS,
                },
            );
        }
        for (i, e) in self.notify.iter().enumerate() {
            if let Err(err) = Email::parse(e) {
                fail(format!("notify[{i}]"), err);
            }
        }
        if let Some(url) = &self.webhook
            && (!(url.starts_with("https://") || url.starts_with("http://"))
                || url.len() > 500
                || url.chars().any(char::is_whitespace))
        {
            fail(
                "webhook".into(),
                InvalidInput::NotOneOf {
                    field: Field::Webhook,
                    value: url.clone(),
                    allowed: "an http:// or https:// address",
                },
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn survey() -> SurveyDefinition {
        crate::listen::templates::TEMPLATES
            .iter()
            .find(|t| t.key == "post-stay-nps")
            .map(|t| SurveyDefinition::from_json(t.json).expect("template"))
            .expect("post-stay template")
    }

    fn rule(json: Value) -> RuleDefinition {
        RuleDefinition::from_json(&json.to_string()).expect("a valid rule")
    }

    #[test]
    fn detractors_by_type_or_key_and_keywords_ignoring_accents() {
        let def = survey();
        let detractor = rule(
            json!({"conditions": [{"kind": "score", "type": "nps", "at_most": 6}], "open_case": "high"}),
        );
        assert!(detractor.matches(&def, &json!({"nps": 6}), None));
        assert!(!detractor.matches(&def, &json!({"nps": 7}), None));
        assert!(
            !detractor.matches(&def, &json!({}), None),
            "no answer, no alert"
        );
        let by_key = rule(
            json!({"conditions": [{"kind": "score", "question": "nps", "at_least": 0, "at_most": 2}], "open_case": "urgent"}),
        );
        assert!(by_key.matches(&def, &json!({"nps": 0}), None));
        let words = rule(
            json!({"conditions": [{"kind": "keywords", "words": ["sucio", "ESPERA"]}], "notify": ["gerente@hotel.example"]}),
        );
        assert!(words.matches(
            &def,
            &json!({"nps": 9, "fix": "Demasiada espéra en recepción"}),
            None
        ));
        assert!(!words.matches(&def, &json!({"nps": 9, "fix": "Todo perfecto"}), None));
    }

    #[test]
    fn conditions_on_how_the_comment_reads_and_what_it_is_about() {
        use crate::improve::reading::ThemeReading;
        let def = survey();
        let reading = Reading {
            language: "es".into(),
            sentiment: Sentiment::Neutral,
            score: 0.0,
            cues: Vec::new(),
            themes: vec![
                ThemeReading {
                    theme: "room".into(),
                    sentiment: Sentiment::Positive,
                    score: 2.0,
                    terms: vec!["habitacion".into()],
                },
                ThemeReading {
                    theme: "checkin_checkout".into(),
                    sentiment: Sentiment::Negative,
                    score: -2.0,
                    terms: vec!["check in".into()],
                },
            ],
            mentions: Vec::new(),
        };
        let answers = json!({"nps": 8, "fix": "…"});
        let checkin = rule(
            json!({"conditions": [{"kind": "theme", "theme": "checkin_checkout", "sentiment": "negative"}], "open_case": "high"}),
        );
        assert!(checkin.matches(&def, &answers, Some(&reading)));
        assert!(
            !checkin.matches(&def, &answers, None),
            "no comment, no alert"
        );
        let room = rule(
            json!({"conditions": [{"kind": "theme", "theme": "room", "sentiment": "negative"}], "open_case": "high"}),
        );
        assert!(
            !room.matches(&def, &answers, Some(&reading)),
            "the room was praised"
        );
        let any_room =
            rule(json!({"conditions": [{"kind": "theme", "theme": "room"}], "open_case": "low"}));
        assert!(any_room.matches(&def, &answers, Some(&reading)));
        let negative = rule(
            json!({"conditions": [{"kind": "sentiment", "is": "negative"}], "open_case": "low"}),
        );
        assert!(
            !negative.matches(&def, &answers, Some(&reading)),
            "a mixed comment"
        );
        let bad = RuleDefinition::from_json(
            &json!({"conditions": [{"kind": "theme", "theme": "Not a key!"}], "open_case": "low"})
                .to_string(),
        )
        .expect_err("not a theme's key");
        assert_eq!(bad[0].path, "conditions[0].theme");
    }

    #[test]
    fn all_needs_every_condition_and_any_one() {
        let def = survey();
        let conditions = json!([
            {"kind": "score", "type": "nps", "at_most": 6},
            {"kind": "keywords", "words": ["ruido"]}
        ]);
        let all = rule(json!({"all": true, "conditions": conditions, "open_case": "urgent"}));
        let any = rule(json!({"conditions": conditions, "open_case": "normal"}));
        let low_quiet = json!({"nps": 3, "fix": "La cama"});
        assert!(!all.matches(&def, &low_quiet, None));
        assert!(any.matches(&def, &low_quiet, None));
        assert!(all.matches(&def, &json!({"nps": 3, "fix": "Mucho ruido"}), None));
    }

    #[test]
    fn choices_match_single_and_multiple_answers() {
        let def = SurveyDefinition::from_json(
            &json!({"title": {"es": "t", "en": "t"}, "questions": [
                {"key": "why", "type": "multiple_choice", "prompt": {"es": "¿Por qué?", "en": "Why?"},
                 "options": [{"value": "wait", "label": {"es": "Espera", "en": "Wait"}},
                             {"value": "noise", "label": {"es": "Ruido", "en": "Noise"}}]}]})
            .to_string(),
        )
        .expect("survey");
        let r = rule(
            json!({"conditions": [{"kind": "choice", "question": "why", "in": ["noise"]}], "open_case": "low"}),
        );
        assert!(r.matches(&def, &json!({"why": ["wait", "noise"]}), None));
        assert!(!r.matches(&def, &json!({"why": ["wait"]}), None));
    }

    #[test]
    fn bad_rules_say_where_and_why() {
        let errors = RuleDefinition::from_json(
            &json!({"conditions": [
                {"kind": "score", "type": "stars"},
                {"kind": "keywords", "words": []}
            ], "notify": ["not-an-address"], "webhook": "ftp://x"})
            .to_string(),
        )
        .expect_err("refused");
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "conditions[0].type",
                "conditions[0].at_most",
                "conditions[1].words",
                "notify[0]",
                "webhook"
            ]
        );
        let nothing_to_do = RuleDefinition::from_json(
            &json!({"conditions": [{"kind": "score", "type": "nps", "at_most": 6}]}).to_string(),
        )
        .expect_err("a rule must do something");
        assert_eq!(nothing_to_do[0].path, "open_case");
        let empty_range = RuleDefinition::from_json(
            &json!({"conditions": [{"kind": "score", "question": "nps", "at_least": 9, "at_most": 3}], "open_case": "high"})
                .to_string(),
        )
        .expect_err("a range no score falls in never fires");
        assert_eq!(empty_range[0].path, "conditions[0].at_least");
        let high = RuleDefinition::from_json(
            &json!({"conditions": [{"kind": "score", "type": "nps", "at_least": 11}], "open_case": "high"})
                .to_string(),
        )
        .expect_err("out of the scale");
        assert_eq!(high[0].path, "conditions[0].at_least");
    }
}

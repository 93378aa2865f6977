//! Survey definitions: the questions, their translations and display logic. A definition is
//! JSON (the builder, the API and `cumbre survey import` all speak it) checked completely by
//! [`SurveyDefinition::from_json`] before it is stored.

use super::Texts;
use crate::{Field, InvalidInput};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SurveyStatus {
    Draft,
    Published,
    Closed,
}

impl SurveyStatus {
    pub fn code(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "draft",
            SurveyStatus::Published => "published",
            SurveyStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            SurveyStatus::Draft,
            SurveyStatus::Published,
            SurveyStatus::Closed,
        ]
        .into_iter()
        .find(|s| s.code() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyDefinition {
    pub title: Texts,
    #[serde(default, skip_serializing_if = "Texts::is_empty")]
    pub intro: Texts,
    #[serde(default, skip_serializing_if = "Texts::is_empty")]
    pub thanks: Texts,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    pub key: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
    pub prompt: Texts,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// The key of the standard this question asks the customer about ("how quick was
    /// your check-in?" for `checkin-wait`): a scored question whose favourable answers
    /// count as the customers saying the standard was met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Net Promoter Score: 0–10.
    Nps,
    /// Customer satisfaction: 1–5.
    Csat,
    /// Customer effort: 1 (very easy) – 7 (very hard).
    Ces,
    /// Stars or a numeric scale: 1–`scale`.
    Rating {
        scale: i64,
    },
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleChoice {
        options: Vec<Choice>,
    },
    ShortText,
    LongText,
    /// Name, e-mail and phone, kept only with the respondent's consent.
    Contact,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: Texts,
}

/// Show the question only when the answer to `question` is one of `values` (for multiple
/// choice: when any of its selected options is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ShowIf)]
pub struct Condition {
    pub question: String,
    #[serde(rename = "in")]
    pub values: Vec<Value>,
}

/// One problem in a definition, with where it is (`questions[2].options`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub path: String,
    pub error: InvalidInput,
}

impl Texts {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl QuestionKind {
    pub fn code(&self) -> &'static str {
        match self {
            QuestionKind::Nps => "nps",
            QuestionKind::Csat => "csat",
            QuestionKind::Ces => "ces",
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultipleChoice { .. } => "multiple_choice",
            QuestionKind::ShortText => "short_text",
            QuestionKind::LongText => "long_text",
            QuestionKind::Contact => "contact",
        }
    }

    /// The answers that say "met" when the question asks about a standard: the top box
    /// (CSAT 4–5, NPS 9–10, CES 1–3, a rating's top fifth, at least its highest point).
    pub fn favourable(&self) -> Option<(i64, i64)> {
        match self {
            QuestionKind::Nps => Some((9, 10)),
            QuestionKind::Csat => Some((4, 5)),
            QuestionKind::Ces => Some((1, 3)),
            // ⌈0.8 × scale⌉: 5 → 4–5, 10 → 8–10, 3 → 3.
            QuestionKind::Rating { scale } => Some(((scale * 4 + 4) / 5, *scale)),
            _ => None,
        }
    }

    /// The inclusive range of a score question.
    pub fn score_range(&self) -> Option<(i64, i64)> {
        match self {
            QuestionKind::Nps => Some((0, 10)),
            QuestionKind::Csat => Some((1, 5)),
            QuestionKind::Ces => Some((1, 7)),
            QuestionKind::Rating { scale } => Some((1, *scale)),
            _ => None,
        }
    }

    pub fn options(&self) -> &[Choice] {
        match self {
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                options
            }
            _ => &[],
        }
    }
}

pub const MAX_QUESTIONS: usize = 50;
const MAX_OPTIONS: usize = 30;

fn valid_key(key: &str) -> bool {
    (1..=40).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// A question's fields are read through `flatten` (its type decides which apply), where
/// serde cannot refuse unknown ones: a misspelt `requird` would silently make a required
/// question optional. They are checked here, on the raw document, instead.
fn unknown_question_fields(value: &Value) -> Result<(), Vec<DefinitionError>> {
    let Some(questions) = value.get("questions").and_then(Value::as_array) else {
        return Ok(());
    };
    let mut errors = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let Some(fields) = q.as_object() else {
            continue;
        };
        let extra: &[&str] = match fields.get("type").and_then(Value::as_str) {
            Some("rating") => &["scale"],
            Some("single_choice" | "multiple_choice") => &["options"],
            _ => &[],
        };
        for name in fields.keys() {
            let known = ["key", "type", "prompt", "required", "show_if", "standard"]
                .contains(&name.as_str())
                || extra.contains(&name.as_str());
            if !known {
                errors.push(DefinitionError {
                    path: format!(
                        "questions[{i}].{}",
                        name.chars().take(40).collect::<String>()
                    ),
                    error: InvalidInput::UnknownField {
                        value: name.chars().take(40).collect(),
                    },
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

impl SurveyDefinition {
    /// What the respondent wrote in their own words (the short and long text questions),
    /// in question order: a choice's value or a score is not a comment.
    pub fn comments<'a>(&self, answers: &'a serde_json::Value) -> Vec<&'a str> {
        self.questions
            .iter()
            .filter(|q| matches!(q.kind, QuestionKind::ShortText | QuestionKind::LongText))
            .filter_map(|q| answers.get(&q.key).and_then(serde_json::Value::as_str))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The answers to its free-text questions as written, in the questions' order, one
    /// to a line: what the text analyser reads (a chosen option's code, a contact's name
    /// are not comments).
    pub fn comment_text(&self, answers: &super::Answers) -> String {
        let mut out = String::new();
        for q in &self.questions {
            if !matches!(q.kind, QuestionKind::ShortText | QuestionKind::LongText) {
                continue;
            }
            if let Some(super::answers::Answer::Text(t)) = answers.0.get(&q.key)
                && !t.trim().is_empty()
            {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(t.trim());
            }
        }
        out
    }

    /// Parses and checks a definition; every problem is reported with its path.
    pub fn from_json(text: &str) -> Result<Self, Vec<DefinitionError>> {
        let bad = |detail: String| {
            vec![DefinitionError {
                path: String::new(),
                error: InvalidInput::BadJson {
                    detail: crate::input::readable_json_error(&detail),
                },
            }]
        };
        let value: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        unknown_question_fields(&value)?;
        let def: SurveyDefinition =
            serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        def.check()?;
        Ok(def)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn check(&self) -> Result<(), Vec<DefinitionError>> {
        let mut errors = Vec::new();
        let mut fail =
            |path: String, error: InvalidInput| errors.push(DefinitionError { path, error });
        if let Err(e) = self.title.check(Field::Title, 200) {
            fail("title".into(), e);
        }
        for (name, texts) in [("intro", &self.intro), ("thanks", &self.thanks)] {
            if !texts.is_empty()
                && let Err(e) = texts.check(Field::Description, 1000)
            {
                fail(name.into(), e);
            }
        }
        if self.questions.is_empty() {
            fail("questions".into(), InvalidInput::Required(Field::Question));
        }
        if self.questions.len() > MAX_QUESTIONS {
            fail(
                "questions".into(),
                InvalidInput::TooMany {
                    field: Field::Question,
                    max: MAX_QUESTIONS,
                },
            );
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let mut contacts = 0;
        for (i, q) in self.questions.iter().enumerate() {
            let at = |part: &str| format!("questions[{i}]{part}");
            if !valid_key(&q.key) {
                fail(
                    at(".key"),
                    InvalidInput::BadKey {
                        value: q.key.clone(),
                    },
                );
            } else if !seen.insert(&q.key) {
                fail(
                    at(".key"),
                    InvalidInput::Duplicate {
                        field: Field::Key,
                        value: q.key.clone(),
                    },
                );
            }
            if let Err(e) = q.prompt.check(Field::Question, 500) {
                fail(at(".prompt"), e);
            }
            match &q.kind {
                QuestionKind::Rating { scale } if !(2..=10).contains(scale) => {
                    fail(
                        at(".scale"),
                        InvalidInput::OutOfRange {
                            field: Field::Scale,
                            min: 2,
                            max: 10,
                            value: scale.to_string(),
                        },
                    );
                }
                QuestionKind::SingleChoice { options }
                | QuestionKind::MultipleChoice { options } => {
                    if options.is_empty() {
                        fail(at(".options"), InvalidInput::Required(Field::Options));
                    }
                    if options.len() > MAX_OPTIONS {
                        fail(
                            at(".options"),
                            InvalidInput::TooMany {
                                field: Field::Options,
                                max: MAX_OPTIONS,
                            },
                        );
                    }
                    let mut values = HashSet::new();
                    for (j, o) in options.iter().enumerate() {
                        if !valid_key(&o.value) {
                            fail(
                                at(&format!(".options[{j}].value")),
                                InvalidInput::BadKey {
                                    value: o.value.clone(),
                                },
                            );
                        } else if !values.insert(o.value.as_str()) {
                            fail(
                                at(&format!(".options[{j}].value")),
                                InvalidInput::Duplicate {
                                    field: Field::Options,
                                    value: o.value.clone(),
                                },
                            );
                        }
                        if let Err(e) = o.label.check(Field::Options, 200) {
                            fail(at(&format!(".options[{j}].label")), e);
                        }
                    }
                }
                QuestionKind::Contact => {
                    contacts += 1;
                    if contacts > 1 {
                        fail(
                            at(".type"),
                            InvalidInput::TooMany {
                                field: Field::Contact,
                                max: 1,
                            },
                        );
                    }
                }
                _ => {}
            }
            if let Some(standard) = &q.standard {
                if let Err(e) = crate::decide::standard::parse_key(standard) {
                    fail(at(".standard"), e);
                } else if q.kind.favourable().is_none() {
                    fail(
                        at(".standard"),
                        InvalidInput::StandardNeedsScore {
                            value: q.key.clone(),
                        },
                    );
                }
            }
            if let Some(cond) = &q.show_if {
                match self.questions[..i].iter().find(|p| p.key == cond.question) {
                    None => fail(
                        at(".show_if.question"),
                        InvalidInput::ConditionOrder {
                            value: cond.question.clone(),
                        },
                    ),
                    Some(source) => {
                        if cond.values.is_empty() {
                            fail(at(".show_if.in"), InvalidInput::Required(Field::Options));
                        }
                        for v in &cond.values {
                            if !source_accepts(&source.kind, v) {
                                fail(
                                    at(".show_if.in"),
                                    InvalidInput::NotAnOption {
                                        value: v.to_string(),
                                    },
                                );
                            }
                        }
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }
}

/// Whether `value` could be an answer of a question of `kind` (for display conditions).
fn source_accepts(kind: &QuestionKind, value: &Value) -> bool {
    if let Some((min, max)) = kind.score_range() {
        return value.as_i64().is_some_and(|n| (min..=max).contains(&n));
    }
    match kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => value
            .as_str()
            .is_some_and(|s| options.iter().any(|o| o.value == s)),
        _ => false,
    }
}

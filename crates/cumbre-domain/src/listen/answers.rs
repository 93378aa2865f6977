//! Checking a respondent's answers against the definition they answered. Input comes as
//! JSON values: numbers or numeric strings for scores (HTML forms send strings), a string for
//! a single choice or text, an array for multiple choice, an object for contact details.

use super::survey::{Question, QuestionKind, SurveyDefinition};
use crate::InvalidInput;
use crate::org::Email;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const SHORT_TEXT_MAX: usize = 200;
pub const LONG_TEXT_MAX: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Answer {
    Score(i64),
    Text(String),
    Choices(Vec<String>),
    Contact(Contact),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Checked answers, by question key. Only visible, answered questions appear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Answers(pub BTreeMap<String, Answer>);

/// Problems by question key (`""` for the whole submission).
pub type FieldErrors = Vec<(String, InvalidInput)>;

impl Answers {
    /// The score of the first NPS question, which drives promoter/detractor filters.
    pub fn nps(&self, def: &SurveyDefinition) -> Option<i64> {
        def.questions
            .iter()
            .filter(|q| q.kind == QuestionKind::Nps)
            .find_map(|q| match self.0.get(&q.key) {
                Some(Answer::Score(n)) => Some(*n),
                _ => None,
            })
    }

    /// The free-text answers (and contact names), folded for accent- and case-blind search.
    pub fn search_text(&self) -> String {
        let mut parts = Vec::new();
        for answer in self.0.values() {
            match answer {
                Answer::Text(t) => parts.push(t.as_str()),
                Answer::Contact(c) => parts.extend(
                    [c.name.as_deref(), c.email.as_deref()]
                        .into_iter()
                        .flatten(),
                ),
                _ => {}
            }
        }
        crate::text::fold(&parts.join(" "))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.iter().all(is_blank),
        Value::Object(o) => o.iter().all(|(k, v)| k == "consent" || is_blank(v)),
        _ => false,
    }
}

/// Checks `raw` against `def`. Answers to hidden questions are dropped; unknown keys and
/// invalid values are errors, each reported against its question.
pub fn check(def: &SurveyDefinition, raw: &Map<String, Value>) -> Result<Answers, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    for key in raw.keys() {
        if def.question(key).is_none() {
            errors.push((
                key.clone(),
                InvalidInput::UnknownQuestion { value: key.clone() },
            ));
        }
    }
    let mut answers = Answers::default();
    for q in &def.questions {
        if !visible(q, &answers) {
            continue;
        }
        match raw.get(&q.key).filter(|v| !is_blank(v)) {
            None => {
                if q.required {
                    errors.push((q.key.clone(), InvalidInput::Required(crate::Field::Answer)));
                }
            }
            Some(value) => match check_one(q, value) {
                Ok(Some(a)) => {
                    answers.0.insert(q.key.clone(), a);
                }
                Ok(None) => {}
                Err(e) => errors.push((q.key.clone(), e)),
            },
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

/// [`check`] for the JSON API, where answers come as JSON values: a score must be a
/// number (`9`, not `"9"`). Forms and the kiosk send every answer as text and use
/// [`check`].
pub fn check_json(
    def: &SurveyDefinition,
    raw: &Map<String, Value>,
) -> Result<Answers, FieldErrors> {
    let errors: FieldErrors = def
        .questions
        .iter()
        .filter(|q| q.kind.score_range().is_some())
        .filter_map(|q| {
            let v = raw.get(&q.key)?;
            (!v.is_number() && !v.is_null()).then(|| {
                (
                    q.key.clone(),
                    InvalidInput::NotANumber {
                        field: crate::Field::Answer,
                        value: v.to_string().chars().take(40).collect(),
                    },
                )
            })
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    check(def, raw)
}

/// The questions that apply to these answers, in order: those without a condition and
/// those whose condition the answers meet (an answer that does not check counts as none).
/// A form without scripts shows these; after a submission it shows those newly applying.
pub fn applicable<'a>(def: &'a SurveyDefinition, raw: &Map<String, Value>) -> Vec<&'a str> {
    let mut answers = Answers::default();
    let mut out = Vec::new();
    for q in &def.questions {
        if !visible(q, &answers) {
            continue;
        }
        out.push(q.key.as_str());
        if let Some(Ok(Some(a))) = raw
            .get(&q.key)
            .filter(|v| !is_blank(v))
            .map(|v| check_one(q, v))
        {
            answers.0.insert(q.key.clone(), a);
        }
    }
    out
}

/// Whether `raw` holds something written or chosen for `key`.
pub fn answered(raw: &Map<String, Value>, key: &str) -> bool {
    raw.get(key).is_some_and(|v| !is_blank(v))
}

/// Whether `q` is shown given the answers so far (conditions refer to earlier questions).
pub fn visible(q: &Question, answers: &Answers) -> bool {
    let Some(cond) = &q.show_if else { return true };
    match answers.0.get(&cond.question) {
        Some(Answer::Score(n)) => cond.values.iter().any(|v| v.as_i64() == Some(*n)),
        Some(Answer::Text(s)) => cond.values.iter().any(|v| v.as_str() == Some(s)),
        Some(Answer::Choices(list)) => list
            .iter()
            .any(|s| cond.values.iter().any(|v| v.as_str() == Some(s))),
        _ => false,
    }
}

fn score(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(value: &Value, max: usize, multiline: bool) -> Result<String, InvalidInput> {
    let s = value.as_str().ok_or(InvalidInput::BadForm)?.trim();
    if s.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(InvalidInput::ControlCharacters(crate::Field::Answer));
    }
    if s.chars().count() > max {
        return Err(InvalidInput::TooLong {
            field: crate::Field::Answer,
            max,
        });
    }
    Ok(s.replace("\r\n", "\n"))
}

fn check_one(q: &Question, value: &Value) -> Result<Option<Answer>, InvalidInput> {
    if let Some((min, max)) = q.kind.score_range() {
        let n = score(value).ok_or_else(|| InvalidInput::NotANumber {
            field: crate::Field::Answer,
            value: value_text(value),
        })?;
        if !(min..=max).contains(&n) {
            return Err(InvalidInput::OutOfRange {
                field: crate::Field::Answer,
                min,
                max,
                value: n.to_string(),
            });
        }
        return Ok(Some(Answer::Score(n)));
    }
    match &q.kind {
        QuestionKind::SingleChoice { options } => {
            let v = value.as_str().map(str::trim).unwrap_or_default();
            if options.iter().any(|o| o.value == v) {
                Ok(Some(Answer::Text(v.to_owned())))
            } else {
                Err(InvalidInput::NotAnOption {
                    value: value_text(value),
                })
            }
        }
        QuestionKind::MultipleChoice { options } => {
            let items: Vec<&Value> = match value {
                Value::Array(a) => a.iter().collect(),
                single => vec![single],
            };
            let mut chosen: Vec<String> = Vec::new();
            for item in items.into_iter().filter(|v| !is_blank(v)) {
                let v = item.as_str().map(str::trim).unwrap_or_default();
                if !options.iter().any(|o| o.value == v) {
                    return Err(InvalidInput::NotAnOption {
                        value: value_text(item),
                    });
                }
                if !chosen.iter().any(|c| c == v) {
                    chosen.push(v.to_owned());
                }
            }
            // Keep the definition's order, so equal selections store equally.
            chosen.sort_by_key(|c| options.iter().position(|o| &o.value == c));
            Ok(Some(Answer::Choices(chosen)))
        }
        QuestionKind::ShortText => Ok(Some(Answer::Text(text(value, SHORT_TEXT_MAX, false)?))),
        QuestionKind::LongText => Ok(Some(Answer::Text(text(value, LONG_TEXT_MAX, true)?))),
        QuestionKind::Contact => contact(value),
        _ => Err(InvalidInput::BadForm),
    }
}

/// Contact details are kept only with consent, and then need an e-mail or a phone.
fn contact(value: &Value) -> Result<Option<Answer>, InvalidInput> {
    let obj = value.as_object().ok_or(InvalidInput::BadForm)?;
    let consent = match obj.get("consent") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "1" | "true" | "on" | "yes"),
        _ => false,
    };
    if !consent {
        return Ok(None);
    }
    let field = |k: &str, max: usize| -> Result<Option<String>, InvalidInput> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let t = text(v, max, false)?;
                Ok((!t.is_empty()).then_some(t))
            }
        }
    };
    let name = field("name", 120)?;
    let email = field("email", 254)?
        .map(|e| Email::parse(&e).map(|e| e.as_str().to_owned()))
        .transpose()?;
    let phone = field("phone", 40)?;
    if let Some(p) = &phone {
        check_phone(p)?;
    }
    if email.is_none() && phone.is_none() {
        return Err(InvalidInput::ContactNeedsChannel);
    }
    Ok(Some(Answer::Contact(Contact { name, email, phone })))
}

/// A phone number as people write one: digits (six or more), spaces, `+-().`.
pub fn check_phone(p: &str) -> Result<(), InvalidInput> {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    if digits < 6
        || !p
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return Err(InvalidInput::Phone {
            value: p.chars().take(40).collect(),
        });
    }
    Ok(())
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

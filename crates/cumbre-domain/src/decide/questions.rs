//! A programme's free questions: what the shopper is asked besides the standards ("what did
//! the receptionist recommend?", "would you come back?"). They are not scored; each audit
//! answers them, and the team reads the answers beside the items.

use crate::{Field, InvalidInput};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

pub const MAX_QUESTIONS: usize = 20;
pub const MAX_PROMPT: usize = 500;
pub const MAX_TEXT: usize = 2_000;

/// How a free question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    Text,
    YesNo,
    /// 1 (poor) to 5 (excellent).
    Rating,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FreeQuestion {
    /// 1–40 of a–z, 0–9, `_` and `-`, unique in the programme.
    pub key: String,
    pub prompt: String,
    pub kind: AnswerKind,
}

/// An answer as stored: text, yes/no or a rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum FreeAnswer {
    YesNo(bool),
    Rating(u8),
    Text(String),
}

/// Checks a programme's questions: keys valid and distinct, prompts present.
pub fn check_questions(list: Vec<FreeQuestion>) -> Result<Vec<FreeQuestion>, InvalidInput> {
    if list.len() > MAX_QUESTIONS {
        return Err(InvalidInput::TooMany {
            field: Field::Question,
            max: MAX_QUESTIONS,
        });
    }
    let mut seen = HashSet::new();
    list.into_iter()
        .map(|q| {
            let key = super::standard::parse_key(&q.key)?;
            if !seen.insert(key.clone()) {
                return Err(InvalidInput::Duplicate {
                    field: Field::Key,
                    value: key,
                });
            }
            Ok(FreeQuestion {
                key,
                prompt: crate::input::required_text(&q.prompt, Field::Question, MAX_PROMPT)?,
                kind: q.kind,
            })
        })
        .collect()
}

/// Checks what a shopper answered, as text from a form or the API (`yes`/`no`/`sí`,
/// `1`–`5`); a blank answer is no answer (none is required). Problems by question key.
pub fn check_answers(
    questions: &[FreeQuestion],
    raw: &[(String, String)],
) -> Result<BTreeMap<String, FreeAnswer>, Vec<(String, InvalidInput)>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, value) in raw {
        let Some(q) = questions.iter().find(|q| &q.key == key) else {
            errors.push((
                key.chars().take(40).collect(),
                InvalidInput::UnknownQuestion {
                    value: key.chars().take(40).collect(),
                },
            ));
            continue;
        };
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        let answer = match q.kind {
            AnswerKind::Text => {
                crate::input::required_text(v, Field::Answer, MAX_TEXT).map(FreeAnswer::Text)
            }
            AnswerKind::YesNo => match v.to_lowercase().as_str() {
                "yes" | "sí" | "si" | "true" => Ok(FreeAnswer::YesNo(true)),
                "no" | "false" => Ok(FreeAnswer::YesNo(false)),
                _ => Err(InvalidInput::NotOneOf {
                    field: Field::Answer,
                    value: v.chars().take(40).collect(),
                    allowed: "yes, no",
                }),
            },
            AnswerKind::Rating => match v.parse::<u8>() {
                Ok(n @ 1..=5) => Ok(FreeAnswer::Rating(n)),
                _ => Err(InvalidInput::OutOfRange {
                    field: Field::Answer,
                    min: 1,
                    max: 5,
                    value: v.chars().take(40).collect(),
                }),
            },
        };
        match answer {
            Ok(a) => {
                out.insert(q.key.clone(), a);
            }
            Err(e) => errors.push((q.key.clone(), e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(key: &str, kind: AnswerKind) -> FreeQuestion {
        FreeQuestion {
            key: key.into(),
            prompt: "¿Qué le recomendaron?".into(),
            kind,
        }
    }

    #[test]
    fn questions_need_distinct_keys_and_a_prompt() {
        assert!(check_questions(vec![q("tip", AnswerKind::Text)]).is_ok());
        assert!(matches!(
            check_questions(vec![
                q("tip", AnswerKind::Text),
                q("tip", AnswerKind::YesNo)
            ]),
            Err(InvalidInput::Duplicate { .. })
        ));
        assert!(check_questions(vec![q("No Key", AnswerKind::Text)]).is_err());
        let mut blank = q("tip", AnswerKind::Text);
        blank.prompt = "  ".into();
        assert_eq!(
            check_questions(vec![blank]),
            Err(InvalidInput::Required(Field::Question))
        );
    }

    #[test]
    fn answers_are_read_by_their_kind() {
        let qs = [
            q("tip", AnswerKind::Text),
            q("back", AnswerKind::YesNo),
            q("stars", AnswerKind::Rating),
        ];
        let raw = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect()
        };
        let got = check_answers(
            &qs,
            &raw(&[("tip", " El ceviche "), ("back", "Sí"), ("stars", "4")]),
        )
        .expect("valid");
        assert_eq!(got["tip"], FreeAnswer::Text("El ceviche".into()));
        assert_eq!(got["back"], FreeAnswer::YesNo(true));
        assert_eq!(got["stars"], FreeAnswer::Rating(4));
        // Blank is unanswered; every problem at once.
        assert!(
            check_answers(&qs, &raw(&[("tip", "")]))
                .expect("ok")
                .is_empty()
        );
        let errors = check_answers(&qs, &raw(&[("back", "quizá"), ("stars", "6"), ("x", "1")]))
            .expect_err("three problems");
        assert_eq!(errors.len(), 3);
    }
}

//! The service vision: what the company promises its customers (the vision), why they
//! should choose it (the value proposition) and the values its people serve by. It is
//! published in versions; each employee acknowledges the version they read, and the
//! values are a list other features point to by key (recognition tags one).

use super::standard::parse_key;
use crate::listen::Texts;
use crate::{Field, InvalidInput};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

pub const MAX_VISION: usize = 2_000;
pub const MAX_PROPOSITION: usize = 1_000;
pub const MAX_VALUES: usize = 12;
pub const MAX_VALUE_NAME: usize = 80;
pub const MAX_MEANING: usize = 500;

/// One published version's content, in Spanish and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisionDefinition {
    #[schema(value_type = Object)]
    pub vision: Texts,
    #[schema(value_type = Object)]
    pub proposition: Texts,
    /// In the order the company lists them.
    pub values: Vec<ValueDefinition>,
}

/// A value: its key stays when its words change, so what points at it keeps pointing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueDefinition {
    pub key: String,
    #[schema(value_type = Object)]
    pub name: Texts,
    /// What living the value looks like at work.
    #[schema(value_type = Object)]
    pub meaning: Texts,
}

impl VisionDefinition {
    /// Checks every part (both languages, lengths, one to twelve values with distinct
    /// keys) and returns it with keys and texts trimmed.
    pub fn check(mut self) -> Result<Self, InvalidInput> {
        trim(&mut self.vision);
        trim(&mut self.proposition);
        self.vision.check(Field::Vision, MAX_VISION)?;
        self.proposition
            .check(Field::Proposition, MAX_PROPOSITION)?;
        if self.values.is_empty() {
            return Err(InvalidInput::Required(Field::Value));
        }
        if self.values.len() > MAX_VALUES {
            return Err(InvalidInput::TooMany {
                field: Field::Value,
                max: MAX_VALUES,
            });
        }
        let mut seen = HashSet::new();
        for v in &mut self.values {
            v.key = parse_key(&v.key)?;
            if !seen.insert(v.key.clone()) {
                return Err(InvalidInput::Duplicate {
                    field: Field::Value,
                    value: v.key.clone(),
                });
            }
            trim(&mut v.name);
            trim(&mut v.meaning);
            v.name.check(Field::Value, MAX_VALUE_NAME)?;
            v.meaning.check(Field::Description, MAX_MEANING)?;
        }
        Ok(self)
    }
}

fn trim(t: &mut Texts) {
    for text in t.0.values_mut() {
        let trimmed = text.trim();
        if trimmed.len() != text.len() {
            *text = trimmed.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(key: &str) -> ValueDefinition {
        ValueDefinition {
            key: key.into(),
            name: Texts::new("Calidez", "Warmth"),
            meaning: Texts::new(
                "Tratamos a cada huésped por su nombre",
                "We greet guests by name",
            ),
        }
    }

    fn vision(values: Vec<ValueDefinition>) -> VisionDefinition {
        VisionDefinition {
            vision: Texts::new(
                " Cada huésped se siente en casa ",
                "Every guest feels at home",
            ),
            proposition: Texts::new("Descanso sin sorpresas", "Rest without surprises"),
            values,
        }
    }

    #[test]
    fn a_checked_vision_is_trimmed() {
        let v = vision(vec![value(" warmth ")]).check().unwrap();
        assert_eq!(v.values[0].key, "warmth");
        assert_eq!(v.vision.0["es"], "Cada huésped se siente en casa");
    }

    #[test]
    fn values_are_one_to_twelve_with_distinct_keys() {
        assert_eq!(
            vision(vec![]).check(),
            Err(InvalidInput::Required(Field::Value))
        );
        let many = (0..13).map(|i| value(&format!("v{i}"))).collect();
        assert!(matches!(
            vision(many).check(),
            Err(InvalidInput::TooMany { max: 12, .. })
        ));
        assert!(matches!(
            vision(vec![value("warmth"), value("warmth")]).check(),
            Err(InvalidInput::Duplicate { .. })
        ));
        assert!(matches!(
            vision(vec![value("Warm th")]).check(),
            Err(InvalidInput::BadKey { .. })
        ));
    }

    #[test]
    fn both_languages_are_required() {
        let mut v = vision(vec![value("warmth")]);
        v.proposition.0.remove("en");
        assert!(matches!(
            v.check(),
            Err(InvalidInput::MissingTranslation {
                field: Field::Proposition,
                ..
            })
        ));
        let mut v = vision(vec![value("warmth")]);
        v.vision.0.insert("es".into(), "x".repeat(MAX_VISION + 1));
        assert!(matches!(
            v.check(),
            Err(InvalidInput::TooLong {
                field: Field::Vision,
                ..
            })
        ));
    }
}

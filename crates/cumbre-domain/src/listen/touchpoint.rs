//! Touchpoints: the moments of truth of the customer journey, in order.

use super::Texts;
use crate::{Field, InvalidInput};

/// A checked touchpoint: its name and description in es/en, its place in the journey.
#[derive(Debug, Clone, PartialEq)]
pub struct TouchpointInput {
    pub name: Texts,
    pub description: Texts,
    pub position: i64,
}

impl TouchpointInput {
    pub fn parse(
        name_es: &str,
        name_en: &str,
        description_es: &str,
        description_en: &str,
        position: i64,
    ) -> Result<Self, InvalidInput> {
        let name = Texts::new(name_es.trim(), name_en.trim());
        name.check(Field::Name, 80)?;
        let description = Texts::new(description_es.trim(), description_en.trim());
        for t in description.0.values() {
            if t.chars().count() > 500 {
                return Err(InvalidInput::TooLong {
                    field: Field::Description,
                    max: 500,
                });
            }
        }
        if !(0..=10_000).contains(&position) {
            return Err(InvalidInput::NotANumber {
                field: Field::Position,
                value: position.to_string(),
            });
        }
        Ok(Self {
            name,
            description,
            position,
        })
    }
}

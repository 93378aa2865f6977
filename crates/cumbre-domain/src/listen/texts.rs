//! A text in several languages. Spanish and English are required; more may be added.

use crate::{Field, InvalidInput, Lang};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Texts(pub BTreeMap<String, String>);

impl Texts {
    pub fn new(es: &str, en: &str) -> Self {
        Self(BTreeMap::from([
            ("es".to_owned(), es.to_owned()),
            ("en".to_owned(), en.to_owned()),
        ]))
    }

    /// The text in `lang`, else Spanish, else any.
    pub fn get(&self, lang: Lang) -> &str {
        self.0
            .get(lang.code())
            .or_else(|| self.0.get("es"))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    /// Every language present and non-blank, es and en included, each at most `max` characters.
    pub fn check(&self, field: Field, max: usize) -> Result<(), InvalidInput> {
        for code in ["es", "en"] {
            if self.0.get(code).is_none_or(|t| t.trim().is_empty()) {
                return Err(InvalidInput::MissingTranslation {
                    field,
                    lang: code.to_owned(),
                });
            }
        }
        for (code, text) in &self.0 {
            let valid_code = code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase());
            if !valid_code {
                return Err(InvalidInput::NotOneOf {
                    field: Field::Language,
                    value: code.clone(),
                    allowed: "two-letter language codes",
                });
            }
            if text.chars().count() > max {
                return Err(InvalidInput::TooLong { field, max });
            }
            // Line breaks and tabs are text; a NUL or an escape sequence is not.
            if text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                return Err(InvalidInput::ControlCharacters(field));
            }
        }
        Ok(())
    }
}

//! What the text analyser read in a response's comments, as it is stored with the response
//! and shown to people: the language, how the customer felt (with the words and rules that
//! decided it), the themes with their own sentiment, and the employees named. The analyser
//! itself lives in `cumbre-text`; this is its record, which the API returns and the
//! response page explains.

use crate::{Field, InvalidInput, PersonId};

/// The keys of the shipped taxonomy's themes, in the order it lists them (a tenant may
/// add its own: `cumbre_text::themes::Taxonomy`).
pub use cumbre_text::themes::THEMES;
/// Whether a string has the shape of a theme's key.
pub use cumbre_text::themes::is_key as is_theme_key;
use serde::{Deserialize, Serialize};

/// How a comment (or one theme or mention in it) reads.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

impl Sentiment {
    pub const ALL: [Sentiment; 3] = [Sentiment::Positive, Sentiment::Neutral, Sentiment::Negative];

    /// As stored: 1, 0, −1.
    pub fn value(self) -> i64 {
        match self {
            Sentiment::Positive => 1,
            Sentiment::Neutral => 0,
            Sentiment::Negative => -1,
        }
    }

    pub fn from_value(v: i64) -> Self {
        match v.signum() {
            1 => Sentiment::Positive,
            -1 => Sentiment::Negative,
            _ => Sentiment::Neutral,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Neutral => "neutral",
            Sentiment::Negative => "negative",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Sentiment::ALL
            .into_iter()
            .find(|s| s.code() == raw)
            .ok_or_else(|| InvalidInput::NotOneOf {
                field: Field::Sentiment,
                value: raw.to_owned(),
                allowed: "positive, neutral, negative",
            })
    }
}

/// Why a word counted as it did (the analyser's rules, by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Negated,
    Intensified,
    Softened,
    Capitals,
    Elongated,
    AfterContrast,
    BeforeContrast,
    Exclaimed,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::Negated => "negated",
            Rule::Intensified => "intensified",
            Rule::Softened => "softened",
            Rule::Capitals => "capitals",
            Rule::Elongated => "elongated",
            Rule::AfterContrast => "after_contrast",
            Rule::BeforeContrast => "before_contrast",
            Rule::Exclaimed => "exclaimed",
        }
    }
}

/// One word or phrase that moved the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cue {
    /// As the lexicon knows it: lower case, without accents ("sucia", "nada mal").
    pub term: String,
    /// Its strength in the lexicon, and what it counted after the rules (−4 … 4).
    pub strength: f32,
    pub counted: f32,
    pub rules: Vec<Rule>,
}

/// A theme of the taxonomy the comment is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThemeReading {
    /// The theme's key (`staff`, `waiting`, `checkin_checkout`, …).
    pub theme: String,
    pub sentiment: Sentiment,
    /// What the words of its clauses counted (negative: a complaint about it).
    pub score: f32,
    /// The words that named it.
    pub terms: Vec<String>,
}

/// An employee the comment names; when the name fits several of the unit's people, the
/// mention is ambiguous and names no one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MentionReading {
    #[schema(value_type = Option<i64>)]
    pub employee_id: Option<PersonId>,
    /// Everyone the words could mean (one when settled).
    #[schema(value_type = Vec<i64>)]
    pub candidates: Vec<PersonId>,
    /// The words as read.
    pub words: String,
    pub sentiment: Sentiment,
}

/// What the analyser read in one response's comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reading {
    /// `es`, `en` or `other`.
    pub language: String,
    pub sentiment: Sentiment,
    /// −1 (very negative) … 1 (very positive).
    pub score: f32,
    pub cues: Vec<Cue>,
    pub themes: Vec<ThemeReading>,
    pub mentions: Vec<MentionReading>,
}

impl Reading {
    /// As stored with the response.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored reading; `None` if it cannot be read (written by a later version).
    pub fn from_json(raw: &str) -> Option<Self> {
        serde_json::from_str(raw).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentiments_round_trip_through_their_stored_values_and_codes() {
        for s in Sentiment::ALL {
            assert_eq!(Sentiment::from_value(s.value()), s);
            assert_eq!(Sentiment::parse(s.code()).expect("own code"), s);
        }
        assert!(Sentiment::parse("happy").is_err());
    }
}

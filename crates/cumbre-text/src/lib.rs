//! Reading customers' comments: which language, how the customer felt and why, what the
//! comment is about, and which employees it names. Pure Rust, no network, no model to
//! download: the lexicons and rules are written here and the model's weights are trained
//! by this crate's own code on data kept in `data/` (see `data/README.md`).

pub mod eval;
mod hash;
pub mod language;
pub mod lexicon;
pub mod mentions;
pub mod model;
pub mod normalize;
pub mod sentiment;
pub mod themes;

pub use language::Language;
use serde::Serialize;

/// The three classes a comment's sentiment falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Positive, Label::Neutral, Label::Negative];

    pub fn index(self) -> usize {
        match self {
            Label::Positive => 0,
            Label::Neutral => 1,
            Label::Negative => 2,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "positive" | "positivo" | "pos" => Some(Label::Positive),
            "neutral" | "neu" => Some(Label::Neutral),
            "negative" | "negativo" | "neg" => Some(Label::Negative),
            _ => None,
        }
    }
}

/// What the analyser found in one comment.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub language: Language,
    pub label: Label,
    /// −1 … 1.
    pub score: f32,
    /// The words and rules behind the score.
    pub evidence: Vec<sentiment::Evidence>,
    /// What it is about, each theme with its own sentiment.
    pub themes: Vec<themes::ThemeHit>,
    /// The employees it names.
    pub mentions: Vec<mentions::Mention>,
}

/// Without a model, scores at or above this are positive, at or below `NEGATIVE_AT`
/// negative (the rules alone).
pub const POSITIVE_AT: f32 = 0.35;
pub const NEGATIVE_AT: f32 = -0.1;

/// The shipped model, trained by `cumbre text train` on `data/train/` (empty: rules alone).
const SHIPPED: &[u8] = include_bytes!("../model/weights.bin");

/// The shipped model, if it was built with one.
pub fn shipped() -> Option<&'static model::Model> {
    static MODEL: std::sync::OnceLock<Option<model::Model>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| model::Model::from_bytes(SHIPPED))
        .as_ref()
}

/// Reads one comment with the shipped model (no staff to look for).
pub fn analyse(text: &str) -> Analysis {
    analyse_with(shipped(), text, &mentions::Staff::default())
}

/// Reads one comment with `model` (a tenant's own), or the rules alone, looking for the
/// names of `staff` (the unit's).
pub fn analyse_with(model: Option<&model::Model>, text: &str, staff: &mentions::Staff) -> Analysis {
    let tokens = normalize::tokens(text);
    let words: Vec<&str> = tokens
        .iter()
        .filter(|t| t.kind == normalize::Kind::Word)
        .map(|t| t.text.as_str())
        .collect();
    let language = language::detect(text, &tokens, lexicon::known(&words));
    let lex = lexicon::of(language);
    let scored = sentiment::score(lex, &tokens);
    let (label, score) = match model {
        Some(m) => {
            let p = m.predict(language, &model::features(lex, &tokens, &scored));
            let best = (0..3).max_by(|a, b| p[*a].total_cmp(&p[*b])).unwrap_or(1);
            (Label::ALL[best], p[0] - p[2])
        }
        None if scored.score >= POSITIVE_AT => (Label::Positive, scored.score),
        None if scored.score <= NEGATIVE_AT => (Label::Negative, scored.score),
        None => (Label::Neutral, scored.score),
    };
    let themes = themes::find(language, &tokens, &scored, |w| lex.is_contrast(w));
    let mentions = mentions::find(staff, &tokens, &scored);
    Analysis {
        language,
        label,
        score,
        evidence: scored.evidence,
        themes,
        mentions,
    }
}

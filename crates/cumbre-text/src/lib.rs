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

/// The least the words of a theme's (or a mention's) clauses must count for the comment to
/// praise or fault it by its own words.
pub const OPINION: f32 = 0.25;

/// What a clause's words say by themselves, if anything.
fn clear(score: f32) -> Option<Label> {
    if score >= OPINION {
        Some(Label::Positive)
    } else if score <= -OPINION {
        Some(Label::Negative)
    } else {
        None
    }
}

/// How a comment speaks of each of its themes and mentions, from what their clauses
/// counted (`scores`) and the comment's own label. A clause that says clearly is taken at
/// its word. One that says nothing clear ("we waited an hour for check-in": no word of the
/// lexicon, yet a complaint the model heard) takes the comment's label — unless a clear
/// one already carries that label and so explains it, when it stays neutral.
pub fn settle(scores: &[f32], overall: Label) -> Vec<Label> {
    let explained = scores.iter().any(|s| clear(*s) == Some(overall));
    scores
        .iter()
        .map(|s| match clear(*s) {
            Some(l) => l,
            None if explained => Label::Neutral,
            None => overall,
        })
        .collect()
}

/// The shipped model, trained by `cumbre text train` on `data/train/` (empty: rules alone).
const SHIPPED: &[u8] = include_bytes!("../model/weights.bin");

/// The labelled comments the shipped model was trained on (`data/train/`, CSV
/// `text,label`), by file name: a tenant's own model learns from them and its own.
pub const TRAINING_SETS: [(&str, &str); 6] = [
    ("es.csv", include_str!("../data/train/es.csv")),
    ("en.csv", include_str!("../data/train/en.csv")),
    ("es-more.csv", include_str!("../data/train/es-more.csv")),
    ("en-more.csv", include_str!("../data/train/en-more.csv")),
    (
        "es-reviews.csv",
        include_str!("../data/train/es-reviews.csv"),
    ),
    (
        "en-reviews.csv",
        include_str!("../data/train/en-reviews.csv"),
    ),
];

/// The shipped model, if it was built with one.
pub fn shipped() -> Option<&'static model::Model> {
    static MODEL: std::sync::OnceLock<Option<model::Model>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| model::Model::from_bytes(SHIPPED).ok())
        .as_ref()
}

/// Reads one comment with the shipped model and taxonomy (no staff to look for).
pub fn analyse(text: &str) -> Analysis {
    Reader::shipped().read(text, &mentions::Staff::default())
}

/// What reads a tenant's comments: a model (its own or the shipped one; none: the rules
/// alone) and a taxonomy (the shipped one, or with the tenant's edits).
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub model: Option<&'a model::Model>,
    pub taxonomy: &'a themes::Taxonomy,
}

impl Reader<'static> {
    /// The shipped model and taxonomy.
    pub fn shipped() -> Self {
        Reader {
            model: shipped(),
            taxonomy: themes::Taxonomy::shipped(),
        }
    }
}

impl Reader<'_> {
    /// Reads one comment, looking for the names of `staff` (the unit's).
    pub fn read(&self, text: &str, staff: &mentions::Staff) -> Analysis {
        analyse_with(self.model, self.taxonomy, text, staff)
    }
}

fn analyse_with(
    model: Option<&model::Model>,
    taxonomy: &themes::Taxonomy,
    text: &str,
    staff: &mentions::Staff,
) -> Analysis {
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
    let mut themes = themes::find(taxonomy, language, &tokens, &scored, |w| lex.is_contrast(w));
    let mut mentions = mentions::find(staff, &tokens, &scored);
    let scores: Vec<f32> = themes.iter().map(|t| t.score).collect();
    for (t, l) in themes.iter_mut().zip(settle(&scores, label)) {
        t.label = l;
    }
    // A guest names someone to credit or to blame them: a name in a clause that says
    // nothing clear takes the comment's label.
    for m in &mut mentions {
        m.label = clear(m.score).unwrap_or(label);
    }
    Analysis {
        language,
        label,
        score,
        evidence: scored.evidence,
        themes,
        mentions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_without_clear_words_takes_the_comments_label_unless_another_explains_it() {
        use Label::*;
        // "The room was great but check-in took an hour": only the room has words.
        assert_eq!(settle(&[2.0, 0.0], Negative), vec![Positive, Negative]);
        // "Dirty bathroom, and the pool": the bathroom explains the complaint.
        assert_eq!(settle(&[-1.5, 0.0], Negative), vec![Negative, Neutral]);
        // Weak words either way are not yet an opinion.
        assert_eq!(settle(&[0.1], Neutral), vec![Neutral]);
        assert_eq!(settle(&[], Positive), Vec::<Label>::new());
    }

    #[test]
    fn a_complaint_without_lexicon_words_still_faults_its_theme() {
        for text in [
            "Esperamos más de una hora para el check-in.",
            "We waited over an hour to check in.",
        ] {
            let a = analyse(text);
            assert_eq!(a.label, Label::Negative, "{text}");
            let checkin = a
                .themes
                .iter()
                .find(|t| t.theme == "checkin_checkout")
                .expect("check-in found");
            assert_eq!(checkin.label, Label::Negative, "{text}");
        }
    }

    #[test]
    fn praise_of_a_named_employee_credits_them() {
        let staff = mentions::Staff::new(&[mentions::Person {
            id: 7,
            name: "Carmen Ortiz".into(),
        }]);
        for text in [
            "Gracias, el personal siempre con una sonrisa. Carmen en recepción nos hizo sentir en casa.",
            "Special thanks to Carmen, who looked after every detail.",
        ] {
            let a = Reader::shipped().read(text, &staff);
            assert_eq!(a.mentions.len(), 1, "{text}");
            assert_eq!(a.mentions[0].person, Some(7));
            assert_eq!(a.mentions[0].label, Label::Positive, "{text}");
        }
        let blamed = Reader::shipped().read("Carmen fue muy grosera con nosotros.", &staff);
        assert_eq!(blamed.mentions[0].label, Label::Negative);
    }
}

//! The words the rules know, per language: how strongly each says something good or bad
//! about a service (−4 … 4), the words that negate what follows, that strengthen or soften
//! it, that turn a sentence around ("pero", "but"), and the set phrases read as one
//! ("nada mal", "not bad at all"). Written for this product (see `lexicon/README.md`),
//! compiled in, read once.

use crate::hash::{FxMap as HashMap, FxSet as HashSet};
use crate::language::Language;
use std::sync::OnceLock;

#[derive(Debug, Default)]
pub struct Lexicon {
    pub valence: HashMap<String, f32>,
    pub negators: HashSet<String>,
    /// Multipliers: above 1 strengthens, below 1 softens.
    pub boosters: HashMap<String, f32>,
    pub contrast: HashSet<String>,
    /// Phrases by their first word: (the words, valence), longest first.
    pub phrases: HashMap<String, Vec<(Vec<String>, f32)>>,
}

impl Lexicon {
    fn parse(text: &str, emoji: &str) -> Self {
        let mut lex = Lexicon::default();
        let mut section = "";
        for line in text.lines().chain(emoji.lines()) {
            let line = line.trim_end();
            if let Some(comment) = line.strip_prefix('#') {
                let name = comment.trim().to_ascii_lowercase();
                section = match name.as_str() {
                    n if n.starts_with("negator") => "negators",
                    n if n.starts_with("booster") => "boosters",
                    n if n.starts_with("contrast") => "contrast",
                    n if n.starts_with("phrase") => "phrases",
                    _ => "words",
                };
                continue;
            }
            let Some((term, value)) = line.split_once('\t') else {
                continue;
            };
            let Ok(value) = value.trim().parse::<f32>() else {
                continue;
            };
            let term = crate::normalize::fold_str(term.trim());
            if term.is_empty() {
                continue;
            }
            match section {
                "negators" => {
                    lex.negators.insert(term);
                }
                "boosters" => {
                    lex.boosters.insert(term, value);
                }
                "contrast" => {
                    lex.contrast.insert(term);
                }
                _ if term.contains(' ') || section == "phrases" => {
                    let words: Vec<String> = term.split_whitespace().map(str::to_owned).collect();
                    if words.len() == 1 {
                        lex.valence.insert(term, value);
                    } else if let Some(first) = words.first().cloned() {
                        lex.phrases.entry(first).or_default().push((words, value));
                    }
                }
                _ => {
                    lex.valence.insert(term, value);
                }
            }
        }
        for list in lex.phrases.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        }
        lex
    }

    pub fn is_negator(&self, word: &str) -> bool {
        self.negators.contains(word)
    }

    pub fn is_contrast(&self, word: &str) -> bool {
        self.contrast.contains(word)
    }
}

const ES: &str = include_str!("../lexicon/es.tsv");
const EN: &str = include_str!("../lexicon/en.tsv");
const EMOJI: &str = include_str!("../lexicon/emoji.tsv");

/// The lexicon of a language (Spanish's for anything not English).
pub fn of(language: Language) -> &'static Lexicon {
    static SPANISH: OnceLock<Lexicon> = OnceLock::new();
    static ENGLISH: OnceLock<Lexicon> = OnceLock::new();
    match language {
        Language::En => ENGLISH.get_or_init(|| Lexicon::parse(EN, EMOJI)),
        _ => SPANISH.get_or_init(|| Lexicon::parse(ES, EMOJI)),
    }
}

/// How many of `words` each lexicon knows (Spanish, English): the tie-breaker of language
/// detection for a comment of a word or two.
pub fn known(words: &[&str]) -> (usize, usize) {
    let (es, en) = (of(Language::Es), of(Language::En));
    let knows = |l: &Lexicon, w: &str| l.valence.contains_key(w) || l.phrases.contains_key(w);
    (
        words.iter().filter(|w| knows(es, w)).count(),
        words.iter().filter(|w| knows(en, w)).count(),
    )
}

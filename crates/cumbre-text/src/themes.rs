//! What a comment is about: themes of a taxonomy for service businesses (staff, waiting,
//! cleanliness, room, food and drink, price and value, check-in and check-out,
//! communication, noise, facilities, booking, location), each with its own sentiment when
//! a comment mixes them ("the room was great but check-in took an hour"): the words that
//! name a theme take the sentiment of the clause they are in.

use crate::hash::FxMap as HashMap;
use crate::language::Language;
use crate::normalize::{Kind, Token};
use crate::sentiment::Scored;
use serde::Serialize;
use std::sync::OnceLock;

/// The shipped taxonomy's themes, in the order they are listed.
pub const THEMES: [&str; 12] = [
    "staff",
    "waiting",
    "cleanliness",
    "room",
    "food_drink",
    "price_value",
    "checkin_checkout",
    "communication",
    "noise",
    "facilities",
    "booking",
    "location",
];

/// One theme found in a comment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeHit {
    pub theme: &'static str,
    /// The sum of what the words of its clauses counted (negative: a complaint about it).
    pub score: f32,
    /// The words that named it, as written in the taxonomy.
    pub terms: Vec<String>,
    /// How the comment speaks of it (see `crate::settle`).
    pub label: crate::Label,
}

/// Terms by their first word: (the words, theme), longest first.
type Terms = HashMap<String, Vec<(Vec<String>, &'static str)>>;

const SHIPPED: &str = include_str!("../lexicon/themes.tsv");

fn parse(text: &str, language: &str) -> Terms {
    let mut out: Terms = HashMap::default();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut parts = line.split('\t');
        let (Some(theme), Some(lang), Some(term)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some(theme) = THEMES.iter().find(|t| **t == theme.trim()) else {
            continue;
        };
        if lang.trim() != language {
            continue;
        }
        // "check-in" and "wi-fi" are read as the tokens "check in", "wi fi".
        let folded = crate::normalize::fold_str(term.trim()).replace('-', " ");
        let words: Vec<String> = folded.split_whitespace().map(str::to_owned).collect();
        if let Some(first) = words.first().cloned() {
            out.entry(first).or_default().push((words, theme));
        }
    }
    for list in out.values_mut() {
        list.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
    }
    out
}

fn terms(language: Language) -> &'static Terms {
    static ES: OnceLock<Terms> = OnceLock::new();
    static EN: OnceLock<Terms> = OnceLock::new();
    match language {
        Language::En => EN.get_or_init(|| parse(SHIPPED, "en")),
        _ => ES.get_or_init(|| parse(SHIPPED, "es")),
    }
}

/// The themes of a comment (its `tokens`, and their scoring), each once, in the order
/// they first appear. `contrast` says whether a word turns the sentence there.
pub fn find(
    language: Language,
    tokens: &[Token],
    scored: &Scored,
    is_contrast: impl Fn(&str) -> bool,
) -> Vec<ThemeHit> {
    let terms = terms(language);
    // Clause boundaries: punctuation and contrast words.
    let clause_of = |i: usize| -> (usize, usize) {
        let boundary = |t: &Token| {
            matches!(t.kind, Kind::Comma | Kind::Stop | Kind::Bang(_))
                || (t.kind == Kind::Word && is_contrast(&t.text))
        };
        let start = tokens[..i].iter().rposition(boundary).map_or(0, |p| p + 1);
        let end = tokens[i..]
            .iter()
            .position(boundary)
            .map_or(tokens.len(), |p| i + p);
        (start, end)
    };
    let sentence_of = |i: usize| -> (usize, usize) {
        let stop = |t: &Token| matches!(t.kind, Kind::Stop | Kind::Bang(_));
        let start = tokens[..i].iter().rposition(stop).map_or(0, |p| p + 1);
        let end = tokens[i..]
            .iter()
            .position(stop)
            .map_or(tokens.len(), |p| i + p);
        (start, end)
    };
    let sum_in = |(a, b): (usize, usize)| -> f32 {
        scored
            .evidence
            .iter()
            .filter(|e| e.at >= a && e.at < b)
            .map(|e| e.counted)
            .sum()
    };
    let mut out: Vec<ThemeHit> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let found = (t.kind == Kind::Word)
            .then(|| terms.get(&t.text))
            .flatten()
            .and_then(|list| {
                list.iter().find(|(words, _)| {
                    words.len() <= tokens.len() - i
                        && words
                            .iter()
                            .zip(&tokens[i..])
                            .all(|(w, t)| t.kind == Kind::Word && *w == t.text)
                })
            });
        let Some((words, theme)) = found else {
            i += 1;
            continue;
        };
        // A theme's sentiment: its clause's, else (a clause saying nothing) its
        // sentence's — unless a contrast word turns the sentence, whose other side speaks
        // of something else ("bonita, pero el check-in…").
        let mut s = sum_in(clause_of(i));
        if s == 0.0 {
            let (a, b) = sentence_of(i);
            let turned = tokens[a..b]
                .iter()
                .any(|t| t.kind == Kind::Word && is_contrast(&t.text));
            if !turned {
                s = sum_in((a, b));
            }
        }
        let term = words.join(" ");
        match out.iter_mut().find(|h| h.theme == *theme) {
            Some(hit) => {
                hit.score += s;
                if !hit.terms.contains(&term) {
                    hit.terms.push(term);
                }
            }
            None => out.push(ThemeHit {
                theme,
                score: s,
                terms: vec![term],
                label: crate::Label::Neutral,
            }),
        }
        i += words.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::tokens;

    fn themes(language: Language, text: &str) -> Vec<(&'static str, f32)> {
        let lex = crate::lexicon::of(language);
        let t = tokens(text);
        let scored = crate::sentiment::score(lex, &t);
        find(language, &t, &scored, |w| lex.is_contrast(w))
            .into_iter()
            .map(|h| (h.theme, h.score))
            .collect()
    }

    #[test]
    fn each_theme_takes_the_sentiment_of_its_clause() {
        let es = themes(
            Language::Es,
            "La habitación estaba impecable pero el check-in fue lentísimo y el personal grosero",
        );
        let of = |list: &[(&str, f32)], theme: &str| {
            list.iter()
                .find(|(t, _)| *t == theme)
                .map(|(_, s)| *s)
                .unwrap_or_else(|| panic!("{theme} in {list:?}"))
        };
        assert!(of(&es, "room") > 0.0, "{es:?}");
        assert!(of(&es, "checkin_checkout") < 0.0, "{es:?}");
        assert!(of(&es, "staff") < 0.0, "{es:?}");
        let en = themes(
            Language::En,
            "Great location, but the room was dirty and the wifi kept dropping",
        );
        assert!(of(&en, "location") > 0.0, "{en:?}");
        assert!(
            of(&en, "cleanliness") < 0.0 || of(&en, "room") < 0.0,
            "{en:?}"
        );
        assert!(en.iter().any(|(t, _)| *t == "facilities"), "{en:?}");
        assert!(themes(Language::En, "ok").is_empty());
    }
}

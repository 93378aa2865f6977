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
    /// The theme's key (a shipped one, or a tenant's own).
    pub theme: String,
    /// The sum of what the words of its clauses counted (negative: a complaint about it).
    pub score: f32,
    /// The words that named it, as written in the taxonomy.
    pub terms: Vec<String>,
    /// How the comment speaks of it (see `crate::settle`).
    pub label: crate::Label,
}

/// Terms by their first word: (the words, the theme's index), longest first.
type Terms = HashMap<String, Vec<(Vec<String>, usize)>>;

const SHIPPED: &str = include_str!("../lexicon/themes.tsv");

/// The most words a term may have, and the longest a theme's key may be.
pub const TERM_WORDS: usize = 5;
pub const KEY_CHARS: usize = 40;

/// A taxonomy: its themes, and the words that name each in either language. The shipped
/// one (`Taxonomy::shipped`) or a tenant's, the shipped one with its edits applied.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    keys: Vec<String>,
    es: Terms,
    en: Terms,
}

/// What a tenant changed in the shipped taxonomy.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    /// Themes of its own, by key, after the shipped ones.
    pub added: Vec<String>,
    /// Themes (shipped or its own) no longer looked for.
    pub disabled: Vec<String>,
    /// Terms it placed: (language, the term's words, the theme it names, or none: the term
    /// names no theme). A placed term replaces the shipped one of the same words.
    pub terms: Vec<(Language, Vec<String>, Option<String>)>,
}

/// A term as the analyser reads it: the word tokens of `raw` ("Check-in" → "check in"),
/// or `None` when it has no word or more than `TERM_WORDS`.
pub fn term_words(raw: &str) -> Option<Vec<String>> {
    let words: Vec<String> = crate::normalize::tokens(raw)
        .into_iter()
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text)
        .collect();
    (!words.is_empty() && words.len() <= TERM_WORDS).then_some(words)
}

/// Whether `key` may name a theme: lower-case ASCII letters, digits and `_`, starting with
/// a letter.
pub fn is_key(key: &str) -> bool {
    key.len() <= KEY_CHARS
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The shipped terms: (theme, language, words).
fn shipped_terms() -> &'static [(&'static str, Language, Vec<String>)] {
    static TERMS: OnceLock<Vec<(&'static str, Language, Vec<String>)>> = OnceLock::new();
    TERMS.get_or_init(|| {
        let mut out = Vec::new();
        for line in SHIPPED.lines() {
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
            let language = match lang.trim() {
                "es" => Language::Es,
                "en" => Language::En,
                _ => continue,
            };
            // "check-in" and "wi-fi" are read as the tokens "check in", "wi fi".
            let folded = crate::normalize::fold_str(term.trim()).replace('-', " ");
            let words: Vec<String> = folded.split_whitespace().map(str::to_owned).collect();
            if !words.is_empty() {
                out.push((*theme, language, words));
            }
        }
        out
    })
}

impl Taxonomy {
    /// The shipped taxonomy.
    pub fn shipped() -> &'static Taxonomy {
        static SHIPPED: OnceLock<Taxonomy> = OnceLock::new();
        SHIPPED.get_or_init(|| Taxonomy::edited(&Edits::default()))
    }

    /// The shipped taxonomy with a tenant's `edits`.
    pub fn edited(edits: &Edits) -> Taxonomy {
        let keys: Vec<String> = THEMES
            .iter()
            .map(|t| (*t).to_owned())
            .chain(edits.added.iter().cloned())
            .filter(|k| !edits.disabled.contains(k))
            .fold(Vec::new(), |mut v, k| {
                if !v.contains(&k) {
                    v.push(k);
                }
                v
            });
        let placed = |language: Language, words: &[String]| {
            edits
                .terms
                .iter()
                .any(|(l, w, _)| *l == language && w.as_slice() == words)
        };
        let mut es: Terms = HashMap::default();
        let mut en: Terms = HashMap::default();
        let shipped = shipped_terms()
            .iter()
            .filter(|(_, l, w)| !placed(*l, w))
            .map(|(t, l, w)| (*t, *l, w));
        let own = edits
            .terms
            .iter()
            .filter_map(|(l, w, t)| t.as_deref().map(|t| (t, *l, w)));
        for (theme, language, words) in shipped.chain(own) {
            let Some(index) = keys.iter().position(|k| k == theme) else {
                continue;
            };
            let terms = if language == Language::En {
                &mut en
            } else {
                &mut es
            };
            if let Some(first) = words.first() {
                let list = terms.entry(first.clone()).or_default();
                if !list.iter().any(|(w, _)| w == words) {
                    list.push((words.clone(), index));
                }
            }
        }
        for list in es.values_mut().chain(en.values_mut()) {
            list.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        }
        Taxonomy { keys, es, en }
    }

    /// Its themes' keys, shipped first, in the order they are listed.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The terms that name `theme` in `language`, each as its words joined by spaces,
    /// sorted.
    pub fn terms_of(&self, theme: &str, language: Language) -> Vec<String> {
        let Some(index) = self.keys.iter().position(|k| k == theme) else {
            return Vec::new();
        };
        let mut out: Vec<String> = self
            .terms(language)
            .values()
            .flatten()
            .filter(|(_, i)| *i == index)
            .map(|(w, _)| w.join(" "))
            .collect();
        out.sort();
        out
    }

    fn terms(&self, language: Language) -> &Terms {
        match language {
            Language::En => &self.en,
            _ => &self.es,
        }
    }
}

/// The themes of a comment (its `tokens`, and their scoring), each once, in the order
/// they first appear. `contrast` says whether a word turns the sentence there.
pub fn find(
    taxonomy: &Taxonomy,
    language: Language,
    tokens: &[Token],
    scored: &Scored,
    is_contrast: impl Fn(&str) -> bool,
) -> Vec<ThemeHit> {
    let terms = taxonomy.terms(language);
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
        let Some((words, index)) = found else {
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
        let theme = &taxonomy.keys[*index];
        match out.iter_mut().find(|h| h.theme == *theme) {
            Some(hit) => {
                hit.score += s;
                if !hit.terms.contains(&term) {
                    hit.terms.push(term);
                }
            }
            None => out.push(ThemeHit {
                theme: theme.clone(),
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

    fn themes_in(taxonomy: &Taxonomy, language: Language, text: &str) -> Vec<(String, f32)> {
        let lex = crate::lexicon::of(language);
        let t = tokens(text);
        let scored = crate::sentiment::score(lex, &t);
        find(taxonomy, language, &t, &scored, |w| lex.is_contrast(w))
            .into_iter()
            .map(|h| (h.theme, h.score))
            .collect()
    }

    fn themes(language: Language, text: &str) -> Vec<(String, f32)> {
        themes_in(Taxonomy::shipped(), language, text)
    }

    fn of(list: &[(String, f32)], theme: &str) -> f32 {
        list.iter()
            .find(|(t, _)| t == theme)
            .map(|(_, s)| *s)
            .unwrap_or_else(|| panic!("{theme} in {list:?}"))
    }

    #[test]
    fn each_theme_takes_the_sentiment_of_its_clause() {
        let es = themes(
            Language::Es,
            "La habitación estaba impecable pero el check-in fue lentísimo y el personal grosero",
        );
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
        assert!(en.iter().any(|(t, _)| t == "facilities"), "{en:?}");
        assert!(themes(Language::En, "ok").is_empty());
    }

    fn words(raw: &str) -> Vec<String> {
        term_words(raw).expect("a term")
    }

    #[test]
    fn a_tenants_own_theme_and_terms_are_found_and_its_exclusions_are_not() {
        let edits = Edits {
            added: vec!["parking".into()],
            disabled: vec!["noise".into()],
            terms: vec![
                (Language::Es, words("Aparcamiento"), Some("parking".into())),
                (Language::En, words("car park"), Some("parking".into())),
                // "Terraza" was facilities; this tenant counts it as food and drink.
                (Language::Es, words("terraza"), Some("food_drink".into())),
                // "Location" names nothing here (it is this chain's brand).
                (Language::En, words("location"), None),
            ],
        };
        let t = Taxonomy::edited(&edits);
        assert!(t.keys().contains(&"parking".to_owned()));
        assert!(!t.keys().contains(&"noise".to_owned()));
        let es = themes_in(
            &t,
            Language::Es,
            "El aparcamiento era carísimo, y la terraza preciosa",
        );
        assert!(of(&es, "parking") < 0.0, "{es:?}");
        assert!(of(&es, "food_drink") > 0.0, "{es:?}");
        assert!(es.iter().all(|(k, _)| k != "facilities"), "{es:?}");
        let en = themes_in(
            &t,
            Language::En,
            "The car park was full. Loved the location, very noisy",
        );
        assert!(en.iter().any(|(k, _)| k == "parking"), "{en:?}");
        assert!(
            en.iter().all(|(k, _)| k != "location" && k != "noise"),
            "{en:?}"
        );
        assert_eq!(
            t.terms_of("parking", Language::En),
            vec!["car park".to_owned()]
        );
        // The shipped taxonomy is untouched.
        let shipped = themes(Language::En, "Great location, very noisy");
        assert!(of(&shipped, "location") > 0.0);
        assert!(shipped.iter().any(|(k, _)| k == "noise"), "{shipped:?}");
    }

    #[test]
    fn terms_and_keys_are_read_as_comments_are() {
        assert_eq!(words("Check-In"), vec!["check", "in"]);
        assert_eq!(words("  Habitación  "), vec!["habitacion"]);
        assert_eq!(term_words("!!"), None);
        assert_eq!(term_words("one two three four five six"), None);
        assert!(is_key("parking") && is_key("spa_2"));
        assert!(!is_key("Parking") && !is_key("2spa") && !is_key("") && !is_key("a-b"));
    }
}

//! Small text helpers shared by search and e-mail generation.

use crate::{Field, InvalidInput};

/// A search of free text as people type it: folded words, every one of which must appear
/// somewhere in the text (as a part of a word too: "lent" finds "lento").
///
/// The text indexes cut text into three-letter pieces, so a word shorter than three
/// letters can only narrow what a longer one found: a search needs one word of at least
/// [`Search::MIN_WORD`] letters (alone, "wc" would read every answer ever given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    words: Vec<String>,
}

impl Search {
    /// The shortest word the text indexes find.
    pub const MIN_WORD: usize = 3;
    /// Longer searches are refused, not cut: what was searched stays what was typed.
    pub const MAX_CHARS: usize = 200;

    /// `None` for a blank search (see [`words`]).
    pub fn parse(raw: &str) -> Result<Option<Search>, InvalidInput> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(InvalidInput::TooLong {
                field: Field::Search,
                max: Self::MAX_CHARS,
            });
        }
        let words = words(raw);
        if words.is_empty() {
            return Ok(None);
        }
        if !words.iter().any(|w| w.chars().count() >= Self::MIN_WORD) {
            return Err(InvalidInput::SearchWordTooShort {
                min: Self::MIN_WORD,
            });
        }
        Ok(Some(Search { words }))
    }

    /// Every word, folded.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words a text index finds (at least one).
    pub fn indexed(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .filter(|w| w.chars().count() >= Self::MIN_WORD)
            .map(String::as_str)
    }

    /// The words too short for an index, which only narrow.
    pub fn short(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .filter(|w| w.chars().count() < Self::MIN_WORD)
            .map(String::as_str)
    }
}

/// The words of a search, folded, each once. Words split at spaces and control
/// characters: no stored text holds a control character, and PostgreSQL refuses a NUL in
/// any text.
pub fn words(raw: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in fold(raw).split(|c: char| c.is_whitespace() || c.is_control()) {
        if !w.is_empty() && !words.iter().any(|k| k == w) {
            words.push(w.to_owned());
        }
    }
    words
}

/// Lower-cases and strips the accents of Spanish (and common Latin) letters, so that a
/// search for "lopez" finds "López" on both databases, whose `LOWER` differ on non-ASCII.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// Escapes `%`, `_` and `\` so user text is matched literally by `LIKE … ESCAPE '\'`.
pub fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("José Peña MÜLLER"), "jose pena muller");
    }

    #[test]
    fn a_search_needs_one_word_an_index_finds() {
        let s = Search::parse("  Piscina  la  FRÍA piscina ")
            .unwrap()
            .unwrap();
        assert_eq!(s.words(), ["piscina", "la", "fria"]);
        assert_eq!(s.indexed().collect::<Vec<_>>(), ["piscina", "fria"]);
        assert_eq!(s.short().collect::<Vec<_>>(), ["la"]);
        assert_eq!(Search::parse(" \t ").unwrap(), None);
        assert_eq!(
            Search::parse("wc tv"),
            Err(InvalidInput::SearchWordTooShort { min: 3 })
        );
        let short = InvalidInput::SearchWordTooShort { min: 3 };
        assert_eq!(
            short.message(crate::Lang::En),
            "search for at least one word of 3 or more letters"
        );
        assert_eq!(
            short.message(crate::Lang::Es),
            "Busque al menos una palabra de 3 letras o más"
        );
        assert!(Search::parse("ñoño").unwrap().is_some());
        assert!(matches!(
            Search::parse(&"a".repeat(201)),
            Err(InvalidInput::TooLong { .. })
        ));
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_literal("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}

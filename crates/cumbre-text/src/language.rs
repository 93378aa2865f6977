//! Which language a comment is in: Spanish, English or another. Short, informal,
//! accent-less text included ("la habitacion estaba sucia", "gr8 staff"), so the evidence
//! is the small words each language cannot do without, the letters only one of them
//! writes (ñ, ¿, ¡, accents), and, for a word or two, the lexicon each knows.

use crate::hash::FxSet as HashSet;
use crate::normalize::{Kind, Token};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Es,
    En,
    Other,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Es => "es",
            Language::En => "en",
            Language::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "es" | "spa" | "spanish" | "español" | "espanol" => Some(Language::Es),
            "en" | "eng" | "english" | "inglés" | "ingles" => Some(Language::En),
            "other" | "otro" => Some(Language::Other),
            _ => None,
        }
    }
}

/// Function words (folded) that one language uses all the time and the other does not.
const ES: &[&str] = &[
    "el",
    "la",
    "los",
    "las",
    "un",
    "una",
    "unos",
    "unas",
    "de",
    "del",
    "y",
    "o",
    "que",
    "en",
    "por",
    "para",
    "con",
    "sin",
    "muy",
    "mas",
    "pero",
    "es",
    "son",
    "fue",
    "era",
    "estaba",
    "estuvo",
    "esta",
    "estan",
    "hay",
    "habia",
    "nos",
    "les",
    "lo",
    "le",
    "se",
    "su",
    "sus",
    "mi",
    "mis",
    "al",
    "como",
    "cuando",
    "donde",
    "todo",
    "toda",
    "todos",
    "nada",
    "tambien",
    "porque",
    "xq",
    "q",
    "pq",
    "aunque",
    "bien",
    "mal",
    "si",
    "ya",
    "hotel",
    "habitacion",
    "comida",
    "servicio",
    "personal",
    "precio",
    "atencion",
    "lugar",
    "excelente",
    "bueno",
    "buena",
    "malo",
    "mala",
    "limpio",
    "limpia",
    "sucio",
    "sucia",
    "ruido",
    "desayuno",
    "cuarto",
    "recepcion",
    "muy",
    "super",
    "gracias",
    "estancia",
    "vez",
    "volveria",
    "nunca",
    "tenia",
    "tiene",
    "hace",
    "hizo",
    "ni",
    "tan",
    "poco",
    "algo",
    "este",
    "ese",
    "esa",
];

const EN: &[&str] = &[
    "the",
    "a",
    "an",
    "and",
    "or",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "without",
    "is",
    "was",
    "were",
    "are",
    "be",
    "been",
    "it",
    "its",
    "this",
    "that",
    "they",
    "we",
    "our",
    "my",
    "i",
    "you",
    "u",
    "he",
    "she",
    "but",
    "not",
    "no",
    "very",
    "so",
    "too",
    "really",
    "room",
    "staff",
    "food",
    "service",
    "great",
    "good",
    "bad",
    "nice",
    "clean",
    "dirty",
    "noisy",
    "friendly",
    "rude",
    "would",
    "will",
    "had",
    "has",
    "have",
    "just",
    "again",
    "never",
    "stay",
    "stayed",
    "hotel",
    "breakfast",
    "gr8",
    "thx",
    "lol",
    "there",
    "what",
    "when",
    "which",
    "all",
    "dont",
    "didnt",
    "wasnt",
    "isnt",
    "cant",
    "im",
    "ok",
    "okay",
    "place",
    "price",
    "worth",
    "loved",
    "love",
    "amazing",
    "awful",
    "terrible",
];

/// Words of the languages most often mistaken for these two.
const OTHER: &[&str] = &[
    // Portuguese
    "nao", "muito", "voce", "obrigado", "obrigada", "otimo", "quarto", "tambem", "uma", "com",
    "foi", "mas", "ele", "isso", "bom", "boa", "legal", "pessoal", // French
    "le", "les", "des", "est", "et", "tres", "tres", "pas", "je", "nous", "avec", "chambre",
    "etait", "mais", "bien", "merci", "sejour", "petit", // Italian
    "il", "della", "molto", "sono", "stato", "camera", "ottimo", "grazie", "non", "anche",
    // German
    "der", "die", "das", "und", "ist", "nicht", "sehr", "mit", "zimmer", "war", "ein", "eine",
    "gut", "aber", "auch", "wir",
];

/// The three lists as sets, built once (a comment's every word is looked up in each).
fn sets() -> &'static [HashSet<&'static str>; 3] {
    static SETS: OnceLock<[HashSet<&'static str>; 3]> = OnceLock::new();
    SETS.get_or_init(|| {
        [
            ES.iter().copied().collect(),
            EN.iter().copied().collect(),
            OTHER.iter().copied().collect(),
        ]
    })
}

/// How many tokens a word list names.
fn count(words: &HashSet<&'static str>, tokens: &[Token]) -> f32 {
    tokens
        .iter()
        .filter(|t| t.kind == Kind::Word && words.contains(t.text.as_str()))
        .count() as f32
}

/// The language of `text` (already tokenised as `tokens`); `known` says how many of its
/// words each lexicon knows (Spanish, English), the tie-breaker for a word or two.
pub fn detect(text: &str, tokens: &[Token], known: (usize, usize)) -> Language {
    let [es_words, en_words, other_words] = sets();
    let mut es = count(es_words, tokens);
    let en = count(en_words, tokens);
    let other = count(other_words, tokens);
    // Letters and marks only Spanish writes here.
    if text.contains(['ñ', 'Ñ', '¿', '¡']) {
        es += 1.5;
    }
    if text.contains(['á', 'é', 'í', 'ó', 'ú']) {
        es += 0.5;
    }
    // Portuguese and French marks that Spanish never writes.
    let foreign = if text.contains(['ã', 'õ', 'ç', 'è', 'ê', 'à', 'â', 'ô', 'ß', 'ä', 'ö'])
    {
        1.5
    } else {
        0.0
    };
    let other = other + foreign;
    if es == 0.0 && en == 0.0 && other == 0.0 {
        return match known {
            (0, 0) => Language::Other,
            (s, e) if s > e => Language::Es,
            (s, e) if e > s => Language::En,
            // A word both know ("ok", "super"): the language this product most often reads.
            _ => Language::Es,
        };
    }
    // Shared spellings (Spanish and Portuguese "com", "mas"): another language must win
    // clearly to be called another.
    if other > es.max(en) + 1.0 {
        return Language::Other;
    }
    if es > en {
        Language::Es
    } else if en > es {
        Language::En
    } else if known.0 >= known.1 {
        Language::Es
    } else {
        Language::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::tokens;

    fn lang(text: &str) -> Language {
        detect(text, &tokens(text), (0, 0))
    }

    #[test]
    fn short_informal_comments_are_placed() {
        for (text, expected) in [
            ("la habitacion estaba sucia", Language::Es),
            ("Excelente atención, muy recomendable", Language::Es),
            ("q buen lugar!! volveria", Language::Es),
            ("¿Desayuno? Pésimo", Language::Es),
            ("gr8 staff", Language::En),
            ("The room was not clean", Language::En),
            ("loved it, thx", Language::En),
            ("O quarto era muito bom, obrigado", Language::Other),
            ("La chambre était très propre, merci", Language::Other),
            ("Das Zimmer war sehr gut", Language::Other),
        ] {
            assert_eq!(lang(text), expected, "{text}");
        }
        // A lone word: the lexicons decide.
        assert_eq!(detect("Pésimo", &tokens("Pésimo"), (1, 0)), Language::Es);
        assert_eq!(detect("Awful", &tokens("Awful"), (0, 1)), Language::En);
        assert_eq!(detect("12345", &tokens("12345"), (0, 0)), Language::Other);
    }
}

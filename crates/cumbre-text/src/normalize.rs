//! From a comment as typed to the tokens the analyser reads: words lower-cased and without
//! accents ("Habitación" and "habitacion" are one word), letters repeated for emphasis
//! collapsed ("buenísimooo" → "buenisimoo", and the analyser also tries "buenisimo"),
//! emoji and emoticons kept as tokens, and the punctuation that ends a clause or a
//! sentence kept as a break. Capitals and elongation are remembered: they are emphasis.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    /// An emoji or an emoticon (`:)`, `<3`).
    Emoji,
    /// A comma or a colon: the end of a negation's reach, not of the sentence.
    Comma,
    /// `.`, `;`, `?`, `…` or a line break: the end of a sentence.
    Stop,
    /// One or more `!`: the end of a sentence, said louder.
    Bang(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    /// Lower-case, accents folded, runs of three or more letters cut to two.
    pub text: String,
    /// Written in capitals (two letters or more).
    pub caps: bool,
    /// A letter was repeated three times or more.
    pub elongated: bool,
}

/// The letter without its accent, lower-case (`Á` → `a`, `ñ` → `n`, `ü` → `u`).
pub fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        c if c.is_ascii() => c.to_ascii_lowercase(),
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

/// Folds a whole string (for names and lexicon terms).
pub fn fold_str(s: &str) -> String {
    s.chars().map(fold).collect()
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55 | 0x2B06 | 0x2B07 | 0x203C | 0x2049)
}

/// Emoticons, longest first so that `:-)` is not read as `:-` and `)`.
const EMOTICONS: [&str; 22] = [
    ":-)", ":-(", ":-D", ":'(", ";-)", ":-/", ":-|", ":-p", ":-P", ":)", ":(", ":D", ";)", ":/",
    ":|", ":p", ":P", "<3", "xD", "XD", "=)", "=(",
];

/// The tokens of `text`, in order. At most `MAX_CHARS` characters are read: a comment
/// longer than that is judged on its beginning.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len() / 5 + 4);
    let mut word = String::new();
    let (mut upper, mut letters, mut elongated) = (0usize, 0usize, false);
    let (mut last, mut run) = ('\0', 0usize);
    let flush = |out: &mut Vec<Token>,
                 word: &mut String,
                 upper: &mut usize,
                 letters: &mut usize,
                 elongated: &mut bool| {
        if !word.is_empty() {
            out.push(Token {
                kind: Kind::Word,
                text: std::mem::take(word),
                caps: *letters >= 2 && *upper == *letters,
                elongated: *elongated,
            });
        }
        *upper = 0;
        *letters = 0;
        *elongated = false;
    };
    let mut rest = text;
    let mut read = 0usize;
    while let Some(c) = rest.chars().next() {
        read += 1;
        if read > MAX_CHARS {
            break;
        }
        if let Some(e) = EMOTICONS.iter().find(|e| rest.starts_with(**e)) {
            // An emoticon only where it stands alone: not "x" in "xDifferent".
            let after = rest[e.len()..].chars().next();
            if word.is_empty() && after.is_none_or(|a| !a.is_alphanumeric()) {
                flush(
                    &mut out,
                    &mut word,
                    &mut upper,
                    &mut letters,
                    &mut elongated,
                );
                out.push(Token {
                    kind: Kind::Emoji,
                    text: e.to_ascii_lowercase(),
                    caps: false,
                    elongated: false,
                });
                rest = &rest[e.len()..];
                last = '\0';
                continue;
            }
        }
        rest = &rest[c.len_utf8()..];
        let apostrophe = c == '\'' || c == '\u{2019}';
        if c.is_alphanumeric() || (apostrophe && !word.is_empty()) {
            if apostrophe {
                // "don't" reads as "dont", as the lexicon writes it.
                continue;
            }
            if c.is_alphabetic() {
                letters += 1;
                if c.is_uppercase() {
                    upper += 1;
                }
            }
            let f = fold(c);
            if f == last {
                run += 1;
            } else {
                last = f;
                run = 1;
            }
            if run >= 3 && f.is_alphabetic() {
                elongated = true;
                continue;
            }
            word.push(f);
            continue;
        }
        flush(
            &mut out,
            &mut word,
            &mut upper,
            &mut letters,
            &mut elongated,
        );
        last = '\0';
        if is_emoji(c) {
            out.push(Token {
                kind: Kind::Emoji,
                text: c.to_string(),
                caps: false,
                elongated: false,
            });
            continue;
        }
        let kind = match c {
            '!' | '¡' => Some(Kind::Bang(1)),
            '.' | ';' | '?' | '¿' | '…' | '\n' => Some(Kind::Stop),
            ',' | ':' => Some(Kind::Comma),
            _ => None,
        };
        match (kind, out.last_mut()) {
            // "!!!" is one louder stop.
            (
                Some(Kind::Bang(_)),
                Some(Token {
                    kind: Kind::Bang(n),
                    ..
                }),
            ) if c == '!' => {
                *n = n.saturating_add(1);
            }
            (
                Some(Kind::Stop),
                Some(Token {
                    kind: Kind::Stop, ..
                }),
            ) => {}
            (Some(k), _) => out.push(Token {
                kind: k,
                text: String::new(),
                caps: false,
                elongated: false,
            }),
            (None, _) => {}
        }
    }
    flush(
        &mut out,
        &mut word,
        &mut upper,
        &mut letters,
        &mut elongated,
    );
    out
}

/// Most characters of one comment the analyser reads.
pub const MAX_CHARS: usize = 5_000;

/// `word` with every run of a repeated letter cut to one ("buenisimoo" → "buenisimo"),
/// for a second look-up when the word as written (runs of two) is not known.
pub fn single(word: &str) -> Option<String> {
    let mut out = String::with_capacity(word.len());
    let mut last = '\0';
    let mut changed = false;
    for c in word.chars() {
        if c == last && c.is_alphabetic() {
            changed = true;
            continue;
        }
        out.push(c);
        last = c;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(text)
            .into_iter()
            .map(|t| match t.kind {
                Kind::Word | Kind::Emoji => t.text,
                Kind::Comma => ",".into(),
                Kind::Stop => ".".into(),
                Kind::Bang(n) => "!".repeat(n as usize),
            })
            .collect()
    }

    #[test]
    fn words_are_folded_and_emphasis_remembered() {
        assert_eq!(
            words("La Habitación estaba SUCIA!!! buenísimooo :) 😍"),
            [
                "la",
                "habitacion",
                "estaba",
                "sucia",
                "!!!",
                "buenisimoo",
                ":)",
                "😍"
            ]
        );
        let t = tokens("SUCIA buenísimooo no");
        assert!(t[0].caps && !t[0].elongated);
        assert!(!t[1].caps && t[1].elongated);
        assert_eq!(single("buenisimoo").as_deref(), Some("buenisimo"));
        assert_eq!(words("don't, I'm fine."), ["dont", ",", "im", "fine", "."]);
        assert_eq!(words("didn\u{2019}t"), ["didnt"]);
        assert_eq!(words("¿Qué tal? Bien"), [".", "que", "tal", ".", "bien"]);
        assert_eq!(words("gr8 staff xD"), ["gr8", "staff", "xd"]);
    }

    #[test]
    fn any_input_is_read_without_panicking() {
        for text in [
            "",
            "!!!!!!!!",
            ":::",
            "\u{0}\u{FFFF}",
            "ﷺ",
            "a'b'c",
            &"x".repeat(20_000),
        ] {
            let _ = tokens(text);
        }
        assert!(tokens(&"ab ".repeat(10_000)).len() < MAX_CHARS);
    }
}

//! How the customer felt, by rules a manager can check: each known word or phrase adds its
//! strength, made weaker or stronger by the words before it ("muy", "a bit"), turned by a
//! negation ("no estaba limpia"), louder in capitals, elongated or followed by "!!!", and
//! within a sentence the clause after "pero"/"but" weighs more than the one before. The sum
//! becomes a score in [-1, 1]; each step is kept as the explanation.

use crate::lexicon::Lexicon;
use crate::normalize::{Kind, Token, single};
use serde::Serialize;

/// Why a word counted as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Turned by a negation before it.
    Negated,
    /// Strengthened by a word before it.
    Intensified,
    /// Softened by a word before it.
    Softened,
    /// Written in capitals.
    Capitals,
    /// A letter repeated for emphasis.
    Elongated,
    /// In the clause after "pero"/"but": weighs more.
    AfterContrast,
    /// In the clause before "pero"/"but" (or after "aunque"/"although"): weighs less.
    BeforeContrast,
    /// Its sentence ends with exclamation marks.
    Exclaimed,
}

/// One word or phrase that moved the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// As the lexicon knows it (folded: "sucia", "nada mal").
    pub term: String,
    /// Its strength in the lexicon, and what it counted after the rules.
    pub base: f32,
    pub counted: f32,
    pub rules: Vec<Rule>,
    /// Which token it starts at (for the themes and mentions of its clause).
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// −1 (very negative) … 1 (very positive).
    pub score: f32,
    /// Sums of the positive and negative contributions (for the model's features).
    pub positive: f32,
    pub negative: f32,
    pub evidence: Vec<Evidence>,
    /// Whether a contrast word turned a sentence.
    pub contrast: bool,
}

/// How many words back a negation or a booster reaches.
const NEGATION_REACH: usize = 3;
const BOOSTER_REACH: usize = 2;
/// What a negation does to a word's strength: turns it and weakens it ("no es bueno" is
/// less bad than "malo").
const NEGATION: f32 = -0.7;
const CAPITALS: f32 = 1.3;
const ELONGATED: f32 = 1.2;
const BEFORE: f32 = 0.5;
const AFTER: f32 = 1.5;
/// Added to the sentence's magnitude per `!`, up to four.
const BANG: f32 = 0.3;
/// The sum's scale: a sum of `ALPHA.sqrt()` gives a score of about 0.7.
const ALPHA: f32 = 15.0;

/// A word's strength, trying the word with its repeated letters cut to one
/// ("buenisimoo" → "buenisimo").
fn valence(lex: &Lexicon, word: &str) -> Option<f32> {
    lex.valence
        .get(word)
        .copied()
        .or_else(|| single(word).and_then(|w| lex.valence.get(&w).copied()))
}

/// The longest phrase starting at token `i`: (its words, valence).
fn phrase<'a>(lex: &'a Lexicon, tokens: &[Token], i: usize) -> Option<&'a (Vec<String>, f32)> {
    let list = lex.phrases.get(&tokens[i].text)?;
    list.iter().find(|(words, _)| {
        words.len() <= tokens.len() - i
            && words
                .iter()
                .zip(&tokens[i..])
                .all(|(w, t)| t.kind == Kind::Word && *w == t.text)
    })
}

pub fn score(lex: &Lexicon, tokens: &[Token]) -> Scored {
    let all_caps = tokens
        .iter()
        .filter(|t| t.kind == Kind::Word && t.text.chars().any(char::is_alphabetic))
        .all(|t| t.caps);
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut total = 0.0f32;
    let (mut pos, mut neg) = (0.0f32, 0.0f32);
    let mut contrast = false;
    // Sentence by sentence.
    let mut start = 0;
    while start < tokens.len() {
        let end = tokens[start..]
            .iter()
            .position(|t| matches!(t.kind, Kind::Stop | Kind::Bang(_)))
            .map_or(tokens.len(), |p| start + p);
        let bangs = match tokens.get(end).map(|t| t.kind) {
            Some(Kind::Bang(n)) => n.min(4),
            _ => 0,
        };
        let sentence = &tokens[start..end];
        // The turn: the last contrast word of the sentence. "Aunque"/"although" first
        // concedes the clause it opens (up to the comma) and asserts the rest.
        let turn = sentence
            .iter()
            .rposition(|t| t.kind == Kind::Word && lex.is_contrast(&t.text));
        let concession = turn.filter(|&p| {
            p == 0 && matches!(sentence[0].text.as_str(), "aunque" | "although" | "though")
        });
        let concession_end =
            concession.and_then(|_| sentence.iter().position(|t| t.kind == Kind::Comma));
        if turn.is_some() {
            contrast = true;
        }
        let first = evidence.len();
        let mut sum = 0.0f32;
        let mut i = 0;
        while i < sentence.len() {
            let t = &sentence[i];
            if !matches!(t.kind, Kind::Word | Kind::Emoji) {
                i += 1;
                continue;
            }
            let (term, base, len) = match phrase(lex, sentence, i) {
                Some((words, v)) => (words.join(" "), *v, words.len()),
                None => match valence(lex, &t.text) {
                    Some(v) => (t.text.clone(), v, 1),
                    None => {
                        i += 1;
                        continue;
                    }
                },
            };
            let mut v = base;
            let mut rules = Vec::new();
            // Words before it, within its clause (a comma ends a negation's reach).
            let clause_start = sentence[..i]
                .iter()
                .rposition(|t| t.kind == Kind::Comma)
                .map_or(0, |p| p + 1);
            let before = || {
                sentence[clause_start..i]
                    .iter()
                    .rev()
                    .filter(|t| t.kind == Kind::Word)
            };
            let mut boost = 1.0f32;
            for b in before().take(BOOSTER_REACH) {
                if let Some(m) = lex.boosters.get(&b.text) {
                    boost *= m;
                }
            }
            if boost > 1.0 {
                rules.push(Rule::Intensified);
            } else if boost < 1.0 {
                rules.push(Rule::Softened);
            }
            v *= boost;
            // A phrase already says its own negation ("nada mal", "not bad").
            let negated = len == 1
                && before()
                    .take(NEGATION_REACH)
                    .any(|b| lex.is_negator(&b.text));
            if negated {
                v *= NEGATION;
                rules.push(Rule::Negated);
            }
            if t.caps && !all_caps {
                v *= CAPITALS;
                rules.push(Rule::Capitals);
            }
            if t.elongated {
                v *= ELONGATED;
                rules.push(Rule::Elongated);
            }
            match (turn, concession, concession_end) {
                // "Aunque X, Y": X weighs less, Y more.
                (_, Some(_), Some(comma)) if i < comma => {
                    v *= BEFORE;
                    rules.push(Rule::BeforeContrast);
                }
                (_, Some(_), Some(_)) => {
                    v *= AFTER;
                    rules.push(Rule::AfterContrast);
                }
                (Some(p), None, _) if i < p => {
                    v *= BEFORE;
                    rules.push(Rule::BeforeContrast);
                }
                (Some(p), None, _) if i > p => {
                    v *= AFTER;
                    rules.push(Rule::AfterContrast);
                }
                _ => {}
            }
            sum += v;
            evidence.push(Evidence {
                term,
                base,
                counted: v,
                rules,
                at: start + i,
            });
            i += len;
        }
        if bangs > 0 && sum != 0.0 {
            let louder = BANG * f32::from(bangs);
            sum += louder.copysign(sum);
            for e in &mut evidence[first..] {
                e.rules.push(Rule::Exclaimed);
            }
        }
        for e in &evidence[first..] {
            if e.counted > 0.0 {
                pos += e.counted;
            } else {
                neg += e.counted;
            }
        }
        total += sum;
        start = end + 1;
    }
    Scored {
        score: total / (total * total + ALPHA).sqrt(),
        positive: pos,
        negative: neg,
        evidence,
        contrast,
    }
}

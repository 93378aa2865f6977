//! The learnt part: a linear model (multinomial logistic regression) over hashed word and
//! character n-grams, the words a negation reaches marked as negated, and the rules'
//! own findings as features. Trained by [`train`] on labelled comments (the shipped
//! weights come from `data/train/`; a tenant may train on its own), read back from a
//! compact file of quantised weights.

use crate::language::Language;
use crate::lexicon::Lexicon;
use crate::normalize::{Kind, Token};
use crate::sentiment::Scored;
use crate::{Label, language};

/// Hashed features per language.
pub const BUCKETS: usize = 1 << 16;
/// The length of a comment's hashed features (chosen on held-out long reviews and short
/// plain complaints: `data/README.md`).
const HASHED_NORM: f32 = 2.0;
/// The rules' findings, appended after the hashed features.
const DENSE: usize = 10;
const WIDTH: usize = BUCKETS + DENSE;
const CLASSES: usize = 3;
/// The file's first bytes: "CUMBRE" and the version of the features its weights were
/// trained on (02: hashed features scaled to a fixed length). Weights of another version
/// would read a comment's features wrongly, so they are refused as outdated.
const MAGIC: &[u8; 8] = b"CUMBRE02";
const FAMILY: &[u8; 6] = b"CUMBRE";

/// Why bytes are not a model this version can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Written by `cumbre text train` of an earlier (or later) version: train again.
    Outdated,
    /// Not weights `cumbre text train` wrote.
    NotAModel,
}

/// Weights for one language: WIDTH × CLASSES, and a bias per class.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub w: Vec<[f32; CLASSES]>,
    pub bias: [f32; CLASSES],
}

impl Weights {
    fn zero() -> Self {
        Weights {
            w: vec![[0.0; CLASSES]; WIDTH],
            bias: [0.0; CLASSES],
        }
    }
}

/// A model for Spanish and one for English (other languages use Spanish's).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub es: Weights,
    pub en: Weights,
}

fn fnv(seed: u64, parts: &[&[u8]]) -> usize {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h as usize) % BUCKETS
}

/// The features of one comment: (index, value), hashed ones first.
pub fn features(lex: &Lexicon, tokens: &[Token], scored: &Scored) -> Vec<(usize, f32)> {
    let mut out: Vec<(usize, f32)> = Vec::with_capacity(tokens.len() * 8 + DENSE);
    let mut negated = 0usize;
    let mut prev: &[u8] = b"<s>";
    for t in tokens {
        match t.kind {
            Kind::Word => {
                let w = t.text.as_bytes();
                if negated > 0 {
                    out.push((fnv(1, &[b"NOT_", w]), 1.0));
                    negated -= 1;
                } else {
                    out.push((fnv(1, &[w]), 1.0));
                }
                out.push((fnv(2, &[prev, w]), 1.0));
                // Character n-grams carry misspellings and inflections (of a word's first
                // 62 bytes, framed by `<` and `>`).
                let mut buf = [0u8; 64];
                let len = w.len().min(62);
                buf[0] = b'<';
                buf[1..=len].copy_from_slice(&w[..len]);
                buf[len + 1] = b'>';
                let padded = &buf[..len + 2];
                for n in [3usize, 4] {
                    for g in padded.windows(n) {
                        out.push((fnv(10 + n as u64, &[g]), 0.5));
                    }
                }
                if lex.is_negator(&t.text) {
                    negated = 3;
                }
                prev = w;
            }
            Kind::Emoji => {
                out.push((fnv(3, &[t.text.as_bytes()]), 1.0));
                prev = t.text.as_bytes();
            }
            Kind::Comma => negated = 0,
            Kind::Stop | Kind::Bang(_) => {
                negated = 0;
                prev = b"<s>";
            }
        }
    }
    // A long review's many n-grams must weigh what a short comment's few do, or length
    // alone sways the label; the rules' findings below stay as they are.
    let sum: f32 = out.iter().map(|(_, v)| v * v).sum();
    if sum > 0.0 {
        let f = HASHED_NORM / sum.sqrt();
        for (_, v) in &mut out {
            *v *= f;
        }
    }
    let words = tokens.iter().filter(|t| t.kind == Kind::Word).count() as f32;
    let bangs: f32 = tokens
        .iter()
        .map(|t| match t.kind {
            Kind::Bang(n) => f32::from(n),
            _ => 0.0,
        })
        .sum();
    let after: f32 = scored
        .evidence
        .iter()
        .filter(|e| e.rules.contains(&crate::sentiment::Rule::AfterContrast))
        .map(|e| e.counted)
        .sum();
    let dense = [
        scored.score,
        scored.positive / 4.0,
        scored.negative / 4.0,
        f32::from(u8::from(scored.contrast)),
        after / 4.0,
        (scored.positive + scored.negative) / 4.0,
        (scored.positive.min(-scored.negative)) / 4.0,
        (words + 1.0).ln() / 5.0,
        bangs.min(5.0) / 5.0,
        f32::from(u8::from(scored.evidence.is_empty())),
    ];
    for (i, v) in dense.into_iter().enumerate() {
        out.push((BUCKETS + i, v));
    }
    out
}

fn logits(w: &Weights, x: &[(usize, f32)]) -> [f32; CLASSES] {
    let mut z = w.bias;
    for (i, v) in x {
        let row = &w.w[*i];
        for c in 0..CLASSES {
            z[c] += row[c] * v;
        }
    }
    z
}

fn softmax(z: [f32; CLASSES]) -> [f32; CLASSES] {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e = z.map(|v| (v - m).exp());
    let s: f32 = e.iter().sum();
    e.map(|v| v / s)
}

impl Model {
    pub fn weights(&self, language: Language) -> &Weights {
        match language {
            Language::En => &self.en,
            _ => &self.es,
        }
    }

    /// Probabilities of positive, neutral, negative.
    pub fn predict(&self, language: Language, x: &[(usize, f32)]) -> [f32; CLASSES] {
        softmax(logits(self.weights(language), x))
    }

    /// The compact form: weights as 16-bit integers with one scale per language.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for w in [&self.es, &self.en] {
            let max =
                w.w.iter()
                    .flatten()
                    .chain(w.bias.iter())
                    .fold(0.0f32, |m, v| m.max(v.abs()))
                    .max(1e-6);
            let scale = max / f32::from(i16::MAX);
            out.extend(scale.to_le_bytes());
            let q = |v: f32| ((v / scale).round() as i16).to_le_bytes();
            for b in w.bias {
                out.extend(q(b));
            }
            // Sparse: most buckets are never seen; (index, three weights) for the rest.
            let used: Vec<(usize, &[f32; CLASSES])> =
                w.w.iter()
                    .enumerate()
                    .filter(|(_, r)| r.iter().any(|v| (v / scale).round() != 0.0))
                    .collect();
            out.extend((used.len() as u32).to_le_bytes());
            for (i, r) in used {
                out.extend((i as u32).to_le_bytes());
                for v in r {
                    out.extend(q(*v));
                }
            }
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Unreadable> {
        match bytes.get(..MAGIC.len()) {
            Some(m) if m == MAGIC => Self::read(&bytes[MAGIC.len()..]).ok_or(Unreadable::NotAModel),
            Some(m) if m.starts_with(FAMILY) => Err(Unreadable::Outdated),
            _ => Err(Unreadable::NotAModel),
        }
    }

    fn read(mut rest: &[u8]) -> Option<Self> {
        let mut take = |n: usize| -> Option<&[u8]> {
            let (a, b) = rest.split_at_checked(n)?;
            rest = b;
            Some(a)
        };
        let mut read = || -> Option<Weights> {
            let scale = f32::from_le_bytes(take(4)?.try_into().ok()?);
            let mut w = Weights::zero();
            for c in 0..CLASSES {
                w.bias[c] = f32::from(i16::from_le_bytes(take(2)?.try_into().ok()?)) * scale;
            }
            let n = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
            for _ in 0..n.min(WIDTH) {
                let i = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
                let row = w.w.get_mut(i)?;
                for v in row.iter_mut() {
                    *v = f32::from(i16::from_le_bytes(take(2)?.try_into().ok()?)) * scale;
                }
            }
            Some(w)
        };
        let es = read()?;
        let en = read()?;
        Some(Model { es, en })
    }
}

/// A labelled comment for training: its features and class, in its language.
pub struct Example {
    pub language: Language,
    pub x: Vec<(usize, f32)>,
    pub y: Label,
}

/// The features of `text` as the analyser computes them, for training.
pub fn example(text: &str, y: Label, given: Option<Language>) -> Example {
    let tokens = crate::normalize::tokens(text);
    let words: Vec<&str> = tokens
        .iter()
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text.as_str())
        .collect();
    let language =
        given.unwrap_or_else(|| language::detect(text, &tokens, crate::lexicon::known(&words)));
    let lex = crate::lexicon::of(language);
    let scored = crate::sentiment::score(lex, &tokens);
    Example {
        language,
        x: features(lex, &tokens, &scored),
        y,
    }
}

/// Trains by AdaGrad on the log-loss with L2, `epochs` passes in a fixed shuffled order
/// (the same data gives the same weights).
pub fn train(examples: &[Example], epochs: usize) -> Model {
    let mut model = Model {
        es: Weights::zero(),
        en: Weights::zero(),
    };
    for language in [Language::Es, Language::En] {
        let set: Vec<&Example> = examples
            .iter()
            .filter(|e| (e.language == Language::En) == (language == Language::En))
            .collect();
        let w = match language {
            Language::En => &mut model.en,
            _ => &mut model.es,
        };
        let mut g2 = vec![[1e-6f32; CLASSES]; WIDTH];
        let mut gb = [1e-6f32; CLASSES];
        let (rate, l2) = (0.3f32, 1e-5f32);
        let mut order: Vec<usize> = (0..set.len()).collect();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..epochs {
            for i in (1..order.len()).rev() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                order.swap(i, (rng % (i as u64 + 1)) as usize);
            }
            for &k in &order {
                let e = set[k];
                let p = softmax(logits(w, &e.x));
                let mut grad = p;
                grad[e.y.index()] -= 1.0;
                for c in 0..CLASSES {
                    gb[c] += grad[c] * grad[c];
                    w.bias[c] -= rate * grad[c] / gb[c].sqrt();
                }
                for (i, v) in &e.x {
                    for c in 0..CLASSES {
                        let g = grad[c] * v + l2 * w.w[*i][c];
                        g2[*i][c] += g * g;
                        w.w[*i][c] -= rate * g / g2[*i][c].sqrt();
                    }
                }
            }
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> Vec<Example> {
        let rows = [
            (
                "Excelente servicio, volveremos",
                Label::Positive,
                Language::Es,
            ),
            ("Muy limpio y amable", Label::Positive, Language::Es),
            ("Normal, nada especial", Label::Neutral, Language::Es),
            ("Buena comida pero lento", Label::Neutral, Language::Es),
            ("Sucio y caro, pésimo", Label::Negative, Language::Es),
            ("Nunca más, un asco", Label::Negative, Language::Es),
            ("Great stay, lovely staff", Label::Positive, Language::En),
            ("It was ok, nothing special", Label::Neutral, Language::En),
            ("Dirty room and rude staff", Label::Negative, Language::En),
        ];
        rows.iter()
            .map(|(t, y, l)| example(t, *y, Some(*l)))
            .collect()
    }

    #[test]
    fn training_is_deterministic_and_learns_its_examples() {
        let examples = set();
        let a = train(&examples, 30);
        assert_eq!(a, train(&examples, 30), "the same data, the same weights");
        for e in &examples {
            let p = a.predict(e.language, &e.x);
            let best = (0..3).max_by(|x, y| p[*x].total_cmp(&p[*y])).unwrap_or(1);
            assert_eq!(Label::ALL[best], e.y);
        }
    }

    #[test]
    fn weights_survive_their_file_within_quantisation() {
        let m = train(&set(), 10);
        let back = Model::from_bytes(&m.to_bytes()).expect("read back");
        let e = &set()[0];
        let (p, q) = (m.predict(e.language, &e.x), back.predict(e.language, &e.x));
        for c in 0..3 {
            assert!((p[c] - q[c]).abs() < 1e-3, "{p:?} vs {q:?}");
        }
        // Not a model: refused, never a panic.
        for bad in [
            &b""[..],
            b"CUMBRE02",
            b"CUMBRE02\x00\x00\x80\x3f\xff\xff\xff\xff",
            b"garbage",
        ] {
            assert_eq!(Model::from_bytes(bad), Err(Unreadable::NotAModel));
        }
        // Weights trained on an earlier version's features: outdated, not misread.
        let mut old = m.to_bytes();
        old[..8].copy_from_slice(b"CUMBRE01");
        assert_eq!(Model::from_bytes(&old), Err(Unreadable::Outdated));
    }
}

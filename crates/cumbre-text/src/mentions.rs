//! The employees a comment names: the unit's staff matched by first name, or by first and
//! last name, accents and case ignored ("lupita" for "Lupita", "Jose" for "José"). A first
//! name two people share is reported as ambiguous with both, never guessed; a full name
//! settles it. Each mention carries the sentiment of the clause it is in.

use crate::normalize::{Kind, Token, fold_str};
use crate::sentiment::Scored;
use serde::Serialize;

/// Someone a comment may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    /// As the organisation writes it ("María José Pérez Ruiz").
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    /// The person named; `None` when the name fits several (see `candidates`).
    pub person: Option<i64>,
    /// Everyone the words could mean (one when settled).
    pub candidates: Vec<i64>,
    /// The words as read (folded).
    pub words: String,
    /// The sentiment of its clause (negative: a complaint about them).
    pub score: f32,
    /// How the comment speaks of them (see `crate::settle`).
    pub label: crate::Label,
}

/// Words too common to be a name in a comment even when someone is called so.
const NOT_NAMES: &[&str] = &[
    "la", "el", "de", "del", "y", "e", "a", "o", "sol", "mar", "luz", "rosa", "paz", "pilar",
    "angel", "will", "may", "june", "grace", "joy", "hope", "faith", "bill", "mark", "rich", "don",
    "art", "amber", "summer", "dawn", "guy", "jack", "frank",
];

/// A unit's staff, their names folded once for every comment read against them.
#[derive(Debug, Clone, Default)]
pub struct Staff {
    /// (first name, second name or "", id).
    names: Vec<(String, String, i64)>,
}

impl Staff {
    pub fn new(people: &[Person]) -> Self {
        Staff {
            names: people
                .iter()
                .filter_map(|p| {
                    let folded = fold_str(&p.name);
                    let mut parts = folded.split_whitespace();
                    let first = parts.next()?.to_owned();
                    let last = parts.next().unwrap_or_default().to_owned();
                    Some((first, last, p.id))
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The mentions of `staff` in a comment (its `tokens` and their scoring), in order.
pub fn find(staff: &Staff, tokens: &[Token], scored: &Scored) -> Vec<Mention> {
    let names = &staff.names;
    if names.is_empty() {
        return Vec::new();
    }
    let clause_sum = |i: usize| -> f32 {
        let boundary = |t: &Token| matches!(t.kind, Kind::Comma | Kind::Stop | Kind::Bang(_));
        let start = tokens[..i].iter().rposition(boundary).map_or(0, |p| p + 1);
        let end = tokens[i..]
            .iter()
            .position(boundary)
            .map_or(tokens.len(), |p| i + p);
        scored
            .evidence
            .iter()
            .filter(|e| e.at >= start && e.at < end)
            .map(|e| e.counted)
            .sum()
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.kind != Kind::Word || NOT_NAMES.contains(&t.text.as_str()) {
            i += 1;
            continue;
        }
        let mut fits: Vec<&(String, String, i64)> =
            names.iter().filter(|(f, _, _)| *f == t.text).collect();
        if fits.is_empty() {
            i += 1;
            continue;
        }
        // A last name after the first settles who it is.
        let next = tokens.get(i + 1).filter(|n| n.kind == Kind::Word);
        let mut words = t.text.clone();
        let mut used = 1;
        if let Some(n) = next {
            let full: Vec<&(String, String, i64)> = fits
                .iter()
                .copied()
                .filter(|(_, l, _)| !l.is_empty() && *l == n.text)
                .collect();
            if !full.is_empty() {
                fits = full;
                words = format!("{} {}", t.text, n.text);
                used = 2;
            }
        }
        let mut candidates: Vec<i64> = fits.iter().map(|(_, _, id)| *id).collect();
        candidates.sort_unstable();
        candidates.dedup();
        out.push(Mention {
            person: (candidates.len() == 1).then(|| candidates[0]),
            candidates,
            words,
            score: clause_sum(i),
            label: crate::Label::Neutral,
        });
        i += used;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language;
    use crate::normalize::tokens;

    fn staff() -> Vec<Person> {
        [
            (1, "Guadalupe Lupita Hernández"),
            (2, "José Luis Martínez"),
            (3, "José Ramírez"),
            (4, "Carmen Ortiz"),
            (5, "Lupita Gómez"),
        ]
        .iter()
        .map(|(id, name)| Person {
            id: *id,
            name: (*name).into(),
        })
        .collect()
    }

    fn mentions(text: &str) -> Vec<Mention> {
        let t = tokens(text);
        let scored = crate::sentiment::score(crate::lexicon::of(Language::Es), &t);
        find(&Staff::new(&staff()), &t, &scored)
    }

    #[test]
    fn first_names_are_matched_without_accents_and_ambiguity_is_reported() {
        let m = mentions("carmen en recepcion fue un amor, pero jose nos ignoro");
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!(m[0].person, Some(4));
        assert!(m[0].score > 0.0, "praised: {m:?}");
        assert_eq!(m[1].person, None, "two Josés");
        assert_eq!(m[1].candidates, [2, 3]);
        // A last name settles it.
        let m = mentions("José Ramírez fue muy amable");
        assert_eq!(m[0].person, Some(3));
        assert_eq!(m[0].words, "jose ramirez");
        // Common words are not names; nobody is invented.
        assert!(mentions("la habitacion y el bano, todo limpio").is_empty());
        assert!(mentions("Pedro fue grosero").is_empty());
    }
}

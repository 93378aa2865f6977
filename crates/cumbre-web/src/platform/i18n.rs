//! UI strings come from the catalogues in `locales/` (one `key = text` per line), never
//! from templates. Tests check that both catalogues have the same keys and that every key
//! a template uses exists.

use cumbre_domain::Lang;
use std::collections::HashMap;
use std::sync::OnceLock;

const ES: &str = include_str!("../../locales/es.txt");
const EN: &str = include_str!("../../locales/en.txt");

fn parse(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

pub fn catalogue(lang: Lang) -> &'static HashMap<&'static str, &'static str> {
    static CATALOGUES: OnceLock<[HashMap<&'static str, &'static str>; 2]> = OnceLock::new();
    let all = CATALOGUES.get_or_init(|| [parse(ES), parse(EN)]);
    match lang {
        Lang::Es => &all[0],
        Lang::En => &all[1],
    }
}

/// The translator handed to every template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The text for `key`; the key itself if missing (a test keeps that from shipping).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        catalogue(self.lang).get(key).copied().unwrap_or(key)
    }

    /// The text for `key` with `{}` replaced by `arg`.
    pub fn f(&self, key: &str, arg: impl std::fmt::Display) -> String {
        self.t(key).replacen("{}", &arg.to_string(), 1)
    }

    /// A whole number for people: `12,345` (Spanish follows the Latin American use, the
    /// same decimal point the pages already show).
    pub fn int(&self, n: impl std::borrow::Borrow<i64>) -> String {
        let n = *n.borrow();
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// The catalogue key of `n` of something (`key.one` or `key.other`) and its text.
    fn plural(&self, key: &str, n: i64) -> (String, Option<&'static str>) {
        let key = format!("{key}.{}", if n == 1 { "one" } else { "other" });
        let text = catalogue(self.lang).get(key.as_str()).copied();
        (key, text)
    }

    /// The word for `n` of something: `key.one` or `key.other`, without the number.
    pub fn word(&self, key: &str, n: impl std::borrow::Borrow<i64>) -> &'static str {
        self.plural(key, *n.borrow()).1.unwrap_or("")
    }

    /// `key.one` or `key.other` by `n`, with `{}` replaced by the formatted number.
    pub fn count(&self, key: &str, n: impl std::borrow::Borrow<i64>) -> String {
        let n = *n.borrow();
        let (key, text) = self.plural(key, n);
        text.map_or(key, str::to_owned)
            .replacen("{}", &self.int(n), 1)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The name of an open-ended code (a channel, say): `prefix.code` when the catalogue
    /// has it, else the code itself (a review site's name needs no translation).
    pub fn name_of(&self, prefix: &str, code: &str) -> String {
        catalogue(self.lang)
            .get(format!("{prefix}.{code}").as_str())
            .map_or_else(|| code.to_owned(), |t| (*t).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn whole_numbers_group_thousands() {
        let tr = Tr::new(Lang::Es);
        assert_eq!(tr.int(0), "0");
        assert_eq!(tr.int(999), "999");
        assert_eq!(tr.int(1000), "1,000");
        assert_eq!(tr.int(-1234567), "-1,234,567");
        assert_eq!(tr.int(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn catalogues_have_the_same_keys() {
        let es: BTreeSet<_> = catalogue(Lang::Es).keys().collect();
        let en: BTreeSet<_> = catalogue(Lang::En).keys().collect();
        let only_es: Vec<_> = es.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&es).collect();
        assert!(
            only_es.is_empty() && only_en.is_empty(),
            "only es: {only_es:?}, only en: {only_en:?}"
        );
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let mut dirs = vec![
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")),
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        ];
        let mut missing = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("dir exists") {
                let path = entry.expect("entry").path();
                // Pages live in a folder per loop step.
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("readable");
                for marker in [".t(\"", ".f(\""] {
                    for piece in text.split(marker).skip(1) {
                        let key = piece.split('"').next().unwrap_or_default();
                        if key.contains('.') && !catalogue(Lang::Es).contains_key(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
                // A count names two keys: its singular and its plural.
                for piece in text
                    .split(".count(\"")
                    .skip(1)
                    .chain(text.split(".word(\"").skip(1))
                {
                    let key = piece.split('"').next().unwrap_or_default();
                    for form in ["one", "other"] {
                        let key = format!("{key}.{form}");
                        if !catalogue(Lang::Es).contains_key(key.as_str()) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing catalogue keys: {missing:#?}");
    }
}

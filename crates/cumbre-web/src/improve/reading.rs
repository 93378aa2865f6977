//! What the analyser read in one response's comments, as the response page explains it:
//! how the customer felt and the words and rules that decided it, the themes with their
//! own sentiment, and the employees named (an ambiguous name is shown with everyone it
//! could mean, and credits no one).

use crate::platform::auth::Ctx;
use crate::platform::i18n::Tr;
use crate::{AppError, AppState};
use cumbre_domain::PersonId;
use cumbre_domain::improve::reading::{Reading, Sentiment};

/// A sentiment as a person reads it: its name and its colour class.
pub fn sentiment_label(tr: &Tr, s: Sentiment) -> (String, &'static str) {
    let class = match s {
        Sentiment::Positive => "tone tone-positive",
        Sentiment::Neutral => "tone tone-neutral",
        Sentiment::Negative => "tone tone-negative",
    };
    (tr.name_of("sentiment", s.code()), class)
}

/// A tenant's themes as a person reads them: the names it gave (in the reader's language),
/// else the catalogue's.
#[derive(Debug, Clone)]
pub struct ThemeNames {
    /// (key, name, still looked for), shipped themes first.
    themes: Vec<(String, String, bool)>,
}

impl ThemeNames {
    pub fn of(taxonomy: &cumbre_store::improve::taxonomy::TenantTaxonomy, tr: &Tr) -> Self {
        let themes = taxonomy
            .themes
            .iter()
            .map(|t| {
                let given = match tr.lang {
                    cumbre_domain::Lang::Es => &t.name_es,
                    cumbre_domain::Lang::En => &t.name_en,
                };
                let name = if given.is_empty() {
                    tr.name_of("theme", &t.key)
                } else {
                    given.clone()
                };
                (t.key.clone(), name, t.active)
            })
            .collect();
        ThemeNames { themes }
    }

    /// The tenant's themes, read now.
    pub async fn load(
        state: &AppState,
        tenant: cumbre_domain::TenantId,
        tr: &Tr,
    ) -> Result<Self, AppError> {
        Ok(Self::of(&state.store.tenant_taxonomy(tenant).await?, tr))
    }

    pub fn name(&self, key: &str) -> String {
        self.themes
            .iter()
            .find(|(k, _, _)| k == key)
            .map_or_else(|| key.to_owned(), |(_, n, _)| n.clone())
    }

    /// Every theme (for filters: old comments name themes no longer looked for), as
    /// (key, name).
    pub fn all(&self) -> Vec<(String, String)> {
        self.themes
            .iter()
            .map(|(k, n, _)| (k.clone(), n.clone()))
            .collect()
    }

    /// The themes still looked for (for rules), as (key, name).
    pub fn active(&self) -> Vec<(String, String)> {
        self.themes
            .iter()
            .filter(|(_, _, a)| *a)
            .map(|(k, n, _)| (k.clone(), n.clone()))
            .collect()
    }
}

/// A signed figure with a real minus sign, to two decimals.
fn signed(x: f32) -> String {
    format!("{x:+.2}").replace('-', "−")
}

pub struct ThemeLine {
    pub name: String,
    pub sentiment: (String, &'static str),
    /// The words that named it, quoted.
    pub terms: String,
    /// The response browser's filter for this theme read this way.
    pub href: String,
}

pub struct MentionLine {
    /// The employee's name and their results page, when the name settles who it is.
    pub person: Option<(String, String)>,
    /// Everyone an ambiguous name could mean.
    pub candidates: Vec<String>,
    pub words: String,
    pub sentiment: (String, &'static str),
}

pub struct CueLine {
    pub term: String,
    pub strength: String,
    pub counted: String,
    pub rules: String,
}

pub struct ReadingView {
    pub sentiment: (String, &'static str),
    pub score: String,
    pub language: String,
    pub themes: Vec<ThemeLine>,
    pub mentions: Vec<MentionLine>,
    pub cues: Vec<CueLine>,
}

/// The name of someone the reader may see, else `None`.
async fn name_of(state: &AppState, ctx: &Ctx, id: PersonId) -> Result<Option<String>, AppError> {
    match state.store.get_person(&ctx.scope, id).await {
        Ok(p) => Ok(Some(p.name)),
        Err(cumbre_store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The page's view of `reading`.
pub async fn view(state: &AppState, ctx: &Ctx, reading: &Reading) -> Result<ReadingView, AppError> {
    let tr = Tr::new(ctx.lang);
    let names = ThemeNames::load(state, ctx.user.tenant, &tr).await?;
    let mut mentions = Vec::new();
    for m in &reading.mentions {
        let person = match m.employee_id {
            Some(id) => name_of(state, ctx, id)
                .await?
                .map(|name| (name, format!("/dashboard/people/{}", id.0))),
            None => None,
        };
        let mut candidates = Vec::new();
        if m.employee_id.is_none() {
            for id in &m.candidates {
                if let Some(name) = name_of(state, ctx, *id).await? {
                    candidates.push(name);
                }
            }
        }
        mentions.push(MentionLine {
            person,
            candidates,
            words: m.words.clone(),
            sentiment: sentiment_label(&tr, m.sentiment),
        });
    }
    Ok(ReadingView {
        sentiment: sentiment_label(&tr, reading.sentiment),
        score: signed(reading.score),
        language: tr.name_of("text.language", &reading.language),
        themes: reading
            .themes
            .iter()
            .map(|t| ThemeLine {
                name: names.name(&t.theme),
                sentiment: sentiment_label(&tr, t.sentiment),
                terms: t
                    .terms
                    .iter()
                    .map(|w| format!("«{w}»"))
                    .collect::<Vec<_>>()
                    .join(", "),
                href: format!(
                    "/responses?theme={}&sentiment={}",
                    t.theme,
                    t.sentiment.code()
                ),
            })
            .collect(),
        mentions,
        cues: reading
            .cues
            .iter()
            .map(|c| CueLine {
                term: c.term.clone(),
                strength: signed(c.strength),
                counted: signed(c.counted),
                rules: c
                    .rules
                    .iter()
                    .map(|r| tr.name_of("text.rule", r.code()))
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::i18n::catalogue;
    use cumbre_domain::Lang;
    use cumbre_domain::improve::reading::Rule;

    /// Every theme, rule, sentiment and language the analyser can give has a name in both
    /// languages: a page never shows a key.
    #[test]
    fn every_code_a_reading_holds_has_a_name() {
        let rules = [
            Rule::Negated,
            Rule::Intensified,
            Rule::Softened,
            Rule::Capitals,
            Rule::Elongated,
            Rule::AfterContrast,
            Rule::BeforeContrast,
            Rule::Exclaimed,
        ];
        let mut keys: Vec<String> = cumbre_store::improve::THEMES
            .iter()
            .map(|t| format!("theme.{t}"))
            .collect();
        keys.extend(rules.iter().map(|r| format!("text.rule.{}", r.code())));
        keys.extend(
            Sentiment::ALL
                .iter()
                .map(|s| format!("sentiment.{}", s.code())),
        );
        keys.extend(["es", "en", "other"].map(|l| format!("text.language.{l}")));
        for lang in [Lang::Es, Lang::En] {
            for key in &keys {
                assert!(
                    catalogue(lang).contains_key(key.as_str()),
                    "{lang:?}: {key}"
                );
            }
        }
        assert_eq!(signed(-0.5), "−0.50");
        assert_eq!(signed(1.0), "+1.00");
    }
}

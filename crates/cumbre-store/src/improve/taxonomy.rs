//! A tenant's theme taxonomy: the shipped one (`cumbre_text::themes`) with the tenant's
//! edits — themes of its own, themes renamed or no longer looked for, and terms placed
//! under another theme or under none (migration 0024). Every edit moves the cache epoch,
//! so each writer reads the next comments with it, and asks for the tenant's comments to
//! be read again (`Store::reread_step`, which the server's scheduler runs), so the
//! dashboards speak of the old comments in the new terms too.

use crate::StoreError;
use crate::store::col;
use cumbre_domain::access::AdminGrant;
use cumbre_domain::{Field, InvalidInput, TenantId};
pub use cumbre_text::Language;
use cumbre_text::themes::{Edits, Taxonomy};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// A theme as a tenant has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub key: String,
    /// The tenant's own, not a shipped one.
    pub own: bool,
    /// Its names; empty: the catalogue's (a shipped theme not renamed).
    pub name_es: String,
    pub name_en: String,
    /// Still looked for in new comments.
    pub active: bool,
}

/// A term a tenant placed: its words as the analyser reads them, and the theme it names
/// (`None`: it names none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedTerm {
    pub language: Language,
    pub term: String,
    pub theme: Option<String>,
}

/// A tenant's taxonomy: every theme it has had (shipped first) and its placed terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantTaxonomy {
    pub themes: Vec<Theme>,
    pub terms: Vec<PlacedTerm>,
}

impl TenantTaxonomy {
    /// Whether the tenant changed nothing.
    pub fn is_shipped(&self) -> bool {
        self.terms.is_empty() && self.themes.iter().all(|t| !t.own && t.active)
    }

    pub fn theme(&self, key: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.key == key)
    }

    /// Whether `key` is a theme still looked for.
    pub fn is_active(&self, key: &str) -> bool {
        self.theme(key).is_some_and(|t| t.active)
    }

    /// What the analyser reads comments with.
    pub fn taxonomy(&self) -> Taxonomy {
        Taxonomy::edited(&Edits {
            added: self
                .themes
                .iter()
                .filter(|t| t.own)
                .map(|t| t.key.clone())
                .collect(),
            disabled: self
                .themes
                .iter()
                .filter(|t| !t.active)
                .map(|t| t.key.clone())
                .collect(),
            terms: self
                .terms
                .iter()
                .map(|p| {
                    let words = p.term.split(' ').map(str::to_owned).collect();
                    (p.language, words, p.theme.clone())
                })
                .collect(),
        })
    }
}

fn language_of(code: &str) -> Result<Language, StoreError> {
    match code {
        "es" => Ok(Language::Es),
        "en" => Ok(Language::En),
        _ => Err(StoreError::Corrupt("theme term language".into())),
    }
}

/// `tenant`'s taxonomy, read in the caller's transaction or pool.
pub(crate) async fn taxonomy_of(
    conn: &mut AnyConnection,
    tenant: i64,
) -> Result<TenantTaxonomy, StoreError> {
    let rows = sqlx::query(
        "SELECT theme, own, name_es, name_en, active FROM tenant_themes WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_all(&mut *conn)
    .await?;
    let mut themes: Vec<Theme> = cumbre_text::themes::THEMES
        .iter()
        .map(|k| Theme {
            key: (*k).to_owned(),
            own: false,
            name_es: String::new(),
            name_en: String::new(),
            active: true,
        })
        .collect();
    let mut own = Vec::new();
    for r in &rows {
        let theme = Theme {
            key: col(r, "theme")?,
            own: col::<i64>(r, "own")? == 1,
            name_es: col(r, "name_es")?,
            name_en: col(r, "name_en")?,
            active: col::<i64>(r, "active")? == 1,
        };
        match themes.iter_mut().find(|t| t.key == theme.key) {
            Some(shipped) => {
                *shipped = Theme {
                    own: false,
                    ..theme
                }
            }
            None => own.push(theme),
        }
    }
    own.sort_by(|a, b| a.key.cmp(&b.key));
    themes.extend(own);
    let mut terms = Vec::new();
    for r in sqlx::query(
        "SELECT language, term, theme FROM tenant_theme_terms WHERE tenant_id = $1 \
         ORDER BY language, term",
    )
    .bind(tenant)
    .fetch_all(&mut *conn)
    .await?
    {
        terms.push(PlacedTerm {
            language: language_of(&col::<String>(&r, "language")?)?,
            term: col(&r, "term")?,
            theme: col(&r, "theme")?,
        });
    }
    Ok(TenantTaxonomy { themes, terms })
}

/// A theme's names, checked: both required for a theme of the tenant's own, both or
/// neither for a shipped one (neither: the catalogue's).
fn names(name_es: &str, name_en: &str, own: bool) -> Result<(String, String), InvalidInput> {
    let (es, en) = (name_es.trim(), name_en.trim());
    if !own && es.is_empty() && en.is_empty() {
        return Ok((String::new(), String::new()));
    }
    Ok((
        cumbre_domain::input::required_text(es, Field::NameEs, 60)?,
        cumbre_domain::input::required_text(en, Field::NameEn, 60)?,
    ))
}

/// Whether `tenant` has a row for the theme `key` (its own, or a shipped one it changed).
async fn has_row(conn: &mut AnyConnection, tenant: i64, key: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT 1 AS x FROM tenant_themes WHERE tenant_id = $1 AND theme = $2")
        .bind(tenant)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some())
}

/// The refusal of a theme key the tenant does not have (or, where an active one is
/// needed, no longer looks for).
fn unknown_theme(key: &str) -> StoreError {
    InvalidInput::UnknownReference {
        field: Field::Theme,
        value: key.chars().take(40).collect(),
    }
    .into()
}

/// The language a term is placed in.
pub fn term_language(raw: &str) -> Result<Language, InvalidInput> {
    match raw.trim() {
        "es" => Ok(Language::Es),
        "en" => Ok(Language::En),
        other => Err(InvalidInput::NotOneOf {
            field: Field::Language,
            value: other.chars().take(40).collect(),
            allowed: "es, en",
        }),
    }
}

/// A term as the analyser reads it, or why it cannot be one.
fn term_of(raw: &str) -> Result<String, InvalidInput> {
    if raw.chars().count() > 80 {
        return Err(InvalidInput::TooLong {
            field: Field::Term,
            max: 80,
        });
    }
    cumbre_text::themes::term_words(raw)
        .map(|w| w.join(" "))
        .ok_or(InvalidInput::NotOneOf {
            field: Field::Term,
            value: raw.chars().take(40).collect(),
            allowed: "one to five words",
        })
}

impl crate::Store {
    /// `tenant`'s taxonomy.
    pub async fn tenant_taxonomy(&self, tenant: TenantId) -> Result<TenantTaxonomy, StoreError> {
        let mut conn = self.pool().acquire().await?;
        taxonomy_of(&mut conn, tenant.0).await
    }

    /// Refuses `key` unless it is one of `tenant`'s themes, active or not (old comments
    /// still name a theme no longer looked for): what filters by theme accept.
    pub async fn check_theme(&self, tenant: TenantId, key: &str) -> Result<(), StoreError> {
        if cumbre_text::themes::THEMES.contains(&key) {
            return Ok(());
        }
        let mut conn = self.pool().acquire().await?;
        if has_row(&mut conn, tenant.0, key).await? {
            Ok(())
        } else {
            Err(unknown_theme(key))
        }
    }

    /// Adds a theme of the tenant's own; `key` is how the API and filters name it.
    pub async fn add_theme(
        &self,
        grant: &AdminGrant,
        key: &str,
        (name_es, name_en): (&str, &str),
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let key = key.trim();
        if !cumbre_text::themes::is_key(key) {
            return Err(InvalidInput::NotOneOf {
                field: Field::Key,
                value: key.chars().take(40).collect(),
                allowed: "a-z, 0-9 and _, starting with a letter (up to 40)",
            }
            .into());
        }
        let (es, en) = names(name_es, name_en, true)?;
        let tenant = grant.tenant();
        let mut w = self.begin_write().await?;
        let taken =
            cumbre_text::themes::THEMES.contains(&key) || has_row(&mut w.tx, tenant.0, key).await?;
        if taken {
            return Err(InvalidInput::Duplicate {
                field: Field::Key,
                value: key.to_owned(),
            }
            .into());
        }
        sqlx::query(
            "INSERT INTO tenant_themes (tenant_id, theme, own, name_es, name_en, active) \
             VALUES ($1, $2, 1, $3, $4, 1)",
        )
        .bind(tenant.0)
        .bind(key)
        .bind(&es)
        .bind(&en)
        .execute(&mut *w.tx)
        .await?;
        crate::audit::record(&mut w.tx, tenant, actor, "theme.add", key, &en, now).await?;
        // A theme without terms finds nothing: nothing to read again yet.
        w.commit().await?;
        Ok(())
    }

    /// Renames a theme (a shipped one: empty names go back to the catalogue's) and sets
    /// whether new comments are still looked at for it.
    pub async fn update_theme(
        &self,
        grant: &AdminGrant,
        key: &str,
        (name_es, name_en): (&str, &str),
        active: bool,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let tenant = grant.tenant();
        let mut w = self.begin_write().await?;
        let current = taxonomy_of(&mut w.tx, tenant.0).await?;
        let theme = current.theme(key).ok_or_else(|| unknown_theme(key))?;
        let (es, en) = names(name_es, name_en, theme.own)?;
        let own = i64::from(theme.own);
        let was_active = theme.active;
        let key = theme.key.clone();
        sqlx::query("DELETE FROM tenant_themes WHERE tenant_id = $1 AND theme = $2")
            .bind(tenant.0)
            .bind(&key)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO tenant_themes (tenant_id, theme, own, name_es, name_en, active) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant.0)
        .bind(&key)
        .bind(own)
        .bind(&es)
        .bind(&en)
        .bind(i64::from(active))
        .execute(&mut *w.tx)
        .await?;
        let detail = if active { "active" } else { "inactive" };
        crate::audit::record(&mut w.tx, tenant, actor, "theme.update", &key, detail, now).await?;
        if active != was_active {
            request_reread(&mut w.tx, tenant.0).await?;
        }
        w.commit().await?;
        Ok(())
    }

    /// Places a term (in one language) under `theme`, or under none; it replaces the
    /// shipped term of the same words. Returns the term as it is read.
    pub async fn place_term(
        &self,
        grant: &AdminGrant,
        language: Language,
        raw: &str,
        theme: Option<&str>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<String, StoreError> {
        let term = term_of(raw)?;
        let tenant = grant.tenant();
        let mut w = self.begin_write().await?;
        if let Some(key) = theme {
            let current = taxonomy_of(&mut w.tx, tenant.0).await?;
            if !current.is_active(key) {
                return Err(unknown_theme(key));
            }
        }
        let count: i64 = col(
            &sqlx::query("SELECT count(*) AS n FROM tenant_theme_terms WHERE tenant_id = $1")
                .bind(tenant.0)
                .fetch_one(&mut *w.tx)
                .await?,
            "n",
        )?;
        if count >= MAX_TERMS {
            return Err(InvalidInput::TooMany {
                field: Field::Term,
                max: MAX_TERMS as usize,
            }
            .into());
        }
        sqlx::query(
            "DELETE FROM tenant_theme_terms WHERE tenant_id = $1 AND language = $2 AND term = $3",
        )
        .bind(tenant.0)
        .bind(language.code())
        .bind(&term)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "INSERT INTO tenant_theme_terms (tenant_id, language, term, theme) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant.0)
        .bind(language.code())
        .bind(&term)
        .bind(theme)
        .execute(&mut *w.tx)
        .await?;
        let detail = format!("{}: {}", language.code(), theme.unwrap_or("-"));
        crate::audit::record(&mut w.tx, tenant, actor, "theme.term", &term, &detail, now).await?;
        request_reread(&mut w.tx, tenant.0).await?;
        w.commit().await?;
        Ok(term)
    }

    /// Takes back a placed term: the shipped taxonomy's reading of it applies again.
    /// Whether there was one.
    pub async fn unplace_term(
        &self,
        grant: &AdminGrant,
        language: Language,
        raw: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let term = term_of(raw)?;
        let tenant = grant.tenant();
        let mut w = self.begin_write().await?;
        let gone = sqlx::query(
            "DELETE FROM tenant_theme_terms WHERE tenant_id = $1 AND language = $2 AND term = $3",
        )
        .bind(tenant.0)
        .bind(language.code())
        .bind(&term)
        .execute(&mut *w.tx)
        .await?
        .rows_affected()
            > 0;
        if gone {
            crate::audit::record(
                &mut w.tx,
                tenant,
                actor,
                "theme.unterm",
                &term,
                language.code(),
                now,
            )
            .await?;
            request_reread(&mut w.tx, tenant.0).await?;
        }
        w.commit().await?;
        Ok(gone)
    }
}

/// The most terms a tenant may place (each is read in every comment's lookup table).
pub const MAX_TERMS: i64 = 2_000;

/// Asks for `tenant`'s comments to be read again from the first: a reading under way
/// starts over, since what it read so far used the old taxonomy.
pub(crate) async fn request_reread(
    conn: &mut AnyConnection,
    tenant: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO text_rereads (tenant_id, after, generation) VALUES ($1, 0, 1) \
         ON CONFLICT (tenant_id) DO UPDATE SET after = 0, generation = text_rereads.generation + 1",
    )
    .bind(tenant)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

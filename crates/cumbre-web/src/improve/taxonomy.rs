//! Administrators shape what comments are read as being about: the shipped themes (renamed
//! or switched off), themes of the company's own, and terms placed under a theme or under
//! none. Each change reaches every writer at its next response, and the scheduler reads
//! the stored comments again, with its progress shown here. `/api/v1/themes/taxonomy` gives
//! the same to whoever may read the themes dashboards.

use crate::improve::reading::ThemeNames;
use crate::platform::auth::{CsrfForm, Ctx, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::i18n::Tr;
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::Lang;
use cumbre_domain::access::Scope;
use cumbre_store::improve::taxonomy::{Language, term_language};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One theme's row.
struct ThemeRow {
    key: String,
    /// Its name in the reader's language.
    name: String,
    name_es: String,
    name_en: String,
    own: bool,
    active: bool,
    /// Its terms, joined, per language.
    terms_es: String,
    terms_en: String,
    count_es: usize,
    count_en: usize,
}

/// One placed term.
struct TermRow {
    language: &'static str,
    language_name: String,
    term: String,
    /// The theme's name, or what naming none means.
    theme: String,
}

#[derive(Template)]
#[template(path = "improve/taxonomy.html")]
struct TaxonomyPage {
    chrome: Chrome,
    themes: Vec<ThemeRow>,
    terms: Vec<TermRow>,
    /// (key, name) of the themes a term may be placed under.
    active: Vec<(String, String)>,
    /// "Reading stored comments again: 1.200 of 5.000", when that is under way.
    rereading: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    ctx.admin()?;
    let tenant = ctx.user.tenant;
    let chrome = Chrome::for_user(&ctx, "themes_settings").with_notice(n.ok.as_deref());
    let tr = Tr::new(ctx.lang);
    let taxonomy = state.store.tenant_taxonomy(tenant).await?;
    let names = ThemeNames::of(&taxonomy, &tr);
    let read = taxonomy.taxonomy();
    let themes = taxonomy
        .themes
        .iter()
        .map(|t| {
            let (es, en) = (
                read.terms_of(&t.key, Language::Es),
                read.terms_of(&t.key, Language::En),
            );
            ThemeRow {
                key: t.key.clone(),
                name: names.name(&t.key),
                name_es: t.name_es.clone(),
                name_en: t.name_en.clone(),
                own: t.own,
                active: t.active,
                count_es: es.len(),
                count_en: en.len(),
                terms_es: es.join(", "),
                terms_en: en.join(", "),
            }
        })
        .collect();
    let terms = taxonomy
        .terms
        .iter()
        .map(|p| TermRow {
            language: p.language.code(),
            language_name: tr.name_of("text.language", p.language.code()),
            term: p.term.clone(),
            theme: p
                .theme
                .as_deref()
                .map_or_else(|| tr.t("taxonomy.no_theme").to_owned(), |k| names.name(k)),
        })
        .collect();
    let rereading = state.store.rereading(tenant).await?.map(|r| {
        tr.t("taxonomy.rereading")
            .replace("{done}", &tr.int(r.done as i64))
            .replace("{total}", &tr.int(r.total as i64))
    });
    page(&TaxonomyPage {
        active: names.active(),
        chrome,
        themes,
        terms,
        rereading,
    })
}

#[derive(Deserialize)]
pub struct NewThemeForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    name_es: String,
    #[serde(default)]
    name_en: String,
}

pub async fn add(
    State(state): State<AppState>,
    f: CsrfForm<NewThemeForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let form = &f.form;
    state
        .store
        .add_theme(
            &grant,
            &form.key,
            (&form.name_es, &form.name_en),
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done("/admin/themes", "created"))
}

#[derive(Deserialize)]
pub struct ThemeForm {
    #[serde(default)]
    name_es: String,
    #[serde(default)]
    name_en: String,
    /// `1`: still looked for.
    #[serde(default)]
    active: String,
}

pub async fn update(
    State(state): State<AppState>,
    Path(key): Path<String>,
    f: CsrfForm<ThemeForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let form = &f.form;
    state
        .store
        .update_theme(
            &grant,
            &key,
            (&form.name_es, &form.name_en),
            form.active == "1",
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done("/admin/themes", "saved"))
}

#[derive(Deserialize)]
pub struct TermForm {
    #[serde(default)]
    language: String,
    #[serde(default)]
    term: String,
    /// A theme's key; empty: the term names no theme.
    #[serde(default)]
    theme: String,
    /// `1` takes the term back instead.
    #[serde(default)]
    remove: String,
}

pub async fn term(
    State(state): State<AppState>,
    f: CsrfForm<TermForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let form = &f.form;
    let language = term_language(&form.language)?;
    let now = state.clock.now();
    if form.remove == "1" {
        state
            .store
            .unplace_term(&grant, language, &form.term, &f.ctx.actor(), now)
            .await?;
        return Ok(done("/admin/themes", "saved"));
    }
    let theme = Some(form.theme.trim()).filter(|t| !t.is_empty());
    state
        .store
        .place_term(&grant, language, &form.term, theme, &f.ctx.actor(), now)
        .await?;
    Ok(done("/admin/themes", "saved"))
}

/// A theme of the tenant's taxonomy, as the API gives it.
#[derive(Serialize, ToSchema)]
pub struct TaxonomyTheme {
    /// How filters (`theme=`), rules and readings name it.
    pub key: String,
    /// Its names as people read them (the tenant's, else Cumbre's).
    pub name_es: String,
    pub name_en: String,
    /// The tenant's own theme, not a shipped one.
    pub own: bool,
    /// Still looked for in new comments (old ones may still name it).
    pub active: bool,
    /// The terms that name it, per language.
    pub terms_es: Vec<String>,
    pub terms_en: Vec<String>,
}

/// A term the tenant placed.
#[derive(Serialize, ToSchema)]
pub struct TaxonomyTerm {
    /// `es` or `en`.
    pub language: String,
    /// Its words as the analyser reads them (lower-case, without accents).
    pub term: String,
    /// The theme it names; `null`: none.
    pub theme: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TaxonomyReport {
    pub themes: Vec<TaxonomyTheme>,
    pub placed_terms: Vec<TaxonomyTerm>,
    /// Stored comments read again so far after the last change, and how many there are;
    /// `null`: none being read again.
    pub rereading: Option<[u64; 2]>,
}

/// The report `/api/v1/themes/taxonomy` gives.
pub(crate) async fn report(state: &AppState, ctx: &Ctx) -> Result<TaxonomyReport, AppError> {
    if let Scope::Own { .. } = ctx.scope {
        return Err(AppError::NotFound);
    }
    let tenant = ctx.user.tenant;
    let taxonomy = state.store.tenant_taxonomy(tenant).await?;
    let es = ThemeNames::of(&taxonomy, &Tr::new(Lang::Es));
    let en = ThemeNames::of(&taxonomy, &Tr::new(Lang::En));
    let read = taxonomy.taxonomy();
    Ok(TaxonomyReport {
        themes: taxonomy
            .themes
            .iter()
            .map(|t| TaxonomyTheme {
                name_es: es.name(&t.key),
                name_en: en.name(&t.key),
                own: t.own,
                active: t.active,
                terms_es: read.terms_of(&t.key, Language::Es),
                terms_en: read.terms_of(&t.key, Language::En),
                key: t.key.clone(),
            })
            .collect(),
        placed_terms: taxonomy
            .terms
            .iter()
            .map(|p| TaxonomyTerm {
                language: p.language.code().to_owned(),
                term: p.term.clone(),
                theme: p.theme.clone(),
            })
            .collect(),
        rereading: state
            .store
            .rereading(tenant)
            .await?
            .map(|r| [r.done, r.total]),
    })
}

//! The service vision page: what the company promises, its value proposition and values,
//! in the reader's language; every earlier version; the acknowledgement of each person who
//! serves; for leaders, who in their units has not read it; for administrators, the form
//! that publishes the next version.

use crate::platform::auth::{CsrfForm, Ctx, PageCtx};
use crate::platform::extract::Query;
use crate::platform::page::{Chrome, actor_name, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::decide::vision::{ValueDefinition, VisionDefinition};
use cumbre_domain::listen::Texts;
use cumbre_domain::recover::TenantClock;
use cumbre_domain::{Field, InvalidInput, Lang};
use cumbre_store::decide::{Readers, Vision};
use serde::Deserialize;

/// A version as a person reads it.
pub struct VisionView {
    pub version: i64,
    pub vision: String,
    pub proposition: String,
    /// (name, what living it looks like)
    pub values: Vec<(String, String)>,
    /// When, in the tenant's zone, and by whom (their name).
    pub published: String,
    pub by: String,
}

impl VisionView {
    pub fn of(v: &Vision, lang: Lang, clock: &TenantClock) -> Self {
        let d = &v.definition;
        Self {
            version: v.version,
            vision: d.vision.get(lang).to_owned(),
            proposition: d.proposition.get(lang).to_owned(),
            values: d
                .values
                .iter()
                .map(|x| (x.name.get(lang).to_owned(), x.meaning.get(lang).to_owned()))
                .collect(),
            published: clock.local(v.published_at),
            by: actor_name(&v.published_by),
        }
    }
}

/// What the reader's card says about their acknowledgement of the current version.
pub enum Acknowledgement {
    /// Auditors and accounts with nothing to acknowledge.
    NotAsked,
    Due,
    /// When, in the tenant's zone.
    Done(String),
}

/// The current version with the caller's acknowledgement, for the home page and this one.
pub async fn current_for(
    state: &AppState,
    ctx: &Ctx,
    clock: &TenantClock,
) -> Result<Option<(VisionView, Acknowledgement)>, AppError> {
    let Some(current) = state.store.current_vision(ctx.user.tenant).await? else {
        return Ok(None);
    };
    let ack = if !ctx.user.role.serves() {
        Acknowledgement::NotAsked
    } else {
        match state
            .store
            .vision_read_at(ctx.user.id, current.version)
            .await?
        {
            Some(at) => Acknowledgement::Done(clock.local(at)),
            None => Acknowledgement::Due,
        }
    };
    Ok(Some((VisionView::of(&current, ctx.lang, clock), ack)))
}

/// One row of the publishing form (the existing values, then blank ones).
pub struct ValueRow {
    pub key: String,
    pub name_es: String,
    pub name_en: String,
    pub meaning_es: String,
    pub meaning_en: String,
}

/// Blank rows the form offers for new values.
const NEW_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "decide/vision.html")]
struct VisionPage {
    chrome: Chrome,
    /// The version shown (the current one unless `?version=` asks for an earlier one).
    shown: Option<VisionView>,
    current_version: Option<i64>,
    ack: Acknowledgement,
    /// (version, published, by), newest first.
    history: Vec<(i64, String, String)>,
    readers: Option<Readers>,
    /// The publishing form, for administrators: (vision es, en, proposition es, en, rows).
    form: Option<(Texts, Texts, Vec<ValueRow>)>,
}

impl VisionPage {
    fn is_current(&self, version: &i64) -> bool {
        self.current_version == Some(*version)
    }

    fn text<'a>(&self, t: &'a Texts, lang: &str) -> &'a str {
        t.0.get(lang).map_or("", String::as_str)
    }

    fn unit_label(&self, name: &Option<String>) -> String {
        name.clone()
            .unwrap_or_else(|| self.chrome.tr.t("vision.no_unit").to_owned())
    }
}

#[derive(Deserialize, Default)]
pub struct VisionQuery {
    ok: Option<String>,
    #[serde(default)]
    version: String,
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<VisionQuery>,
) -> Result<Response, AppError> {
    let tenant = ctx.user.tenant;
    let clock = state.store.tenant_clock(tenant).await?;
    let asked = crate::platform::input::optional_id(&q.version, Field::Version)?;
    let history = state.store.vision_history(tenant).await?;
    let current = history.first();
    let shown = match asked {
        Some(v) => Some(
            history
                .iter()
                .find(|h| h.version == v)
                .ok_or(AppError::NotFound)?,
        ),
        None => current,
    };
    let ack = match current_for(&state, &ctx, &clock).await? {
        Some((_, ack)) => ack,
        None => Acknowledgement::NotAsked,
    };
    let readers = if ctx.user.role.leads() {
        state.store.vision_readers(&ctx.scope).await?
    } else {
        None
    };
    let form = ctx.user.role.administers().then(|| form_of(current));
    page(&VisionPage {
        chrome: Chrome::for_user(&ctx, "vision").with_notice(q.ok.as_deref()),
        shown: shown.map(|v| VisionView::of(v, ctx.lang, &clock)),
        current_version: current.map(|c| c.version),
        ack,
        history: history
            .iter()
            .map(|h| {
                (
                    h.version,
                    clock.local(h.published_at),
                    actor_name(&h.published_by),
                )
            })
            .collect(),
        readers,
        form,
    })
}

/// The form filled with the current version, so publishing the next is an edit.
fn form_of(current: Option<&Vision>) -> (Texts, Texts, Vec<ValueRow>) {
    let text = |t: &Texts, lang: &str| t.0.get(lang).cloned().unwrap_or_default();
    let (vision, proposition, mut rows) = match current {
        Some(c) => (
            c.definition.vision.clone(),
            c.definition.proposition.clone(),
            c.definition
                .values
                .iter()
                .map(|v| ValueRow {
                    key: v.key.clone(),
                    name_es: text(&v.name, "es"),
                    name_en: text(&v.name, "en"),
                    meaning_es: text(&v.meaning, "es"),
                    meaning_en: text(&v.meaning, "en"),
                })
                .collect(),
        ),
        None => (Texts::default(), Texts::default(), Vec::new()),
    };
    rows.extend((0..NEW_ROWS).map(|_| ValueRow {
        key: String::new(),
        name_es: String::new(),
        name_en: String::new(),
        meaning_es: String::new(),
        meaning_en: String::new(),
    }));
    (vision, proposition, rows)
}

/// Reads the publishing form: the four texts once, and per value row its key (blank for a
/// new value: made from its English name), names and meanings, in the order listed. A row
/// left wholly blank is no value.
fn definition_of(fields: &[(String, String)]) -> Result<VisionDefinition, InvalidInput> {
    let one = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let all = |name: &str| -> Vec<&str> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let keys = all("value_key");
    let (names_es, names_en) = (all("value_name_es"), all("value_name_en"));
    let (meanings_es, meanings_en) = (all("value_meaning_es"), all("value_meaning_en"));
    let at = |list: &[&str], i: usize| list.get(i).copied().unwrap_or("").trim().to_owned();
    let rows = [&names_es, &names_en, &meanings_es, &meanings_en]
        .iter()
        .map(|l| l.len())
        .chain([keys.len()])
        .max()
        .unwrap_or(0);
    let mut values = Vec::new();
    for i in 0..rows {
        let row = [
            at(&keys, i),
            at(&names_es, i),
            at(&names_en, i),
            at(&meanings_es, i),
            at(&meanings_en, i),
        ];
        if row.iter().all(String::is_empty) {
            continue;
        }
        let [key, name_es, name_en, meaning_es, meaning_en] = row;
        let key = if key.is_empty() {
            key_of(if name_en.is_empty() {
                &name_es
            } else {
                &name_en
            })
        } else {
            key
        };
        values.push(ValueDefinition {
            key,
            name: Texts::new(&name_es, &name_en),
            meaning: Texts::new(&meaning_es, &meaning_en),
        });
    }
    Ok(VisionDefinition {
        vision: Texts::new(&one("vision_es"), &one("vision_en")),
        proposition: Texts::new(&one("proposition_es"), &one("proposition_en")),
        values,
    })
}

/// A key from a value's name: `Own the problem` → `own-the-problem`, accents dropped.
fn key_of(name: &str) -> String {
    let mut key = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.is_empty() && !key.ends_with('-') {
            key.push('-');
        }
    }
    let key: String = key.trim_end_matches('-').chars().take(40).collect();
    key.trim_end_matches('-').to_owned()
}

pub async fn publish(
    State(state): State<AppState>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let definition = definition_of(&f.form)?;
    let (_, saved) = state
        .store
        .publish_vision(&grant, definition, &f.ctx.actor(), state.clock.now())
        .await?;
    Ok(done(
        "/vision",
        if saved == cumbre_store::decide::Saved::Unchanged {
            "unchanged"
        } else {
            "published"
        },
    ))
}

#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    back: String,
}

/// Records that the caller read the version their page showed, then returns them there.
pub async fn acknowledge(
    State(state): State<AppState>,
    f: CsrfForm<ReadForm>,
) -> Result<Response, AppError> {
    if !f.ctx.user.role.serves() {
        return Err(AppError::Forbidden);
    }
    let version = crate::platform::input::required_id(&f.form.version, Field::Version)?;
    state
        .store
        .read_vision(f.ctx.user.tenant, f.ctx.user.id, version, state.clock.now())
        .await?;
    // Only our own two pages: a form cannot send the reader anywhere else.
    let back = if f.form.back == "/" { "/" } else { "/vision" };
    Ok(done(back, "read"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_form_skips_blank_rows_and_names_new_values_from_their_english_name() {
        let d = definition_of(&pairs(&[
            ("vision_es", "Cada huésped"),
            ("vision_en", "Every guest"),
            ("proposition_es", "Descanso"),
            ("proposition_en", "Rest"),
            ("value_key", "warmth"),
            ("value_name_es", "Calidez"),
            ("value_name_en", "Warmth"),
            ("value_meaning_es", "Saludar"),
            ("value_meaning_en", "Greet"),
            ("value_key", ""),
            ("value_name_es", ""),
            ("value_name_en", ""),
            ("value_meaning_es", ""),
            ("value_meaning_en", ""),
            ("value_key", ""),
            ("value_name_es", "Dueños del problema"),
            ("value_name_en", "Own the problem!"),
            ("value_meaning_es", "Resolver"),
            ("value_meaning_en", "Solve"),
        ]))
        .expect("parsed");
        let keys: Vec<&str> = d.values.iter().map(|v| v.key.as_str()).collect();
        assert_eq!(keys, ["warmth", "own-the-problem"]);
        assert_eq!(d.values[1].name.get(Lang::Es), "Dueños del problema");
        assert!(d.check().is_ok());
    }

    #[test]
    fn keys_made_from_names_drop_accents_and_stay_short() {
        assert_eq!(key_of("Pasión por el Servicio"), "pasion-por-el-servicio");
        assert_eq!(key_of("  ¡Ñandú!  "), "nandu");
        assert_eq!(key_of(&"a b ".repeat(30)).len(), 39);
    }
}

//! Alert rules as managers write them: the list of rules that apply to their units, and a
//! form for the usual kinds (a low score, words in the comment, a chosen option) with what
//! to do. Any rule the API accepts shows here; the form writes the common ones.

use crate::improve::reading::ThemeNames;
use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::Query;
use crate::platform::input::optional_id;
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::improve::reading::Sentiment;
use cumbre_domain::recover::{Condition, Priority, RuleDefinition};
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::org::Unit;
use cumbre_store::recover::{AlertRule, RuleInput};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "recover/rules.html")]
struct RulesPage {
    chrome: Chrome,
    choices: Choices,
    /// (rule, conditions in words, actions in words)
    rows: Vec<(AlertRule, String, String)>,
    units: Vec<Unit>,
    touchpoints: Vec<(i64, String)>,
}

/// The sentiments and themes a rule's form offers, named in the reader's language.
pub struct Choices {
    sentiments: Vec<(&'static str, String)>,
    themes: Vec<(String, String)>,
}

impl Choices {
    fn new(chrome: &Chrome, names: &ThemeNames) -> Self {
        Choices {
            sentiments: Sentiment::ALL
                .iter()
                .map(|s| (s.code(), chrome.tr.name_of("sentiment", s.code())))
                .collect(),
            themes: names.active(),
        }
    }
}

fn describe(def: &RuleDefinition, chrome: &Chrome, names: &ThemeNames) -> (String, String) {
    let t = |k: &'static str| chrome.tr.t(k).to_owned();
    let conditions: Vec<String> = def
        .conditions
        .iter()
        .map(|c| match c {
            Condition::Score {
                question,
                question_type,
                at_most,
                at_least,
            } => {
                let what = question
                    .clone()
                    .or_else(|| question_type.as_ref().map(|q| q.to_uppercase()))
                    .unwrap_or_default();
                match (at_least, at_most) {
                    (Some(lo), Some(hi)) => format!("{what} {lo}–{hi}"),
                    (None, Some(hi)) => format!("{what} ≤ {hi}"),
                    (Some(lo), None) => format!("{what} ≥ {lo}"),
                    (None, None) => what,
                }
            }
            Condition::Choice { question, values } => format!("{question} ∈ {}", values.join(", ")),
            Condition::Keywords { words } => format!("{}: {}", t("rules.words"), words.join(", ")),
            Condition::Sentiment { sentiment } => chrome.tr.f(
                "rules.comment_reads",
                chrome
                    .tr
                    .name_of("sentiment", sentiment.code())
                    .to_lowercase(),
            ),
            Condition::Theme { theme, sentiment } => {
                let name = names.name(theme);
                match sentiment {
                    Some(s) => format!(
                        "{} ({})",
                        chrome.tr.f("rules.comment_about", name),
                        chrome.tr.name_of("sentiment", s.code()).to_lowercase()
                    ),
                    None => chrome.tr.f("rules.comment_about", name),
                }
            }
        })
        .collect();
    let joiner = if def.all {
        t("rules.and")
    } else {
        t("rules.or")
    };
    let mut actions = Vec::new();
    if let Some(p) = def.open_case {
        actions.push(format!(
            "{} ({})",
            t("rules.opens_case"),
            p.label(chrome.tr.lang)
        ));
    }
    if !def.notify.is_empty() {
        actions.push(format!("{} {}", t("rules.emails"), def.notify.join(", ")));
    }
    if let Some(w) = &def.webhook {
        actions.push(format!("webhook {w}"));
    }
    (conditions.join(&format!(" {joiner} ")), actions.join(" · "))
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let chrome = Chrome::for_user(&ctx, "cases").with_notice(n.ok.as_deref());
    let names = ThemeNames::load(&state, ctx.user.tenant, &chrome.tr).await?;
    let rows = state
        .store
        .list_rules(&ctx.scope)
        .await?
        .into_iter()
        .map(|r| {
            let (c, a) = describe(&r.definition, &chrome, &names);
            (r, c, a)
        })
        .collect();
    let touchpoints = state
        .store
        .list_touchpoints(ctx.user.tenant)
        .await?
        .iter()
        .map(|t| (t.id, t.name.get(ctx.lang).to_owned()))
        .collect();
    page(&RulesPage {
        choices: Choices::new(&chrome, &names),
        rows,
        units: state.store.list_units(&ctx.scope).await?,
        touchpoints,
        chrome,
    })
}

#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    touchpoint_id: String,
    /// `nps`, `csat`, `ces` or empty.
    #[serde(default)]
    score_type: String,
    #[serde(default)]
    at_most: String,
    /// Comma-separated.
    #[serde(default)]
    words: String,
    /// How the comment reads (`positive`, `neutral`, `negative`) or empty; with a theme,
    /// how it speaks of the theme.
    #[serde(default)]
    sentiment: String,
    /// A theme of the taxonomy, or empty.
    #[serde(default)]
    theme: String,
    /// `any` or `all`.
    #[serde(default)]
    combine: String,
    #[serde(default)]
    priority: String,
    /// Comma-separated addresses.
    #[serde(default)]
    notify: String,
    #[serde(default)]
    webhook: String,
    #[serde(default)]
    include_imports: String,
    /// The whole definition as JSON (the editor for rules beyond the usual kinds); when
    /// given, the simple fields above are ignored.
    #[serde(default)]
    definition: String,
    /// On edit: `1` keeps the rule on.
    #[serde(default)]
    active: String,
}

fn list_of(raw: &str) -> Vec<String> {
    raw.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The definition a form describes: its JSON editor when filled, else the usual kinds.
fn definition_from(form: &RuleForm) -> Result<RuleDefinition, AppError> {
    if !form.definition.trim().is_empty() {
        return RuleDefinition::from_json(&form.definition).map_err(AppError::from);
    }
    let mut conditions = Vec::new();
    if !form.score_type.is_empty() {
        let at_most = form
            .at_most
            .trim()
            .parse()
            .map_err(|_| InvalidInput::NotANumber {
                field: Field::Scale,
                value: form.at_most.clone(),
            })?;
        conditions.push(Condition::Score {
            question: None,
            question_type: Some(form.score_type.clone()),
            at_most: Some(at_most),
            at_least: None,
        });
    }
    let words = list_of(&form.words);
    if !words.is_empty() {
        conditions.push(Condition::Keywords { words });
    }
    let sentiment = match form.sentiment.trim() {
        "" => None,
        s => Some(Sentiment::parse(s)?),
    };
    match (form.theme.trim(), sentiment) {
        ("", Some(sentiment)) => conditions.push(Condition::Sentiment { sentiment }),
        ("", None) => {}
        (theme, sentiment) => conditions.push(Condition::Theme {
            theme: crate::listen::filters::theme_key(theme)?,
            sentiment,
        }),
    }
    let definition = RuleDefinition {
        all: form.combine == "all",
        conditions,
        open_case: match form.priority.as_str() {
            "" => None,
            p => Some(Priority::parse(p)?),
        },
        notify: list_of(&form.notify),
        webhook: Some(form.webhook.trim().to_owned()).filter(|w| !w.is_empty()),
    };
    definition.check().map_err(AppError::from)?;
    Ok(definition)
}

fn input_from(
    form: &RuleForm,
    survey_id: Option<i64>,
    active: bool,
) -> Result<RuleInput, AppError> {
    Ok(RuleInput {
        name: form.name.clone(),
        unit_id: UnitId(
            optional_id(&form.unit_id, Field::Unit)?.ok_or(InvalidInput::Required(Field::Unit))?,
        ),
        touchpoint_id: optional_id(&form.touchpoint_id, Field::Touchpoint)?,
        survey_id,
        include_imports: form.include_imports == "1",
        definition: definition_from(form)?,
        active,
    })
}

pub async fn create(
    State(state): State<AppState>,
    f: CsrfForm<RuleForm>,
) -> Result<Response, AppError> {
    let input = input_from(&f.form, None, true)?;
    let secret = crate::recover::webhooks::new_secret().map_err(AppError::internal)?;
    let saved = state
        .store
        .save_rule(
            &cumbre_store::recover::RuleEditor {
                scope: &f.ctx.scope,
                admin: f.ctx.admin().ok().as_ref(),
                actor: &f.ctx.actor(),
            },
            None,
            &input,
            &secret,
            state.clock.now(),
        )
        .await?;
    saved_page(
        &f.ctx,
        &saved,
        input.definition.webhook.as_deref().unwrap_or_default(),
        "/rules",
        "created",
    )
}

/// The usual kinds the simple form writes: at most one score condition on a question type
/// with an upper bound, and at most one list of words.
pub struct SimpleRule {
    score_type: String,
    at_most: String,
    words: String,
    sentiment: String,
    theme: String,
}

fn simple(def: &RuleDefinition) -> Option<SimpleRule> {
    let mut out = SimpleRule {
        score_type: String::new(),
        at_most: String::new(),
        words: String::new(),
        sentiment: String::new(),
        theme: String::new(),
    };
    let mut read = false;
    for c in &def.conditions {
        match c {
            Condition::Score {
                question: None,
                question_type: Some(t),
                at_most: Some(hi),
                at_least: None,
            } if out.score_type.is_empty() => {
                out.score_type = t.clone();
                out.at_most = hi.to_string();
            }
            Condition::Keywords { words } if out.words.is_empty() => {
                out.words = words.join(", ");
            }
            Condition::Sentiment { sentiment } if !read => {
                read = true;
                out.sentiment = sentiment.code().to_owned();
            }
            Condition::Theme { theme, sentiment } if !read => {
                read = true;
                out.theme = theme.clone();
                out.sentiment = sentiment.map(|s| s.code().to_owned()).unwrap_or_default();
            }
            _ => return None,
        }
    }
    Some(out)
}

#[derive(Template)]
#[template(path = "recover/rule.html")]
struct RulePage {
    chrome: Chrome,
    choices: Choices,
    rule: AlertRule,
    units: Vec<Unit>,
    touchpoints: Vec<(i64, String)>,
    /// The simple fields, when the rule fits them and JSON was not asked for.
    simple: Option<SimpleRule>,
    json: String,
    notify: String,
    webhook: String,
    priority: String,
    /// False for a rule set above the viewer: shown, not changeable.
    editable: bool,
}

impl RulePage {
    fn is_unit(&self, id: &UnitId) -> bool {
        self.rule.unit_id == *id
    }
    fn is_touchpoint(&self, id: &&i64) -> bool {
        self.rule.touchpoint_id == Some(**id)
    }
}

#[derive(Deserialize, Default)]
pub struct RuleQuery {
    #[serde(default)]
    json: String,
    #[serde(default)]
    ok: Option<String>,
}

async fn rule_in_reach(
    state: &AppState,
    ctx: &crate::platform::auth::Ctx,
    id: i64,
) -> Result<AlertRule, AppError> {
    state
        .store
        .list_rules(&ctx.scope)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)
}

/// One rule's edit page: the simple form when the rule fits it, else (or on request) the
/// JSON editor for any rule the API accepts.
pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    crate::platform::extract::Path(id): crate::platform::extract::Path<i64>,
    Query(q): Query<RuleQuery>,
) -> Result<Response, AppError> {
    let rule = rule_in_reach(&state, &ctx, id).await?;
    let touchpoints = state
        .store
        .list_touchpoints(ctx.user.tenant)
        .await?
        .iter()
        .map(|t| (t.id, t.name.get(ctx.lang).to_owned()))
        .collect();
    let def = &rule.definition;
    let chrome = Chrome::for_user(&ctx, "cases").with_notice(q.ok.as_deref());
    let names = ThemeNames::load(&state, ctx.user.tenant, &chrome.tr).await?;
    page(&RulePage {
        choices: Choices::new(&chrome, &names),
        chrome,
        simple: if q.json == "1" { None } else { simple(def) },
        json: serde_json::to_string_pretty(def).map_err(AppError::internal)?,
        notify: def.notify.join(", "),
        webhook: def.webhook.clone().unwrap_or_default(),
        priority: def.open_case.map_or("", Priority::code).to_owned(),
        editable: rule.editable_by(&ctx.scope),
        units: state.store.list_units(&ctx.scope).await?,
        touchpoints,
        rule,
    })
}

/// Saves an edited rule; it stays on or off as the form says.
pub async fn update(
    State(state): State<AppState>,
    crate::platform::extract::Path(id): crate::platform::extract::Path<i64>,
    f: CsrfForm<RuleForm>,
) -> Result<Response, AppError> {
    let rule = rule_in_reach(&state, &f.ctx, id).await?;
    if !rule.editable_by(&f.ctx.scope) {
        return Err(AppError::Forbidden);
    }
    let input = input_from(&f.form, rule.survey_id, f.form.active == "1")?;
    let secret = crate::recover::webhooks::new_secret().map_err(AppError::internal)?;
    let saved = state
        .store
        .save_rule(
            &cumbre_store::recover::RuleEditor {
                scope: &f.ctx.scope,
                admin: f.ctx.admin().ok().as_ref(),
                actor: &f.ctx.actor(),
            },
            Some(id),
            &input,
            &secret,
            state.clock.now(),
        )
        .await?;
    saved_page(
        &f.ctx,
        &saved,
        input.definition.webhook.as_deref().unwrap_or_default(),
        &format!("/rules/{id}"),
        "saved",
    )
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

/// Switches a rule on or off; everything else about it stays.
pub async fn set_active(
    State(state): State<AppState>,
    crate::platform::extract::Path(id): crate::platform::extract::Path<i64>,
    f: CsrfForm<ActiveForm>,
) -> Result<Response, AppError> {
    let rule = rule_in_reach(&state, &f.ctx, id).await?;
    let input = RuleInput {
        name: rule.name,
        unit_id: rule.unit_id,
        touchpoint_id: rule.touchpoint_id,
        survey_id: rule.survey_id,
        include_imports: rule.include_imports,
        definition: rule.definition,
        active: f.form.active == "1",
    };
    state
        .store
        .save_rule(
            &cumbre_store::recover::RuleEditor {
                scope: &f.ctx.scope,
                admin: f.ctx.admin().ok().as_ref(),
                actor: &f.ctx.actor(),
            },
            Some(id),
            &input,
            "",
            state.clock.now(),
        )
        .await?;
    Ok(done("/rules", "saved"))
}

#[derive(Template)]
#[template(path = "recover/webhook_secret.html")]
struct WebhookSecretPage {
    chrome: Chrome,
    url: String,
    secret: String,
    next: String,
}

/// After a save: the webhook's new signing secret, once, when this save registered it;
/// else back to `to` with the notice.
fn saved_page(
    ctx: &crate::platform::auth::context::Ctx,
    saved: &cumbre_store::recover::SavedRule,
    url: &str,
    to: &str,
    notice: &str,
) -> Result<Response, AppError> {
    let Some(secret) = &saved.webhook_secret else {
        return Ok(done(to, notice));
    };
    page(&WebhookSecretPage {
        chrome: Chrome::for_user(ctx, "rules"),
        url: url.to_owned(),
        secret: secret.clone(),
        next: format!("/rules/{}", saved.id),
    })
}

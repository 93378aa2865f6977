//! The customer journey: touchpoints in order with the standards each is held to (everyone
//! reads it, auditors without the standards; administrators add to it).

use crate::decide::standards::{StandardChoices, StandardFields, check_text};
use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::Query;
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::listen::TouchpointInput;
use cumbre_domain::{Field, InvalidInput, UnitId};
use serde::Deserialize;

/// A standard as the journey shows it, every value in words.
struct StandardRow {
    key: String,
    name: String,
    /// "At most 5 minutes", "Observed".
    check: String,
    /// "3 points"
    weight: String,
    critical: bool,
    /// Where it applies, when not everywhere.
    place: Option<String>,
    /// "version 2"
    version: String,
}

#[derive(Template)]
#[template(path = "listen/touchpoints.html")]
struct TouchpointsPage {
    chrome: Chrome,
    /// (position, name, description, where, its standards)
    rows: Vec<(i64, String, String, String, Vec<StandardRow>)>,
    next_position: i64,
    /// For leaders: the standards at risk in their units over the last 90 days.
    at_risk: Option<Vec<RiskRow>>,
    /// For administrators: the form that adds a standard.
    new_standard: Option<(StandardFields, StandardChoices)>,
}

/// A standard at risk, with its evidence in words.
struct RiskRow {
    unit: String,
    standard: String,
    touchpoint: String,
    /// "Confirmed" or "Customers disagree", and what it means.
    risk: &'static str,
    explain: &'static str,
    /// "1 of 3 audits met it"
    audits: String,
    /// "CSAT 55 % (n = 200) · company 80 %"
    customers: String,
}

/// Days the journey's "standards at risk" looks back.
const RISK_DAYS: i64 = 90;

fn risk_rows(
    list: &[cumbre_store::decide::AtRisk],
    touchpoints: &[cumbre_store::listen::Touchpoint],
    chrome: &Chrome,
) -> Vec<RiskRow> {
    let tr = &chrome.tr;
    list.iter()
        .map(|r| {
            let value = |e: &cumbre_domain::improve::stats::Estimate| match r.metric {
                Some(cumbre_domain::improve::stats::Metric::Nps) => {
                    e.value.map_or("—".to_owned(), |v| format!("{v:.0}"))
                }
                _ => e.value.map_or("—".to_owned(), |v| format!("{v:.0} %")),
            };
            // Asked about the standard itself, or read from the moment's score.
            let (risk, explain) = match (r.risk, r.metric.is_none()) {
                (cumbre_domain::decide::risk::Risk::Confirmed, false) => {
                    ("risk.confirmed", "risk.confirmed_explain")
                }
                (cumbre_domain::decide::risk::Risk::Confirmed, true) => {
                    ("risk.confirmed", "risk.confirmed_asked_explain")
                }
                (cumbre_domain::decide::risk::Risk::CustomersDisagree, false) => {
                    ("risk.customers_disagree", "risk.customers_disagree_explain")
                }
                (cumbre_domain::decide::risk::Risk::CustomersDisagree, true) => (
                    "risk.customers_disagree",
                    "risk.customers_disagree_asked_explain",
                ),
            };
            let label = match r.metric {
                Some(m) => m.code().to_uppercase(),
                None => tr.t("risk.asked").to_owned(),
            };
            RiskRow {
                unit: r.unit_name.clone(),
                standard: r.name.clone(),
                touchpoint: crate::decide::form::touchpoint_name(
                    touchpoints,
                    r.touchpoint_id,
                    chrome.tr.lang,
                ),
                risk: tr.t(risk),
                explain: tr.t(explain),
                audits: tr
                    .t("risk.audits")
                    .replacen("{}", &tr.int(r.passed), 1)
                    .replacen("{}", &tr.int(r.applied), 1),
                customers: format!(
                    "{} {} (n = {}) · {} {}",
                    label,
                    value(&r.customers),
                    tr.int(r.customers.n),
                    tr.t("risk.company"),
                    value(&r.company)
                ),
            }
        })
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let touchpoints = state.store.list_touchpoints(ctx.user.tenant).await?;
    let units = state
        .store
        .list_units(&cumbre_domain::access::Scope::Tenant(ctx.user.tenant))
        .await?;
    let chrome = Chrome::for_user(&ctx, "touchpoints").with_notice(n.ok.as_deref());
    let everywhere = chrome.tr.t("touchpoints.everywhere").to_owned();
    // Auditors check standards through their assignments, not the company's list.
    let standards = if ctx.user.role.serves() {
        state
            .store
            .list_standards(ctx.user.tenant, None, None)
            .await?
    } else {
        Vec::new()
    };
    let tr = &chrome.tr;
    let top = units.iter().find(|u| u.parent_id.is_none()).map(|u| u.id);
    let standard_row = |s: &cumbre_store::decide::Standard| StandardRow {
        key: s.key.clone(),
        name: s.definition.name.clone(),
        check: check_text(&s.definition, tr),
        weight: tr.count("standards.points", i64::from(s.definition.weight.points())),
        critical: s.definition.critical,
        place: (Some(s.unit_id) != top)
            .then(|| {
                units
                    .iter()
                    .find(|u| u.id == s.unit_id)
                    .map(|u| u.name.clone())
            })
            .flatten(),
        version: tr.f("standards.version", s.version),
    };
    let rows = touchpoints
        .iter()
        .map(|t| {
            let places: Vec<&str> = t
                .unit_ids
                .iter()
                .filter_map(|id| units.iter().find(|u| u.id == *id))
                .map(|u| u.name.as_str())
                .collect();
            let place = if places.is_empty() {
                everywhere.clone()
            } else {
                places.join(", ")
            };
            (
                t.position,
                t.name.get(ctx.lang).to_owned(),
                t.description.get(ctx.lang).to_owned(),
                place,
                standards
                    .iter()
                    .filter(|s| s.touchpoint_id == t.id)
                    .map(standard_row)
                    .collect(),
            )
        })
        .collect();
    let at_risk = if ctx.user.role.leads() {
        let today = state
            .store
            .tenant_clock(ctx.user.tenant)
            .await?
            .local_date(state.clock.now());
        let from = today
            .checked_sub(jiff::Span::new().days(RISK_DAYS - 1))
            .unwrap_or(today);
        let min_sample = state.store.min_sample(ctx.user.tenant).await?;
        let found = state
            .store
            .standards_at_risk(&ctx.scope, (from, today), min_sample)
            .await?;
        Some(risk_rows(&found, &touchpoints, &chrome))
    } else {
        None
    };
    let new_standard = match (ctx.user.role.administers(), top) {
        (true, Some(top)) => Some((
            StandardFields::blank(top.0),
            StandardChoices::read(&state, &ctx).await?,
        )),
        _ => None,
    };
    page(&TouchpointsPage {
        new_standard,
        at_risk,
        next_position: touchpoints.iter().map(|t| t.position).max().unwrap_or(0) + 1,
        chrome,
        rows,
    })
}

#[derive(Deserialize)]
pub struct TouchpointForm {
    #[serde(default)]
    name_es: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description_es: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    unit_codes: String,
}

pub async fn create(
    State(state): State<AppState>,
    f: CsrfForm<TouchpointForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let position = f
        .form
        .position
        .trim()
        .parse()
        .map_err(|_| InvalidInput::NotANumber {
            field: Field::Position,
            value: f.form.position.clone(),
        })?;
    let input = TouchpointInput::parse(
        &f.form.name_es,
        &f.form.name_en,
        &f.form.description_es,
        &f.form.description_en,
        position,
    )?;
    let units = state.store.list_units(&f.ctx.scope).await?;
    let mut ids: Vec<UnitId> = Vec::new();
    for code in f
        .form
        .unit_codes
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let unit = units
            .iter()
            .find(|u| u.code.as_deref() == Some(code))
            .ok_or_else(|| InvalidInput::UnknownReference {
                field: Field::Unit,
                value: code.to_owned(),
            })?;
        ids.push(unit.id);
    }
    state
        .store
        .create_touchpoint(&grant, &input, &ids, &f.ctx.actor(), state.clock.now())
        .await?;
    Ok(done("/touchpoints", "created"))
}

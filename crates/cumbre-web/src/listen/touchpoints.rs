//! The customer journey: touchpoints in order with the standards each is held to (everyone
//! reads it, auditors without the standards; administrators add to it).

use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::Query;
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::decide::standard::Check;
use cumbre_domain::listen::TouchpointInput;
use cumbre_domain::{Field, InvalidInput, UnitId};
use serde::Deserialize;

/// A standard as the journey shows it, every value in words.
struct StandardRow {
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
        name: s.definition.name.clone(),
        check: match s.definition.check {
            Check::Behaviour => tr.t("standards.observed").to_owned(),
            Check::TimeLimit(l) => tr.f("standards.at_most", l.unit.amount(l.max, ctx.lang)),
        },
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
    page(&TouchpointsPage {
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

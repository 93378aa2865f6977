//! The organisation tree: browse, create, edit and move units.

use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::input::{optional_id, required_id};
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::org::{UnitCode, UnitKind, UnitName};
use cumbre_domain::{Field, UnitId};
use cumbre_store::org::{PeopleFilter, Unit, UnitInput};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "org/units.html")]
struct OrgPage {
    chrome: Chrome,
    units: Vec<Unit>,
    kinds: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "org/unit.html")]
struct UnitPage {
    chrome: Chrome,
    unit: Unit,
    kind_label: &'static str,
    /// Ancestors the viewer may see, top first.
    trail: Vec<Unit>,
    children: Vec<Unit>,
    people: i64,
    /// Units this one may be moved under (not itself or its subtree).
    targets: Vec<Unit>,
    kinds: Vec<(&'static str, &'static str)>,
}

fn kinds(chrome: &Chrome) -> Vec<(&'static str, &'static str)> {
    UnitKind::ALL
        .iter()
        .map(|k| (k.code(), k.label(chrome.tr.lang)))
        .collect()
}

pub async fn tree(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let chrome = Chrome::for_user(&ctx, "org").with_notice(n.ok.as_deref());
    let units = state.store.list_units(&ctx.scope).await?;
    page(&OrgPage {
        kinds: kinds(&chrome),
        chrome,
        units,
    })
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let unit = state.store.get_unit(&ctx.scope, UnitId(id)).await?;
    let all = state.store.list_units(&ctx.scope).await?;
    let trail = unit
        .path
        .ids()
        .into_iter()
        .filter_map(|a| all.iter().find(|u| u.id == a && a != unit.id).cloned())
        .collect();
    let children = all
        .iter()
        .filter(|u| u.parent_id == Some(unit.id))
        .cloned()
        .collect();
    let targets = all
        .iter()
        .filter(|u| !u.path.is_within(&unit.path))
        .cloned()
        .collect();
    let people = state
        .store
        .list_people(
            &ctx.scope,
            &PeopleFilter {
                unit: Some(unit.id),
                limit: 1,
                ..Default::default()
            },
        )
        .await?
        .total;
    let chrome = Chrome::for_user(&ctx, "org").with_notice(n.ok.as_deref());
    page(&UnitPage {
        kind_label: unit.kind.label(chrome.tr.lang),
        kinds: kinds(&chrome),
        chrome,
        unit,
        trail,
        children,
        people,
        targets,
    })
}

#[derive(Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    parent_id: String,
}

impl UnitForm {
    fn input(&self) -> Result<UnitInput, AppError> {
        Ok(UnitInput {
            name: UnitName::parse(&self.name)?,
            kind: UnitKind::parse(&self.kind)?,
            code: UnitCode::parse(&self.code)?,
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    f: CsrfForm<UnitForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let input = f.form.input()?;
    let parent = optional_id(&f.form.parent_id, Field::Parent)?.map(UnitId);
    let id = state
        .store
        .create_unit(&grant, &input, parent, &f.ctx.actor(), state.clock.now())
        .await?;
    Ok(done(&format!("/org/units/{id}"), "created"))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<UnitForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let input = f.form.input()?;
    state
        .store
        .update_unit(
            &grant,
            UnitId(id),
            &input,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done(&format!("/org/units/{id}"), "saved"))
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    parent_id: String,
}

pub async fn move_unit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<MoveForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let parent = UnitId(required_id(&f.form.parent_id, Field::Parent)?);
    state
        .store
        .move_unit(
            &grant,
            UnitId(id),
            parent,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done(&format!("/org/units/{id}"), "moved"))
}

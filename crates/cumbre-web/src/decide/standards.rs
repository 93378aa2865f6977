//! A standard's page: what it asks, where and of whom, every version it had, and the survey
//! questions that ask the customers about it; administrators edit it here (a change makes
//! a new version) and add new ones from the journey page. The same save serves both.

use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, Notice, actor_name, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::decide::standard::{Check, StandardDefinition, parse_key};
use cumbre_domain::{Field, UnitId};
use cumbre_store::decide::{NewStandard, Saved, Standard};
use serde::Deserialize;

/// "Within 5 minutes at most", "Observed behaviour", "Customers: CSAT at least 85 %".
pub fn check_text(d: &StandardDefinition, tr: &crate::platform::i18n::Tr) -> String {
    match d.check {
        Check::Behaviour => tr.t("standards.observed").to_owned(),
        Check::TimeLimit(l) => tr.f("standards.at_most", l.unit.amount(l.max, tr.lang)),
        Check::Target(t) => target_text(t.metric, t.value(), tr),
    }
}

/// "Customers: CSAT at least 85 %", "Customers: CES at most 2.5".
pub fn target_text(
    metric: cumbre_domain::improve::Metric,
    goal: f64,
    tr: &crate::platform::i18n::Tr,
) -> String {
    let key = if metric.higher_is_better() {
        "standards.target_at_least"
    } else {
        "standards.target_at_most"
    };
    tr.f(key, metric.code().to_uppercase()).replacen(
        "{}",
        &crate::improve::format_value(metric, goal),
        1,
    )
}

/// One version as the history lists it.
struct VersionRow {
    version: i64,
    name: String,
    check: String,
    weight: String,
    critical: bool,
    /// When, in the tenant's zone, and by whom.
    at: String,
    by: String,
}

/// The form's values: the standard as it is, or blank for a new one.
pub struct StandardFields {
    pub key: String,
    pub touchpoint_id: i64,
    pub unit_id: i64,
    pub department_id: Option<i64>,
    pub name: String,
    /// `behaviour`, `time` or `target`.
    pub kind: &'static str,
    pub limit: String,
    /// Of a time limit (`minutes`…) or a target (`csat`…).
    pub time_unit: &'static str,
    pub weight: String,
    pub critical: bool,
}

impl StandardFields {
    /// A new behaviour of one point, for the whole organisation (its top unit).
    pub fn blank(top: i64) -> Self {
        StandardFields {
            key: String::new(),
            touchpoint_id: 0,
            unit_id: top,
            department_id: None,
            name: String::new(),
            kind: "behaviour",
            limit: String::new(),
            time_unit: "minutes",
            weight: "1".into(),
            critical: false,
        }
    }

    fn of(s: &Standard) -> Self {
        let d = &s.definition;
        let (kind, limit, time_unit) = match d.check {
            Check::Behaviour => ("behaviour", String::new(), "minutes"),
            Check::TimeLimit(l) => ("time", l.max.to_string(), l.unit.code()),
            Check::Target(t) => ("target", t.value().to_string(), t.metric.code()),
        };
        StandardFields {
            key: s.key.clone(),
            touchpoint_id: s.touchpoint_id,
            unit_id: s.unit_id.0,
            department_id: s.department_id,
            name: d.name.clone(),
            kind,
            limit,
            time_unit,
            weight: d.weight.points().to_string(),
            critical: d.critical,
        }
    }
}

/// The choices of the standard form: (id, name) of touchpoints, units and departments.
pub struct StandardChoices {
    pub touchpoints: Vec<(i64, String)>,
    pub units: Vec<(i64, String)>,
    pub departments: Vec<(i64, String)>,
}

impl StandardChoices {
    pub async fn read(
        state: &AppState,
        ctx: &crate::platform::auth::Ctx,
    ) -> Result<Self, AppError> {
        let tenant = ctx.user.tenant;
        Ok(StandardChoices {
            touchpoints: state
                .store
                .list_touchpoints(tenant)
                .await?
                .into_iter()
                .map(|t| (t.id, t.name.get(ctx.lang).to_owned()))
                .collect(),
            units: state
                .store
                .list_units(&ctx.scope)
                .await?
                .into_iter()
                .map(|u| (u.id.0, u.name))
                .collect(),
            departments: state
                .store
                .list_departments(tenant)
                .await?
                .into_iter()
                .map(|d| (d.id.0, d.name))
                .collect(),
        })
    }
}

#[derive(Template)]
#[template(path = "decide/standard.html")]
struct StandardPage {
    chrome: Chrome,
    key: String,
    name: String,
    touchpoint: String,
    check: String,
    weight: String,
    critical: bool,
    place: String,
    department: Option<String>,
    version: i64,
    /// Newest first.
    history: Vec<VersionRow>,
    /// (survey id, survey name, its version, the standard's version it pinned)
    questions: Vec<(i64, String, i64, i64)>,
    /// The edit form, for administrators.
    form: Option<(StandardFields, StandardChoices)>,
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(key): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    // Auditors check standards through their assignments, not the company's list.
    if !ctx.user.role.serves() {
        return Err(AppError::Forbidden);
    }
    let tenant = ctx.user.tenant;
    let s = state
        .store
        .list_standards(tenant, None, None)
        .await?
        .into_iter()
        .find(|s| s.key == key)
        .ok_or(AppError::NotFound)?;
    let chrome = Chrome::for_user(&ctx, "touchpoints").with_notice(n.ok.as_deref());
    let tr = &chrome.tr;
    let clock = state.store.tenant_clock(tenant).await?;
    let choices = StandardChoices::read(&state, &ctx).await?;
    let name_of = |list: &[(i64, String)], id: i64| {
        list.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone())
    };
    let everywhere = tr.t("touchpoints.everywhere").to_owned();
    let top = state.store.root_unit(tenant).await?.map(|u| u.id);
    let surveys = state.store.list_surveys(&ctx.scope).await?;
    let page_data = StandardPage {
        key: s.key.clone(),
        name: s.definition.name.clone(),
        touchpoint: name_of(&choices.touchpoints, s.touchpoint_id).unwrap_or_default(),
        check: check_text(&s.definition, tr),
        weight: tr.count("standards.points", i64::from(s.definition.weight.points())),
        critical: s.definition.critical,
        place: if Some(s.unit_id) == top {
            everywhere
        } else {
            name_of(&choices.units, s.unit_id.0).unwrap_or(everywhere)
        },
        department: s
            .department_id
            .and_then(|d| name_of(&choices.departments, d)),
        version: s.version,
        history: s
            .versions
            .iter()
            .rev()
            .map(|v| VersionRow {
                version: v.version,
                name: v.definition.name.clone(),
                check: check_text(&v.definition, tr),
                weight: tr.count("standards.points", i64::from(v.definition.weight.points())),
                critical: v.definition.critical,
                at: clock.local(v.created_at),
                by: actor_name(&v.created_by),
            })
            .collect(),
        // The surveys the reader may see; others ask too, but are not theirs to read.
        questions: s
            .questions
            .iter()
            .filter_map(|q| {
                let survey = surveys.iter().find(|x| x.id == q.survey_id)?;
                Some((
                    q.survey_id,
                    survey.name.clone(),
                    q.survey_version,
                    q.standard_version,
                ))
            })
            .collect(),
        form: ctx
            .user
            .role
            .administers()
            .then(|| (StandardFields::of(&s), choices)),
        chrome,
    };
    page(&page_data)
}

#[derive(Deserialize)]
pub struct StandardForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    touchpoint_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    limit: String,
    #[serde(default)]
    time_unit: String,
    #[serde(default)]
    weight: String,
    #[serde(default)]
    critical: Option<String>,
}

/// Saves a standard under its key (administrators): a new one, a new version, or nothing
/// when it is as it was. Back to its page either way.
pub async fn save(
    State(state): State<AppState>,
    f: CsrfForm<StandardForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let form = &f.form;
    let input = NewStandard {
        key: parse_key(&form.key)?,
        touchpoint_id: crate::platform::input::required_id(&form.touchpoint_id, Field::Touchpoint)?,
        unit_id: crate::platform::input::optional_id(&form.unit_id, Field::Unit)?.map(UnitId),
        department_id: crate::platform::input::optional_id(&form.department_id, Field::Department)?,
        definition: StandardDefinition::parse(
            &form.name,
            &form.kind,
            &form.limit,
            &form.time_unit,
            &form.weight,
            form.critical.is_some(),
        )?,
    };
    let (_, _, saved) = state
        .store
        .save_standard(&grant, &input, &f.ctx.actor(), state.clock.now())
        .await?;
    let notice = match saved {
        Saved::Created => "created",
        Saved::NewVersion => "saved",
        Saved::Unchanged => "unchanged",
    };
    Ok(done(&format!("/standards/{}", input.key), notice))
}

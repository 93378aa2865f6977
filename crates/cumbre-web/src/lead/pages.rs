//! `/pulses`: the organisation's employee pulses (administrators create them here), and
//! `/pulses/{id}`: a pulse's results for a unit, cycle by cycle, each figure shown or
//! replaced by why it is hidden — the same results the API gives.

use super::results::{PulseResults, ResultsQuery, results};
use crate::platform::auth::{CsrfForm, Ctx, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::i18n::Tr;
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::Scope;
use cumbre_domain::lead::anonymity::Suppressed;
use cumbre_domain::lead::pulse::{Cadence, Mode, TEMPLATES, Template as PulseTemplate};
use cumbre_domain::lead::pulse_report::{Figure, Figures, View};
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::lead::pulses::NewPulse;
use serde::Deserialize;
use std::collections::HashMap;

struct PulseRow {
    id: i64,
    name: String,
    mode: String,
    cadence: String,
    audience: String,
    next: String,
}

#[derive(Template)]
#[template(path = "lead/pulses.html")]
struct PulsesPage {
    chrome: Chrome,
    pulses: Vec<PulseRow>,
    /// (key, name) of the shipped templates, and the units an audience may be.
    templates: Vec<(&'static str, &'static str)>,
    units: Vec<(i64, String)>,
    min_group: u32,
    min_comments: u32,
}

fn mode_label(tr: &Tr, mode: Mode) -> String {
    tr.name_of("pulse.mode", mode.code())
}

fn cadence_label(tr: &Tr, cadence: Cadence) -> String {
    tr.name_of("pulse.cadence", cadence.code())
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    if matches!(ctx.scope, Scope::Own { .. }) {
        return Err(AppError::NotFound);
    }
    let chrome = Chrome::for_user(&ctx, "pulses").with_notice(n.ok.as_deref());
    let tr = Tr::new(ctx.lang);
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let units = state.store.list_units(&ctx.scope).await?;
    let names: HashMap<UnitId, String> = units.iter().map(|u| (u.id, u.name.clone())).collect();
    let pulses = state
        .store
        .list_pulses(&ctx.scope)
        .await?
        .into_iter()
        .map(|p| PulseRow {
            id: p.id,
            mode: mode_label(&tr, p.mode),
            cadence: cadence_label(&tr, p.cadence),
            audience: names
                .get(&p.audience_unit_id)
                .cloned()
                .unwrap_or_else(|| tr.t("pulse.elsewhere").to_owned()),
            next: if p.active {
                clock.local(p.next_open_at)
            } else {
                "—".to_owned()
            },
            name: p.name,
        })
        .collect();
    let thresholds = state.store.anonymity_thresholds(ctx.user.tenant).await?;
    page(&PulsesPage {
        min_group: thresholds.group(),
        min_comments: thresholds.comments(),
        templates: TEMPLATES
            .iter()
            .map(|t| (t.key, t.name(ctx.lang)))
            .collect(),
        units: if ctx.user.role.administers() {
            units.iter().map(|u| (u.id.0, u.name.clone())).collect()
        } else {
            Vec::new()
        },
        chrome,
        pulses,
    })
}

#[derive(Deserialize)]
pub struct NewPulseForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    audience_unit_id: String,
    #[serde(default)]
    open_days: String,
}

pub async fn create(
    State(state): State<AppState>,
    f: CsrfForm<NewPulseForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let b = &f.form;
    let template =
        PulseTemplate::find(&b.template).ok_or(InvalidInput::Required(Field::Template))?;
    let audience = crate::platform::input::required_id(&b.audience_unit_id, Field::Unit)?;
    let open_days = match b.open_days.trim() {
        "" => 7,
        raw => raw.parse().map_err(|_| InvalidInput::NotANumber {
            field: Field::Day,
            value: raw.chars().take(20).collect(),
        })?,
    };
    let now = state.clock.now();
    let new = NewPulse {
        name: b.name.clone(),
        template,
        mode: Mode::parse(&b.mode)?,
        cadence: template.cadence,
        audience: UnitId(audience),
        open_days,
        first_opens_at: now,
    };
    let pulse = state
        .store
        .create_pulse(&grant, &f.ctx.actor(), &new, now)
        .await?;
    Ok(done(&format!("/pulses/{}", pulse.id), "saved"))
}

#[derive(Deserialize)]
pub struct ThresholdsForm {
    #[serde(default)]
    min_group: String,
    #[serde(default)]
    min_comments: String,
}

/// The organisation's thresholds, from the administrators' form on `/pulses`.
pub async fn save_thresholds(
    State(state): State<AppState>,
    f: CsrfForm<ThresholdsForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let number = |raw: &str, field: Field| -> Result<i64, InvalidInput> {
        raw.trim().parse().map_err(|_| InvalidInput::NotANumber {
            field,
            value: raw.chars().take(20).collect(),
        })
    };
    let group = number(&f.form.min_group, Field::MinGroup)?;
    let comments = number(&f.form.min_comments, Field::MinComments)?;
    state
        .store
        .set_anonymity_thresholds(&grant, &f.ctx.actor(), group, comments, state.clock.now())
        .await?;
    Ok(done("/pulses", "saved"))
}

/// One figure as a cell shows it: its text, or "hidden" and why.
struct Cell {
    text: String,
    /// Why it is hidden, in the reader's language (empty when shown).
    why: String,
}

struct CycleRow {
    month: String,
    answered: String,
    enps: Cell,
    statements: Vec<Cell>,
}

struct GroupRow {
    name: String,
    answers: Cell,
    enps: Cell,
}

#[derive(Template)]
#[template(path = "lead/pulse_results.html")]
struct ResultsPage {
    chrome: Chrome,
    id: i64,
    name: String,
    about: String,
    unit_name: String,
    unit_id: i64,
    /// The units of the audience the reader sees: (id, name, chosen).
    units: Vec<(i64, String, bool)>,
    statements: Vec<&'static str>,
    cycles: Vec<CycleRow>,
    latest: String,
    departments: Vec<GroupRow>,
    tenures: Vec<GroupRow>,
    comments: Vec<String>,
    comments_hidden: String,
}

/// The names a reason gives a group in: its unit, and its department and tenure band.
struct Names {
    units: HashMap<UnitId, String>,
    departments: HashMap<cumbre_domain::DepartmentId, String>,
}

impl Names {
    /// The names the reader may see, and the units they come from.
    async fn load(
        state: &AppState,
        ctx: &Ctx,
    ) -> Result<(Names, Vec<cumbre_store::org::Unit>), AppError> {
        let units = state.store.list_units(&ctx.scope).await?;
        let departments = state.store.list_departments(ctx.user.tenant).await?;
        let names = Names {
            units: units.iter().map(|u| (u.id, u.name.clone())).collect(),
            departments: departments.into_iter().map(|d| (d.id, d.name)).collect(),
        };
        Ok((names, units))
    }

    fn of(&self, tr: &Tr, v: &View) -> String {
        let mut out = self.units.get(&v.unit).cloned().unwrap_or_default();
        if let Some(d) = v.department.and_then(|d| self.departments.get(&d)) {
            out.push_str(", ");
            out.push_str(d);
        }
        if let Some(t) = v.tenure {
            out.push_str(", ");
            out.push_str(&tr.name_of("pulse.tenure", t.code()));
        }
        out
    }
}

fn reason(tr: &Tr, r: &Suppressed<View>, names: &Names) -> String {
    match r {
        Suppressed::TooFew { min } => tr.f("pulse.why_too_few", min),
        Suppressed::LeavesFew { of, min } => tr
            .t("pulse.why_leaves_few")
            .replace("{min}", &min.to_string())
            .replace("{group}", &names.of(tr, of)),
        Suppressed::OverlapsFew { with, min } => tr
            .t("pulse.why_overlaps_few")
            .replace("{min}", &min.to_string())
            .replace("{group}", &names.of(tr, with)),
    }
}

fn hidden(tr: &Tr, r: &Suppressed<View>, names: &Names) -> Cell {
    Cell {
        text: tr.t("pulse.hidden").to_owned(),
        why: reason(tr, r, names),
    }
}

fn enps_cell(tr: &Tr, f: &Figure<Figures>, names: &Names) -> Cell {
    match f {
        Figure::Shown(f) => Cell {
            text: match (f.enps.value, f.enps.ci_low, f.enps.ci_high) {
                (Some(v), Some(a), Some(b)) => {
                    format!("{v:+.0} ({})", crate::improve::interval_text(Some((a, b))))
                }
                _ => "—".to_owned(),
            },
            why: String::new(),
        },
        Figure::Suppressed { reason, .. } => hidden(tr, reason, names),
    }
}

fn answers_cell(tr: &Tr, f: &Figure<Figures>, names: &Names) -> Cell {
    match f {
        Figure::Shown(f) => Cell {
            text: tr.int(f.answers),
            why: String::new(),
        },
        Figure::Suppressed { reason, .. } => hidden(tr, reason, names),
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let r: PulseResults = results(&state, &ctx, id, &q).await?;
    render(&state, &ctx, r).await
}

async fn render(state: &AppState, ctx: &Ctx, r: PulseResults) -> Result<Response, AppError> {
    let tr = Tr::new(ctx.lang);
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let (names, units) = Names::load(state, ctx).await?;
    let template = PulseTemplate::find(&r.pulse.template)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("pulse template")))?;
    let month = |at: time::OffsetDateTime| {
        let d = clock.local_date(at);
        format!(
            "{} {}",
            tr.name_of("month", &d.month().to_string()),
            d.year()
        )
    };
    let cycles = r
        .cycles
        .iter()
        .map(|c| CycleRow {
            month: month(c.cycle.opens_at),
            answered: format!("{} / {}", tr.int(c.cycle.answered), tr.int(c.cycle.invited)),
            enps: enps_cell(&tr, &c.figures, &names),
            statements: (0..template.statements.len())
                .map(|s| match &c.figures {
                    Figure::Shown(f) => Cell {
                        text: f
                            .statements
                            .get(s)
                            .and_then(|st| st.favourable.value)
                            .map_or("—".to_owned(), |v| format!("{v:.0} %")),
                        why: String::new(),
                    },
                    Figure::Suppressed { reason, .. } => hidden(&tr, reason, &names),
                })
                .collect(),
        })
        .collect();
    let last = r.cycles.last();
    let departments = last
        .map(|c| {
            c.by_department
                .iter()
                .map(|d| GroupRow {
                    name: d.name.clone(),
                    answers: answers_cell(&tr, &d.figures, &names),
                    enps: enps_cell(&tr, &d.figures, &names),
                })
                .collect()
        })
        .unwrap_or_default();
    let tenures = last
        .map(|c| {
            c.by_tenure
                .iter()
                .map(|t| GroupRow {
                    name: tr.name_of("pulse.tenure", t.tenure.code()),
                    answers: answers_cell(&tr, &t.figures, &names),
                    enps: enps_cell(&tr, &t.figures, &names),
                })
                .collect()
        })
        .unwrap_or_default();
    let (comments, comments_hidden) = match last.map(|c| &c.comments) {
        Some(Figure::Shown(texts)) => (texts.clone(), String::new()),
        Some(Figure::Suppressed { reason: why, .. }) => (Vec::new(), reason(&tr, why, &names)),
        None => (Vec::new(), String::new()),
    };
    let audience: Vec<(i64, String, bool)> = units
        .iter()
        .filter(|u| u.path.ids().contains(&r.pulse.audience_unit_id))
        .map(|u| (u.id.0, u.name.clone(), u.id == r.unit))
        .collect();
    let about = tr
        .t("pulse.about")
        .replace("{mode}", &mode_label(&tr, r.pulse.mode))
        .replace("{min}", &r.min_group.to_string())
        .replace("{comments}", &r.min_comments.to_string());
    page(&ResultsPage {
        chrome: Chrome::for_user(ctx, "pulses"),
        id: r.pulse.id,
        name: r.pulse.name.clone(),
        about,
        unit_name: names.units.get(&r.unit).cloned().unwrap_or_default(),
        unit_id: r.unit.0,
        units: audience,
        statements: template
            .statements
            .iter()
            .map(|s| s.text(ctx.lang))
            .collect(),
        latest: last.map(|c| month(c.cycle.opens_at)).unwrap_or_default(),
        cycles,
        departments,
        tenures,
        comments,
        comments_hidden,
    })
}

/// `/pulses/{id}.csv`: the same results as a file — one row per cycle and group (the unit,
/// each department, each tenure band), a hidden figure as `hidden` with its reason and no
/// number, as everywhere else.
pub async fn csv(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let r: PulseResults = results(&state, &ctx, id, &q).await?;
    let tr = Tr::new(ctx.lang);
    let (names, _) = Names::load(&state, &ctx).await?;
    let template = PulseTemplate::find(&r.pulse.template)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("pulse template")))?;
    let mut w = crate::platform::export::CsvWriter::new();
    let mut head = vec![
        "cycle_opens".to_owned(),
        "group".to_owned(),
        "shown".to_owned(),
        "reason".to_owned(),
        "answers".to_owned(),
        "enps".to_owned(),
        "enps_ci_low".to_owned(),
        "enps_ci_high".to_owned(),
    ];
    head.extend(
        template
            .statements
            .iter()
            .map(|s| format!("{}_favourable", s.key)),
    );
    let _ = w.write_record(&head);
    let unit_view = View {
        unit: r.unit,
        department: r.department,
        tenure: r.tenure,
    };
    for c in &r.cycles {
        let opens = c.cycle.opens_at.date().to_string();
        let mut groups: Vec<(String, &Figure<Figures>)> =
            vec![(names.of(&tr, &unit_view), &c.figures)];
        groups.extend(c.by_department.iter().map(|d| {
            (
                names.of(
                    &tr,
                    &View {
                        department: Some(d.department),
                        ..unit_view
                    },
                ),
                &d.figures,
            )
        }));
        groups.extend(c.by_tenure.iter().map(|t| {
            (
                names.of(
                    &tr,
                    &View {
                        tenure: Some(t.tenure),
                        ..unit_view
                    },
                ),
                &t.figures,
            )
        }));
        for (group, figure) in groups {
            let mut row = vec![opens.clone(), group];
            match figure {
                Figure::Shown(f) => {
                    let num = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
                    row.extend([
                        "yes".to_owned(),
                        String::new(),
                        f.answers.to_string(),
                        num(f.enps.value),
                        num(f.enps.ci_low),
                        num(f.enps.ci_high),
                    ]);
                    row.extend(f.statements.iter().map(|s| num(s.favourable.value)));
                }
                Figure::Suppressed { reason: why, .. } => {
                    row.extend(["hidden".to_owned(), reason(&tr, why, &names)]);
                    row.extend(std::iter::repeat_n(
                        String::new(),
                        4 + template.statements.len(),
                    ));
                }
            }
            let _ = w.write_record(&row);
        }
    }
    let body = w.into_inner().map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"pulse-{}-{}.csv\"",
                    r.pulse.id,
                    crate::platform::export::slug(
                        &names.units.get(&r.unit).cloned().unwrap_or_default()
                    )
                ),
            ),
        ],
        body,
    )
        .into_response())
}

//! Administrators set how recovery runs: the time zone and business hours deadlines are
//! counted in, the service levels per priority, managers' compensation limit, the root-cause
//! list and the win-back survey.

use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::Query;
use crate::platform::input::optional_id;
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::{Role, Scope};
use cumbre_domain::recover::{BusinessHours, Priority, Sla};
use cumbre_domain::{Field, InvalidInput};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "recover/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    zone: String,
    currency: String,
    business: bool,
    /// (index, weekday name, working)
    days: Vec<(usize, &'static str, bool)>,
    opens: String,
    closes: String,
    /// (priority code, first-contact hours, resolution hours)
    slas: Vec<(&'static str, String, String)>,
    /// (unit id or "", unit name or "", role code or "", amount)
    limits: Vec<(String, String, String, String)>,
    units: Vec<cumbre_store::org::Unit>,
    causes: Vec<(i64, String)>,
    surveys: Vec<(i64, String)>,
    winback: Option<i64>,
    min_sample: i64,
}

impl SettingsPage {
    fn is_winback(&self, id: &&i64) -> bool {
        self.winback == Some(**id)
    }
}

fn hours(minutes: i64) -> String {
    if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        format!("{:.2}", minutes as f64 / 60.0)
    }
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    ctx.admin()?;
    let tenant = ctx.user.tenant;
    let clock = state.store.tenant_clock(tenant).await?;
    let hours_set = clock.hours.clone();
    let first_open = hours_set
        .as_ref()
        .and_then(|h| h.days.iter().flatten().next().copied())
        .unwrap_or((9 * 60, 18 * 60));
    let mut slas = Vec::new();
    for p in Priority::ALL {
        let sla = state.store.sla(tenant, p).await?;
        slas.push((
            p.code(),
            hours(sla.first_contact_minutes),
            hours(sla.resolve_minutes),
        ));
    }
    let units = state.store.list_units(&Scope::Tenant(tenant)).await?;
    let money = crate::platform::page::Money::of(&state, tenant).await?;
    let limits = state
        .store
        .authority_limits(tenant)
        .await?
        .into_iter()
        .map(|(unit, role, cents)| {
            let name = unit
                .and_then(|u| units.iter().find(|x| x.id == u))
                .map_or(String::new(), |u| u.name.clone());
            (
                unit.map_or(String::new(), |u| u.0.to_string()),
                name,
                role.unwrap_or_default(),
                money.fmt(cents),
            )
        })
        .collect();
    let surveys = state
        .store
        .list_surveys(&Scope::Tenant(tenant))
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let chrome = Chrome::for_user(&ctx, "recovery_settings").with_notice(n.ok.as_deref());
    let days = chrome
        .weekdays()
        .iter()
        .enumerate()
        .map(|(i, name)| {
            (
                i,
                *name,
                hours_set.as_ref().map_or(i < 5, |h| h.days[i].is_some()),
            )
        })
        .collect();
    page(&SettingsPage {
        days,
        chrome,
        zone: clock.zone.iana_name().unwrap_or("UTC").to_owned(),
        currency: money.currency.clone(),
        business: hours_set.is_some(),
        opens: hhmm(first_open.0),
        closes: hhmm(first_open.1),
        slas,
        limits,
        units,
        causes: state.store.root_causes(tenant).await?,
        surveys,
        winback: state.store.winback_survey(tenant).await?,
        min_sample: state.store.min_sample(tenant).await?,
    })
}

#[derive(Deserialize)]
pub struct ClockForm {
    #[serde(default)]
    zone: String,
    #[serde(default)]
    business: String,
    #[serde(default)]
    d0: String,
    #[serde(default)]
    d1: String,
    #[serde(default)]
    d2: String,
    #[serde(default)]
    d3: String,
    #[serde(default)]
    d4: String,
    #[serde(default)]
    d5: String,
    #[serde(default)]
    d6: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

/// `09:30` → 570.
fn minutes_of(raw: &str) -> Result<u16, InvalidInput> {
    let bad = || InvalidInput::NotOneOf {
        field: Field::BusinessHours,
        value: raw.to_owned(),
        allowed: "HH:MM",
    };
    let (h, m) = raw.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 24 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

pub async fn save_clock(
    State(state): State<AppState>,
    f: CsrfForm<ClockForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let form = &f.form;
    let hours = if form.business == "1" {
        let (open, close) = (minutes_of(&form.opens)?, minutes_of(&form.closes)?);
        let on = [
            &form.d0, &form.d1, &form.d2, &form.d3, &form.d4, &form.d5, &form.d6,
        ];
        Some(BusinessHours {
            days: std::array::from_fn(|i| (on[i] == "1").then_some((open, close))),
        })
    } else {
        None
    };
    state
        .store
        .set_tenant_clock(
            &grant,
            &form.zone,
            hours.as_ref(),
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done("/admin/recovery", "saved"))
}

#[derive(Deserialize)]
pub struct CurrencyForm {
    #[serde(default)]
    currency: String,
}

pub async fn save_currency(
    State(state): State<AppState>,
    f: CsrfForm<CurrencyForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    state
        .store
        .set_tenant_currency(&grant, &f.form.currency, &f.ctx.actor(), state.clock.now())
        .await?;
    Ok(done("/admin/recovery", "saved"))
}

#[derive(Deserialize)]
pub struct SlaForm {
    #[serde(default)]
    priority: String,
    #[serde(default)]
    first_contact_hours: String,
    #[serde(default)]
    resolve_hours: String,
}

fn minutes_from_hours(raw: &str) -> Result<i64, InvalidInput> {
    let h: f64 = raw
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| InvalidInput::NotANumber {
            field: Field::Priority,
            value: raw.to_owned(),
        })?;
    Ok((h * 60.0).round() as i64)
}

pub async fn save_sla(
    State(state): State<AppState>,
    f: CsrfForm<SlaForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let sla = Sla {
        first_contact_minutes: minutes_from_hours(&f.form.first_contact_hours)?,
        resolve_minutes: minutes_from_hours(&f.form.resolve_hours)?,
    };
    state
        .store
        .set_sla(
            &grant,
            Priority::parse(&f.form.priority)?,
            sla,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done("/admin/recovery", "saved"))
}

#[derive(Deserialize)]
pub struct LimitForm {
    /// Empty: the whole company.
    #[serde(default)]
    unit_id: String,
    /// Empty: any role.
    #[serde(default)]
    role: String,
    #[serde(default)]
    amount: String,
    /// `1` removes the limit instead, so the next one up applies.
    #[serde(default)]
    remove: String,
}

/// Sets (or removes) a compensation limit for the whole company, a unit and what lies
/// under it, a role, or a role within a unit.
pub async fn save_limit(
    State(state): State<AppState>,
    f: CsrfForm<LimitForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let form = &f.form;
    let unit = optional_id(&form.unit_id, Field::Unit)?.map(cumbre_domain::UnitId);
    if let Some(u) = unit {
        state
            .store
            .get_unit(&Scope::Tenant(grant.tenant()), u)
            .await?;
    }
    let role = match form.role.trim() {
        "" => None,
        r => Some(Role::parse(r)?),
    };
    let now = state.clock.now();
    if form.remove == "1" {
        state
            .store
            .remove_authority_limit(&grant, unit, role, &f.ctx.actor(), now)
            .await?;
        return Ok(done("/admin/recovery", "saved"));
    }
    let cents = crate::recover::cases::cents(&form.amount)?;
    state
        .store
        .set_authority_limit(&grant, unit, role, cents, &f.ctx.actor(), now)
        .await?;
    Ok(done("/admin/recovery", "saved"))
}

#[derive(Deserialize)]
pub struct CauseForm {
    #[serde(default)]
    name: String,
}

pub async fn add_cause(
    State(state): State<AppState>,
    f: CsrfForm<CauseForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    state.store.add_root_cause(&grant, &f.form.name).await?;
    Ok(done("/admin/recovery", "created"))
}

#[derive(Deserialize)]
pub struct WinbackForm {
    #[serde(default)]
    survey_id: String,
}

pub async fn save_winback(
    State(state): State<AppState>,
    f: CsrfForm<WinbackForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let survey = optional_id(&f.form.survey_id, Field::Survey)?;
    state.store.set_winback_survey(&grant, survey).await?;
    Ok(done("/admin/recovery", "saved"))
}

#[derive(Deserialize)]
pub struct MinSampleForm {
    #[serde(default)]
    min_sample: String,
}

/// How many answers a figure needs before dashboards show it as a fact.
pub async fn save_min_sample(
    State(state): State<AppState>,
    f: CsrfForm<MinSampleForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let n = f
        .form
        .min_sample
        .trim()
        .parse()
        .map_err(|_| InvalidInput::NotANumber {
            field: Field::Record,
            value: f.form.min_sample.clone(),
        })?;
    state.store.set_min_sample(&grant, n).await?;
    Ok(done("/admin/recovery", "saved"))
}

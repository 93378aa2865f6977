//! People: list and search, see one person, create, edit, deactivate.

use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::input::{optional_id, required_id};
use crate::platform::page::{Chrome, Notice, Pager, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::input::optional_text;
use cumbre_domain::org::{Email, EmployeeNumber, HireDate, JobTitle, PersonName};
use cumbre_domain::{Field, PersonId, UnitId};
use cumbre_store::org::{Department, PeopleFilter, Person, PersonInput, Unit};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    inactive: Option<String>,
    #[serde(default)]
    page: Option<i64>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "org/people.html")]
struct PeoplePage {
    chrome: Chrome,
    people: Vec<Person>,
    total: i64,
    q: String,
    unit: Option<i64>,
    units: Vec<Unit>,
    inactive: bool,
    page: i64,
    pages: i64,
    /// The query string without `page`, for the pager links.
    base_query: String,
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let unit = optional_id(&q.unit, Field::Unit)?;
    let pager = Pager::asked(q.page, PAGE_SIZE);
    let inactive = q.inactive.is_some();
    let filter = PeopleFilter {
        query: Some(q.q.clone()),
        unit: unit.map(UnitId),
        include_inactive: inactive,
        limit: PAGE_SIZE,
        offset: pager.offset(),
    };
    let found = state.store.list_people(&ctx.scope, &filter).await?;
    let units = state.store.list_units(&ctx.scope).await?;
    let base_query = serde_urlencoded::to_string([
        ("q", q.q.as_str()),
        ("unit", q.unit.as_str()),
        ("inactive", if inactive { "1" } else { "" }),
    ])
    .unwrap_or_default();
    page(&PeoplePage {
        chrome: Chrome::for_user(&ctx, "people").with_notice(q.ok.as_deref()),
        pages: pager.of(found.total).pages,
        people: found.people,
        total: found.total,
        q: q.q,
        unit,
        units,
        inactive,
        page: pager.page,
        base_query,
    })
}

#[derive(Template)]
#[template(path = "org/person.html")]
struct PersonPage {
    chrome: Chrome,
    person: Option<Person>,
    units: Vec<Unit>,
    departments: Vec<Department>,
    managers: Vec<Person>,
}

async fn form_page(
    state: &AppState,
    ctx: &crate::platform::auth::Ctx,
    person: Option<Person>,
    ok: Option<&str>,
) -> Result<Response, AppError> {
    let (units, departments, managers) = if ctx.user.role.administers() {
        let managers = state
            .store
            .list_people(
                &ctx.scope,
                &PeopleFilter {
                    limit: 500,
                    ..Default::default()
                },
            )
            .await?
            .people;
        (
            state.store.list_units(&ctx.scope).await?,
            state.store.list_departments(ctx.user.tenant).await?,
            managers,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    page(&PersonPage {
        chrome: Chrome::for_user(ctx, "people").with_notice(ok),
        person,
        units,
        departments,
        managers,
    })
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let person = state.store.get_person(&ctx.scope, PersonId(id)).await?;
    form_page(&state, &ctx, Some(person), n.ok.as_deref()).await
}

pub async fn new(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
) -> Result<Response, AppError> {
    ctx.admin()?;
    form_page(&state, &ctx, None, None).await
}

#[derive(Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    employee_number: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    manager_id: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    hire_date: String,
}

impl PersonForm {
    pub fn input(&self, today: time::Date) -> Result<PersonInput, AppError> {
        Ok(PersonInput {
            name: PersonName::parse(&self.name)?,
            employee_number: EmployeeNumber::parse(&self.employee_number)?,
            email: Email::parse_optional(&self.email)?,
            unit: UnitId(required_id(&self.unit_id, Field::Unit)?),
            department: optional_text(&self.department, Field::Department, 80)?,
            manager: optional_id(&self.manager_id, Field::Manager)?.map(PersonId),
            job_title: JobTitle::parse(&self.job_title)?,
            hire_date: HireDate::parse(&self.hire_date, today)?,
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    f: CsrfForm<PersonForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let now = state.clock.now();
    let input = f.form.input(now.date())?;
    let id = state
        .store
        .create_person(&grant, &input, &f.ctx.actor(), now)
        .await?;
    Ok(done(&format!("/people/{id}"), "created"))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<PersonForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let now = state.clock.now();
    let input = f.form.input(now.date())?;
    state
        .store
        .update_person(&grant, PersonId(id), &input, &f.ctx.actor(), now)
        .await?;
    Ok(done(&format!("/people/{id}"), "saved"))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<ActiveForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let active = f.form.active == "1";
    state
        .store
        .set_person_active(
            &grant,
            PersonId(id),
            active,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done(
        &format!("/people/{id}"),
        if active { "activated" } else { "deactivated" },
    ))
}

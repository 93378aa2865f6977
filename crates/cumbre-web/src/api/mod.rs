//! The JSON API under `/api/v1`, authenticated with `Authorization: Bearer <token>`.
//! A token acts with its owner's role and scope, exactly like their browser session.
//! Documented in `docs/API.md`.

pub mod improve;
pub mod listen;
pub mod recover;

use crate::auth::ApiCtx;
use crate::extract::Path;
use crate::{AppError, AppState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use cumbre_domain::access::Role;
use cumbre_domain::input::optional_text;
use cumbre_domain::org::{
    Email, EmployeeNumber, HireDate, JobTitle, PersonName, UnitCode, UnitKind, UnitName,
};
use cumbre_domain::{Field, InvalidInput, PersonId, UnitId};
use cumbre_store::org::{PeopleFilter, PeoplePage, Person, PersonInput, Unit, UnitInput};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/units", get(list_units).post(create_unit))
        .route("/api/v1/units/{id}", get(get_unit))
        .route("/api/v1/people", get(list_people).post(create_person))
        .route("/api/v1/people/{id}", get(get_person))
        .merge(listen::routes())
        .merge(recover::routes())
        .merge(improve::routes())
}

pub(crate) fn body<T>(payload: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    payload.map(|Json(v)| v).map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::TooLarge;
        }
        InvalidInput::BadJson {
            detail: cumbre_domain::input::readable_json_error(&e.body_text()),
        }
        .into()
    })
}

#[derive(Serialize)]
struct Me {
    email: String,
    role: Role,
    tenant: String,
    scope_unit_id: Option<UnitId>,
    person_id: Option<PersonId>,
}

async fn me(State(state): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Json<Me>, AppError> {
    Ok(Json(Me {
        email: ctx.user.email.clone(),
        role: ctx.user.role,
        tenant: state.store.tenant_name(ctx.user.tenant).await?,
        scope_unit_id: ctx.user.scope_unit_id,
        person_id: ctx.user.person_id,
    }))
}

async fn list_units(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<Unit>>, AppError> {
    Ok(Json(state.store.list_units(&ctx.scope).await?))
}

async fn get_unit(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Unit>, AppError> {
    Ok(Json(state.store.get_unit(&ctx.scope, UnitId(id)).await?))
}

#[derive(Deserialize)]
struct NewUnit {
    name: String,
    kind: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    parent_id: Option<i64>,
}

async fn create_unit(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<Json<NewUnit>, JsonRejection>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let input = UnitInput {
        name: UnitName::parse(&b.name)?,
        kind: UnitKind::parse(&b.kind)?,
        code: UnitCode::parse(b.code.as_deref().unwrap_or_default())?,
    };
    let id = state
        .store
        .create_unit(
            &grant,
            &input,
            b.parent_id.map(UnitId),
            &ctx.actor(),
            state.clock.now(),
        )
        .await?;
    let unit = state.store.get_unit(&ctx.scope, id).await?;
    Ok((StatusCode::CREATED, Json(unit)).into_response())
}

#[derive(Deserialize)]
struct PeopleQuery {
    q: Option<String>,
    unit_id: Option<i64>,
    #[serde(default)]
    include_inactive: bool,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list_people(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<PeopleQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PeoplePage>, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    let filter = PeopleFilter {
        query: q.q,
        unit: q.unit_id.map(UnitId),
        include_inactive: q.include_inactive,
        limit: q.limit.unwrap_or(100),
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(state.store.list_people(&ctx.scope, &filter).await?))
}

async fn get_person(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Person>, AppError> {
    Ok(Json(
        state.store.get_person(&ctx.scope, PersonId(id)).await?,
    ))
}

#[derive(Deserialize)]
struct NewPerson {
    name: String,
    unit_id: i64,
    #[serde(default)]
    employee_number: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    manager_id: Option<i64>,
    #[serde(default)]
    job_title: Option<String>,
    #[serde(default)]
    hire_date: Option<String>,
}

async fn create_person(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<Json<NewPerson>, JsonRejection>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let b = body(payload)?;
    let now = state.clock.now();
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let input = PersonInput {
        name: PersonName::parse(&b.name)?,
        employee_number: EmployeeNumber::parse(&s(&b.employee_number))?,
        email: Email::parse_optional(&s(&b.email))?,
        unit: UnitId(b.unit_id),
        department: optional_text(&s(&b.department), Field::Department, 80)?,
        manager: b.manager_id.map(PersonId),
        job_title: JobTitle::parse(&s(&b.job_title))?,
        hire_date: HireDate::parse(&s(&b.hire_date), now.date())?,
    };
    let id = state
        .store
        .create_person(&grant, &input, &ctx.actor(), now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.get_person(&ctx.scope, id).await?),
    )
        .into_response())
}

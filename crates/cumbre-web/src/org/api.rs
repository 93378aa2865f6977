//! The organisation part of the JSON API: units and people.

use crate::platform::api::Id;
use crate::platform::auth::ApiCtx;
use crate::platform::extract::{JsonBody, Path, body, params};
use crate::platform::input::{checked_limit, checked_offset};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_domain::input::optional_text;
use cumbre_domain::org::{
    Email, EmployeeNumber, HireDate, JobTitle, PersonName, UnitCode, UnitKind, UnitName,
};
use cumbre_domain::{Field, PersonId, UnitId};
use cumbre_store::org::{PeopleFilter, PeoplePage, Person, PersonInput, Unit, UnitInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit))
        .routes(routes!(list_people, create_person))
        .routes(routes!(get_person))
}

/// The units the caller sees, in tree order.
#[utoipa::path(get, path = "/api/v1/units", tag = "org",
    responses((status = 200, description = "Visible units, tree order.", body = Vec<Unit>)))]
async fn list_units(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<Unit>>, AppError> {
    Ok(Json(state.store.list_units(&ctx.scope).await?))
}

/// One unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "org", params(Id),
    responses((status = 200, description = "The unit.", body = Unit)))]
async fn get_unit(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Unit>, AppError> {
    Ok(Json(state.store.get_unit(&ctx.scope, UnitId(id)).await?))
}

#[derive(Deserialize, ToSchema)]
struct NewUnit {
    #[schema(min_length = 1, max_length = 120)]
    name: String,
    #[schema(value_type = cumbre_domain::org::UnitKind)]
    kind: String,
    #[schema(max_length = 40)]
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    parent_id: Option<i64>,
}

/// A new unit under `parent_id` (administrators).
#[utoipa::path(post, path = "/api/v1/units", tag = "org", request_body = NewUnit,
    responses((status = 201, description = "The new unit.", body = Unit)))]
async fn create_unit(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<NewUnit>, AppError>,
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PeopleQuery {
    /// Words in the name, e-mail or employee number (case and accents ignored).
    q: Option<String>,
    /// A unit: its whole subtree.
    unit_id: Option<i64>,
    #[serde(default)]
    include_inactive: bool,
    /// At most 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// People in the caller's scope, a page at a time.
#[utoipa::path(get, path = "/api/v1/people", tag = "org", params(PeopleQuery),
    responses((status = 200, description = "A page of people and the total.", body = PeoplePage)))]
async fn list_people(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<PeopleQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PeoplePage>, AppError> {
    let q = params(query)?;
    let offset = q.offset.map(checked_offset).transpose()?.unwrap_or(0);
    let filter = PeopleFilter {
        query: q.q,
        unit: q.unit_id.map(UnitId),
        include_inactive: q.include_inactive,
        limit: q
            .limit
            .map(|l| checked_limit(l, 500))
            .transpose()?
            .unwrap_or(100),
        offset,
    };
    Ok(Json(state.store.list_people(&ctx.scope, &filter).await?))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "org", params(Id),
    responses((status = 200, description = "The person.", body = Person)))]
async fn get_person(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Person>, AppError> {
    Ok(Json(
        state.store.get_person(&ctx.scope, PersonId(id)).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct NewPerson {
    #[schema(min_length = 1, max_length = 120)]
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

/// A new person (administrators).
#[utoipa::path(post, path = "/api/v1/people", tag = "org", request_body = NewPerson,
    responses((status = 201, description = "The new person.", body = Person)))]
async fn create_person(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<JsonBody<NewPerson>, AppError>,
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

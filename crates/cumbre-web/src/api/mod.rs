//! The JSON API under `/api/v1`, authenticated with `Authorization: Bearer <token>`.
//! A token acts with its owner's role and scope, exactly like their browser session.
//! Documented in `docs/API.md`.

pub mod improve;
pub mod listen;
pub mod openapi;
pub mod recover;

use crate::auth::ApiCtx;
use crate::extract::{JsonBody, Path};
use crate::{AppError, AppState};
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
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> Router<AppState> {
    let (router, _) = documented().split_for_parts();
    router.route("/api/v1/openapi.json", get(openapi::serve))
}

/// Every documented operation: the router and the OpenAPI document are made from it.
pub(crate) fn documented() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit))
        .routes(routes!(list_people, create_person))
        .routes(routes!(get_person))
        .merge(listen::routes())
        .merge(recover::routes())
        .merge(improve::routes())
}

/// A page size from a query string: empty is `default`, otherwise 1–`max`.
pub(crate) fn page_limit(raw: &str, default: i64, max: i64) -> Result<i64, InvalidInput> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    let n: i64 = raw.parse().map_err(|_| InvalidInput::NotANumber {
        field: Field::Limit,
        value: raw.chars().take(40).collect(),
    })?;
    checked_limit(n, max)
}

/// Rows to skip, given as text (empty: none): a whole number from 0.
pub(crate) fn page_offset(raw: &str) -> Result<i64, InvalidInput> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(0);
    }
    let n: i64 = raw.parse().map_err(|_| InvalidInput::NotANumber {
        field: Field::Offset,
        value: raw.chars().take(40).collect(),
    })?;
    checked_offset(n)
}

/// Rows to skip: 0 or more, or why not.
fn checked_offset(n: i64) -> Result<i64, InvalidInput> {
    if n < 0 {
        return Err(InvalidInput::OutOfRange {
            field: Field::Offset,
            min: 0,
            max: i64::MAX,
            value: n.to_string(),
        });
    }
    Ok(n)
}

/// A page size of 1–`max`, or why not.
fn checked_limit(n: i64, max: i64) -> Result<i64, InvalidInput> {
    if !(1..=max).contains(&n) {
        return Err(InvalidInput::OutOfRange {
            field: Field::Limit,
            min: 1,
            max,
            value: n.to_string(),
        });
    }
    Ok(n)
}

/// The id in an operation's path.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct Id {
    /// The record's id.
    #[allow(dead_code)]
    id: i64,
}

/// A JSON body, or why it was refused: handlers take it as a `Result` so that their own
/// role checks come first (access before validation).
pub(crate) fn body<T>(payload: Result<JsonBody<T>, AppError>) -> Result<T, AppError> {
    payload.map(|JsonBody(v)| v)
}

#[derive(Serialize, ToSchema)]
struct Me {
    email: String,
    role: Role,
    tenant: String,
    scope_unit_id: Option<UnitId>,
    person_id: Option<PersonId>,
}

/// Who the token acts as.
#[utoipa::path(get, path = "/api/v1/me", tag = "org",
    responses((status = 200, description = "The token's account.", body = Me)))]
async fn me(State(state): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Json<Me>, AppError> {
    Ok(Json(Me {
        email: ctx.user.email.clone(),
        role: ctx.user.role,
        tenant: state.store.tenant_name(ctx.user.tenant).await?,
        scope_unit_id: ctx.user.scope_unit_id,
        person_id: ctx.user.person_id,
    }))
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
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
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

//! The JSON API under `/api/v1`, authenticated with `Authorization: Bearer <token>`.
//! A token acts with its owner's role and scope, exactly like their browser session.
//! Documented in `docs/API.md`.

use crate::platform::auth::ApiCtx;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use cumbre_domain::access::Role;
use cumbre_domain::{PersonId, UnitId, UserId};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> Router<AppState> {
    let (router, _) = documented().split_for_parts();
    router.route("/api/v1/openapi.json", get(crate::platform::openapi::serve))
}

/// Every documented operation: the router and the OpenAPI document are made from it.
pub(crate) fn documented() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(crate::platform::openapi::ApiDoc::openapi())
        .routes(routes!(me))
        .merge(crate::org::api::routes())
        .merge(crate::decide::api::routes())
        .merge(crate::decide::shopping_api::routes())
        .merge(crate::listen::api::routes())
        .merge(crate::recover::api::routes())
        .merge(crate::improve::api::routes())
        .merge(crate::lead::api::routes())
}

/// The id in an operation's path.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct Id {
    /// The record's id.
    #[allow(dead_code)]
    id: i64,
}

#[derive(Serialize, ToSchema)]
struct Me {
    /// The account's id (what programmes name auditors by).
    #[schema(value_type = i64)]
    id: UserId,
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
        id: ctx.user.id,
        email: ctx.user.email.clone(),
        role: ctx.user.role,
        tenant: state.store.tenant_name(ctx.user.tenant).await?,
        scope_unit_id: ctx.user.scope_unit_id,
        person_id: ctx.user.person_id,
    }))
}

//! The Recover part of the JSON API: alert rules and recovery cases.

use crate::api::body;
use crate::auth::ApiCtx;
use crate::{AppError, AppState};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use cumbre_domain::recover::{CaseStatus, RuleDefinition};
use cumbre_domain::{InvalidInput, UnitId};
use cumbre_store::recover::{AlertRule, CaseDetail, CaseFilter, CaseSummary, RuleInput};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rules", get(list_rules).post(create_rule))
        .route("/api/v1/rules/{id}", put(update_rule))
        .route("/api/v1/cases", get(list_cases))
        .route("/api/v1/cases/{id}", get(get_case))
}

#[derive(Deserialize)]
struct RuleBody {
    name: String,
    unit_id: i64,
    #[serde(default)]
    touchpoint_id: Option<i64>,
    #[serde(default)]
    survey_id: Option<i64>,
    #[serde(default)]
    include_imports: bool,
    #[serde(default = "yes")]
    active: bool,
    definition: serde_json::Value,
}

fn yes() -> bool {
    true
}

impl RuleBody {
    fn input(self) -> Result<RuleInput, AppError> {
        let definition = RuleDefinition::from_json(&self.definition.to_string())
            .map_err(crate::api::listen::definition_errors)?;
        Ok(RuleInput {
            name: self.name,
            unit_id: UnitId(self.unit_id),
            touchpoint_id: self.touchpoint_id,
            survey_id: self.survey_id,
            include_imports: self.include_imports,
            definition,
            active: self.active,
        })
    }
}

async fn list_rules(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
) -> Result<Json<Vec<AlertRule>>, AppError> {
    Ok(Json(state.store.list_rules(&ctx.scope).await?))
}

async fn create_rule(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    payload: Result<Json<RuleBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let input = body(payload)?.input()?;
    let id = state
        .store
        .save_rule(&ctx.scope, None, &input, &ctx.actor(), state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn update_rule(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    payload: Result<Json<RuleBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let input = body(payload)?.input()?;
    state
        .store
        .save_rule(
            &ctx.scope,
            Some(id),
            &input,
            &ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Deserialize, Default)]
struct CasesQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    limit: String,
}

fn flag(raw: &str, name: &'static str) -> Result<bool, InvalidInput> {
    match raw {
        "" | "false" | "0" => Ok(false),
        "true" | "1" => Ok(true),
        other => Err(InvalidInput::NotOneOf {
            field: cumbre_domain::Field::Record,
            value: format!("{name}={other}"),
            allowed: "true, false",
        }),
    }
}

async fn list_cases(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    query: Result<Query<CasesQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    let Query(q) = query.map_err(|e| InvalidInput::BadJson {
        detail: e.body_text(),
    })?;
    let filter = CaseFilter {
        status: match q.status.trim() {
            "" => None,
            s => Some(CaseStatus::parse(s)?),
        },
        unit: crate::views::optional_id(&q.unit, cumbre_domain::Field::Unit)?.map(UnitId),
        overdue: flag(&q.overdue, "overdue")?,
        owner: flag(&q.mine, "mine")?.then_some(ctx.user.id),
        limit: match q.limit.trim() {
            "" => 100,
            l => l.parse().map_err(|_| InvalidInput::NotANumber {
                field: cumbre_domain::Field::Record,
                value: l.to_owned(),
            })?,
        },
    };
    let items: Vec<CaseSummary> = state
        .store
        .list_cases(&ctx.scope, &filter, state.clock.now())
        .await?;
    Ok(Json(json!({ "items": items })))
}

async fn get_case(
    State(state): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, AppError> {
    Ok(Json(
        state
            .store
            .get_case(&ctx.scope, id, state.clock.now())
            .await?,
    ))
}

//! Home: the five steps of the service loop, with what each offers today.

use crate::auth::PageCtx;
use crate::extract::Query;
use crate::views::session::tenant_name;
use crate::views::{Chrome, Notice, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_store::org::PeopleFilter;

pub struct Area {
    pub key: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// (href, label key) of the capabilities that exist in this step.
    pub links: Vec<(&'static str, &'static str)>,
}

/// The loop the product is built around; capabilities register their links here.
pub fn areas() -> Vec<Area> {
    let area = |key, title, summary| Area {
        key,
        title,
        summary,
        links: Vec::new(),
    };
    vec![
        Area {
            links: vec![("/touchpoints", "nav.touchpoints")],
            ..area("decide", "area.decide", "area.decide.summary")
        },
        Area {
            links: vec![("/surveys", "nav.surveys"), ("/responses", "nav.responses")],
            ..area("listen", "area.listen", "area.listen.summary")
        },
        area("recover", "area.recover", "area.recover.summary"),
        area("improve", "area.improve", "area.improve.summary"),
        area("lead", "area.lead", "area.lead.summary"),
    ]
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    tenant: String,
    units: usize,
    people: i64,
    areas: Vec<Area>,
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let units = state.store.list_units(&ctx.scope).await?.len();
    let people = state
        .store
        .list_people(
            &ctx.scope,
            &PeopleFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await?
        .total;
    page(&HomePage {
        chrome: Chrome::for_user(&ctx, "home").with_notice(n.ok.as_deref()),
        tenant: tenant_name(&state, ctx.user.tenant).await?,
        units,
        people,
        areas: areas(),
    })
}

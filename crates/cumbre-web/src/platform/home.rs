//! Home: the five steps of the service loop, with what each offers today.

use crate::decide::vision::{Acknowledgement, VisionView, current_for};
use crate::platform::auth::PageCtx;
use crate::platform::extract::Query;
use crate::platform::page::{Chrome, Notice, page};
use crate::platform::session::tenant_name;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::Role;
use cumbre_store::org::PeopleFilter;

pub struct Area {
    pub key: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// (href, label key) of the capabilities this step offers the caller's role.
    pub links: Vec<(&'static str, &'static str)>,
    /// Whether the product has this step yet (for some role): without links, a built step
    /// says it is not part of the caller's role, an unbuilt one that it is coming.
    pub built: bool,
}

/// The loop the product is built around, as `role` can use it; capabilities register
/// their links here.
pub fn areas(role: Role) -> Vec<Area> {
    let area = |key, title, summary, links: Vec<(&'static str, &'static str)>| Area {
        key,
        title,
        summary,
        links,
        built: true,
    };
    let staff = role.serves();
    let mut recover = Vec::new();
    if staff {
        recover.push(("/cases", "nav.cases"));
        recover.push(("/promises", "promises.title"));
    }
    if role.leads() {
        recover.push(("/rules", "rules.title"));
    }
    if staff {
        recover.push(("/lessons", "lessons.title"));
        recover.push(("/recovery", "recovery.title"));
    }
    let improve = if role.leads() {
        vec![("/overview", "nav.overview")]
    } else if role == Role::Employee {
        vec![("/dashboard/me", "nav.my_results")]
    } else {
        Vec::new()
    };
    vec![
        area(
            "decide",
            "area.decide",
            "area.decide.summary",
            // Everyone reaches mystery shopping: the auditor's visits, the reviewers'
            // queue, the units' published audits.
            vec![
                ("/vision", "nav.vision"),
                ("/touchpoints", "nav.touchpoints"),
                ("/audits", "nav.audits"),
            ],
        ),
        area(
            "listen",
            "area.listen",
            "area.listen.summary",
            vec![("/surveys", "nav.surveys"), ("/responses", "nav.responses")],
        ),
        area("recover", "area.recover", "area.recover.summary", recover),
        area("improve", "area.improve", "area.improve.summary", improve),
        Area {
            built: false,
            ..area("lead", "area.lead", "area.lead.summary", Vec::new())
        },
    ]
}

#[derive(Template)]
#[template(path = "platform/home.html")]
struct HomePage {
    chrome: Chrome,
    tenant: String,
    units: usize,
    people: i64,
    areas: Vec<Area>,
    /// The current service vision and whether the reader has acknowledged it.
    vision: Option<(VisionView, Acknowledgement)>,
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let units = state.store.list_units(&ctx.scope).await?.len();
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
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
        areas: areas(ctx.user.role),
        vision: current_for(&state, &ctx, &clock).await?,
    })
}

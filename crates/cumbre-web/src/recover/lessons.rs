//! Lessons learned: what resolved cases taught, searchable by words and root cause, so the
//! next manager facing the same failure starts from what worked.

use crate::platform::auth::PageCtx;
use crate::platform::extract::Query;
use crate::platform::input::optional_id;
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::Field;
use cumbre_store::recover::Lesson;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "recover/lessons.html")]
struct LessonsPage {
    chrome: Chrome,
    /// (lesson, resolved on in the tenant's time, compensation in words)
    rows: Vec<(Lesson, String, String)>,
    q: String,
    causes: Vec<(i64, String)>,
    cause: Option<i64>,
}

impl LessonsPage {
    fn is_cause(&self, id: &&i64) -> bool {
        self.cause == Some(**id)
    }
}

#[derive(Deserialize, Default)]
pub struct LessonsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    root_cause: String,
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<LessonsQuery>,
) -> Result<Response, AppError> {
    let cause = optional_id(&q.root_cause, Field::RootCause)?;
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let money = crate::platform::page::Money::of(&state, ctx.user.tenant).await?;
    let rows = state
        .store
        .list_lessons(
            &ctx.scope,
            cumbre_domain::text::Search::parse(&q.q)?.as_ref(),
            cause,
            200,
        )
        .await?
        .into_iter()
        .map(|l| {
            let when = clock.local(l.resolved_at);
            let comp = if l.compensation_cents > 0 {
                format!(
                    "{} {}",
                    l.compensation_type,
                    money.fmt(l.compensation_cents)
                )
            } else {
                String::new()
            };
            (l, when, comp)
        })
        .collect();
    page(&LessonsPage {
        chrome: Chrome::for_user(&ctx, "cases"),
        rows,
        q: q.q,
        causes: state.store.root_causes(ctx.user.tenant).await?,
        cause,
    })
}

//! The notification outbox for administrators: what the rules and the scheduler sent,
//! what waits for a retry and what failed (with the reason), and sending a failed one again.

use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::recover::TenantClock;
use cumbre_store::recover::NotificationRow;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "recover/notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    /// (channel, status, count)
    counts: Vec<(String, String, i64)>,
    /// (notification, created, sent or next attempt)
    rows: Vec<(NotificationRow, String, String)>,
    status: String,
}

#[derive(Deserialize, Default)]
pub struct NotificationsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    ok: Option<String>,
}

fn when(n: &NotificationRow, clock: &TenantClock) -> String {
    match (n.status.as_str(), n.sent_at) {
        ("sent", Some(at)) => clock.local(at),
        ("queued", _) => clock.local(n.next_attempt_at),
        _ => String::new(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<NotificationsQuery>,
) -> Result<Response, AppError> {
    ctx.admin()?;
    let tenant = ctx.user.tenant;
    let status = crate::recover::filters::notification_status(&q.status)?;
    let clock = state.store.tenant_clock(tenant).await?;
    let rows = state
        .store
        .list_notifications(tenant, status, 300)
        .await?
        .into_iter()
        .map(|n| {
            let created = clock.local(n.created_at);
            let at = when(&n, &clock);
            (n, created, at)
        })
        .collect();
    page(&NotificationsPage {
        chrome: Chrome::for_user(&ctx, "notifications").with_notice(q.ok.as_deref()),
        counts: state.store.notification_counts(tenant).await?,
        rows,
        status: status.unwrap_or("").to_owned(),
    })
}

pub async fn retry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<crate::recover::cases::Empty>,
) -> Result<Response, AppError> {
    f.ctx.admin()?;
    state
        .store
        .retry_notification(f.ctx.user.tenant, id, state.clock.now())
        .await?;
    Ok(crate::platform::page::done(
        "/admin/notifications",
        "queued",
    ))
}

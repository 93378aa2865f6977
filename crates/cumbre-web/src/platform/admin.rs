//! The administration entry of the menu: one page leading to users and roles, the
//! organisation import, the activity log, the recovery settings, the comment themes and the outbox, so the
//! menu stays one row on a laptop.

use crate::platform::auth::PageCtx;
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "platform/admin.html")]
struct AdminPage {
    chrome: Chrome,
    /// (path, title key, description key)
    links: Vec<(&'static str, &'static str, &'static str)>,
}

pub async fn show(
    State(_state): State<AppState>,
    PageCtx(ctx): PageCtx,
) -> Result<Response, AppError> {
    ctx.admin()?;
    page(&AdminPage {
        chrome: Chrome::for_user(&ctx, "admin"),
        links: vec![
            ("/admin/users", "nav.users", "admin.users_help"),
            ("/admin/import", "nav.import", "admin.import_help"),
            (
                "/admin/recovery",
                "nav.recovery_settings",
                "admin.recovery_help",
            ),
            ("/admin/themes", "taxonomy.title", "admin.themes_help"),
            (
                "/admin/notifications",
                "notifications.title",
                "admin.notifications_help",
            ),
            ("/admin/audit", "nav.audit", "admin.audit_help"),
        ],
    })
}

//! The audit trail page: who changed what in the organisation and its accounts.

use crate::auth::PageCtx;
use crate::views::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_store::audit::AuditEvent;

const SHOWN: i64 = 300;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<AuditEvent>,
}

impl AuditPage {
    /// The translated name of an action, or its code for actions without one.
    fn action<'a>(&self, code: &'a str) -> &'a str {
        crate::i18n::catalogue(self.chrome.tr.lang)
            .get(format!("audit.{code}").as_str())
            .copied()
            .unwrap_or(code)
    }

    fn when(&self, event: &AuditEvent) -> String {
        let at = event.at;
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        )
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    page(&AuditPage {
        chrome: Chrome::for_user(&ctx, "audit"),
        events: state.store.audit_events(&grant, SHOWN).await?,
    })
}

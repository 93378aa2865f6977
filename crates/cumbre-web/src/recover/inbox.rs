//! The inbox: what waits for the signed-in person, by kind (approvals to decide, promises
//! coming due, cases escalated to them, new cases they own), each linking to its case.
//! Every page's header shows how many.

use crate::platform::auth::PageCtx;
use crate::platform::page::{Chrome, Money, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_store::recover::InboxKind;

/// One waiting thing as the page shows it.
pub struct Entry {
    pub case_id: i64,
    pub title: String,
    pub unit_name: String,
    pub at: String,
    pub detail: String,
    pub overdue: bool,
}

/// One kind of waiting thing: its heading, how many and the first of them.
pub struct Group {
    pub code: &'static str,
    pub heading: String,
    pub count: i64,
    pub entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "recover/inbox.html")]
struct InboxPage {
    chrome: Chrome,
    groups: Vec<Group>,
    total: i64,
}

fn heading_key(kind: InboxKind) -> &'static str {
    match kind {
        InboxKind::Approval => "inbox.approvals",
        InboxKind::PromiseDue => "inbox.promises",
        InboxKind::Escalated => "inbox.escalated",
        InboxKind::NewCase => "inbox.new_cases",
    }
}

/// What an entry's time is, in words: a deadline, a due time or when it was asked.
fn when_key(kind: InboxKind) -> &'static str {
    match kind {
        InboxKind::NewCase => "inbox.contact_by",
        InboxKind::Escalated => "inbox.next_step",
        InboxKind::Approval => "inbox.asked_on",
        InboxKind::PromiseDue => "inbox.due_on",
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let inbox = state.store.inbox(ctx.user.tenant, ctx.user.id, now).await?;
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let chrome = Chrome::for_user(&ctx, "inbox");
    let money = Money::of(&state, ctx.user.tenant).await?;
    let groups = inbox
        .counts
        .iter()
        .map(|(kind, count)| Group {
            code: kind.code(),
            heading: chrome.tr.t(heading_key(*kind)).to_owned(),
            count: *count,
            entries: inbox
                .items
                .iter()
                .filter(|i| i.kind == *kind)
                .map(|i| Entry {
                    case_id: i.case_id,
                    title: i.title.clone(),
                    unit_name: i.unit_name.clone(),
                    at: chrome.tr.f(when_key(*kind), clock.local(i.at)),
                    detail: match kind {
                        InboxKind::Approval => format!("{} · {}", i.text, money.fmt(i.cents)),
                        _ => i.text.clone(),
                    },
                    overdue: *kind != InboxKind::Approval && i.at <= now,
                })
                .collect(),
        })
        .collect();
    page(&InboxPage {
        chrome,
        total: inbox.total(),
        groups,
    })
}

//! The mystery shopper's visit on a phone: the briefing and the form generated from the
//! standards (pass, fail or not applicable with a note; measures against time limits),
//! sent exactly once under the key the page carries, even when the phone was offline
//! (static/audit.js queues it in the browser until the network returns).

use super::form::sections;
use super::roles::{assignments_of, audit_reader};
use crate::platform::auth::secret::random_token;
use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::Path;
use crate::platform::page::{Chrome, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::Role;
use cumbre_domain::decide::audit::{Outcome, RawAnswer};
use cumbre_domain::decide::questions::{AnswerKind, FreeAnswer};
use cumbre_domain::decide::standard::Check;
use cumbre_domain::{Field, InvalidInput};
use cumbre_store::decide::NewAudit;
use std::collections::HashMap;

/// One item of the form as the shopper fills it.
pub struct FieldView {
    pub key: String,
    pub name: String,
    /// The limit in words, for a time limit ("5 minutes at most").
    pub limit: Option<String>,
    /// What a time limit counts in ("minutes").
    pub unit: String,
    pub critical: bool,
    /// What the previous report said (a returned one), to correct rather than retype.
    pub outcome: String,
    pub measured: String,
    pub note: String,
    /// Photos a returned report already holds for it (kept unless new ones are sent).
    pub photos: usize,
}

/// A free question of the programme as the shopper answers it.
pub struct QuestionView {
    pub key: String,
    pub prompt: String,
    /// `text`, `yes_no` or `rating`.
    pub kind: &'static str,
    /// The returned report's answer, as the form writes it.
    pub answer: String,
}

pub struct SectionView {
    pub name: String,
    pub fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "decide/assignment.html")]
struct AssignmentPage {
    chrome: Chrome,
    id: i64,
    unit: String,
    programme: String,
    window: String,
    briefing: String,
    covert: bool,
    overdue: bool,
    /// The reviewer's comment when the report came back.
    returned: Option<String>,
    /// Only the assignment's auditor fills it, while it waits for them.
    fillable: bool,
    status: String,
    sections: Vec<SectionView>,
    questions: Vec<QuestionView>,
    key: String,
    visited: String,
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let auditor = assignments_of(&ctx)?;
    let tenant = ctx.user.tenant;
    let now = state.clock.now();
    let (a, form) = state.store.assignment(tenant, id, now).await?;
    if auditor.is_some_and(|me| me != a.auditor_id) {
        return Err(AppError::NotFound);
    }
    let programme = state.store.get_programme(tenant, a.programme_id).await?;
    let clock = state.store.tenant_clock(tenant).await?;
    let touchpoints = state.store.list_touchpoints(tenant).await?;
    let chrome = Chrome::for_user(&ctx, "audits");
    // A returned report is shown as it was sent, with the reviewer's comment.
    let previous = match a.audit_id {
        Some(audit) if a.status.awaits_auditor() => {
            Some(state.store.get_audit(&audit_reader(&ctx), audit).await?)
        }
        _ => None,
    };
    let before: HashMap<String, (Outcome, Option<u32>, String, usize)> = previous
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| {
            (
                i.key.clone(),
                (i.outcome, i.measured, i.note.clone(), i.photos.len()),
            )
        })
        .collect();
    let answered: HashMap<String, String> = previous
        .iter()
        .flat_map(|p| &p.questions)
        .filter_map(|q| {
            let text = match q.answer.as_ref()? {
                FreeAnswer::Text(t) => t.clone(),
                FreeAnswer::YesNo(true) => "yes".into(),
                FreeAnswer::YesNo(false) => "no".into(),
                FreeAnswer::Rating(n) => n.to_string(),
            };
            Some((q.question.key.clone(), text))
        })
        .collect();
    let questions = a
        .questions
        .iter()
        .map(|q| QuestionView {
            key: q.key.clone(),
            prompt: q.prompt.clone(),
            kind: match q.kind {
                AnswerKind::Text => "text",
                AnswerKind::YesNo => "yes_no",
                AnswerKind::Rating => "rating",
            },
            answer: answered.get(&q.key).cloned().unwrap_or_default(),
        })
        .collect();
    let lang = ctx.lang;
    let sections = sections(&form, &touchpoints, lang)
        .into_iter()
        .map(|s| SectionView {
            name: s.touchpoint,
            fields: s
                .items
                .iter()
                .map(|item| {
                    let (limit, unit) = match item.standard.check {
                        Check::Behaviour | Check::Target(_) => (None, String::new()),
                        Check::TimeLimit(l) => (
                            Some(chrome.tr.f("standards.at_most", l.unit.amount(l.max, lang))),
                            chrome.tr.name_of("audits.unit", l.unit.code()),
                        ),
                    };
                    let was = before.get(&item.key);
                    FieldView {
                        key: item.key.clone(),
                        name: item.standard.name.clone(),
                        limit,
                        unit,
                        critical: item.standard.critical,
                        outcome: was.map_or(String::new(), |w| match w.0 {
                            Outcome::Pass => "pass".into(),
                            Outcome::Fail => "fail".into(),
                            Outcome::NotApplicable => "na".into(),
                        }),
                        measured: was
                            .and_then(|w| w.1)
                            .map_or(String::new(), |m| m.to_string()),
                        note: was.map_or(String::new(), |w| w.2.clone()),
                        photos: was.map_or(0, |w| w.3),
                    }
                })
                .collect(),
        })
        .collect();
    page(&AssignmentPage {
        id,
        unit: a.unit_name.clone(),
        programme: a.programme_name.clone(),
        window: format!(
            "{} – {}",
            clock.local_date(a.due_from),
            super::audits::last_day(&clock, a.due_until)
        ),
        briefing: programme.briefing,
        covert: programme.covert,
        overdue: a.overdue,
        returned: previous.and_then(|p| p.review_note),
        fillable: ctx.user.role == Role::Auditor && a.status.awaits_auditor(),
        status: chrome.tr.name_of("assignments.status", a.status.code()),
        sections,
        questions,
        key: random_token().map_err(AppError::internal)?,
        visited: clock.input_value(now.min(a.due_until)),
        chrome,
    })
}

/// The filled form: `key` (idempotency), `visited_at` (local, the tenant's zone), and per
/// item `outcome:{key}`, `measured:{key}`, `note:{key}`.
pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if f.ctx.user.role != Role::Auditor {
        return Err(AppError::Forbidden);
    }
    let field = |name: &str| {
        f.form
            .iter()
            .find(|(k, _)| k == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let tenant = f.ctx.user.tenant;
    let clock = state.store.tenant_clock(tenant).await?;
    let visited_at =
        clock
            .parse_local(&field("visited_at"))
            .map_err(|_| InvalidInput::Instant {
                field: Field::VisitDate,
                value: field("visited_at").chars().take(40).collect(),
            })?;
    let key = field("key");
    let key = key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(InvalidInput::BadForm.into());
    }
    let now = state.clock.now();
    let (assignment, form) = state.store.assignment(tenant, id, now).await?;
    // Photos come as data URLs the page's script made (scaled down, re-encoded), any
    // number of fields per item.
    let all = |name: &str| -> Vec<String> {
        f.form
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    };
    let answers = form
        .iter()
        .map(|item| {
            let k = &item.key;
            (
                k.clone(),
                RawAnswer {
                    outcome: field(&format!("outcome:{k}")),
                    measured: field(&format!("measured:{k}")),
                    note: field(&format!("note:{k}")),
                    photos: all(&format!("photo:{k}")),
                },
            )
        })
        .collect();
    let questions = assignment
        .questions
        .iter()
        .map(|q| (q.key.clone(), field(&format!("answer:{}", q.key))))
        .collect();
    state
        .store
        .submit_audit(
            tenant,
            f.ctx.user.id,
            NewAudit {
                assignment_id: id,
                visited_at,
                answers,
                questions,
                // One namespace with the API's keys: a page's key is random and long.
                idempotency_key: Some(format!("page:{key}")),
            },
            &f.ctx.actor(),
            now,
        )
        .await?;
    Ok(done("/audits", "submitted"))
}

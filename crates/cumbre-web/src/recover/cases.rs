//! Recovery cases as managers work them: the list (mine, my team's, overdue first), the
//! case page with its timeline, the customer's original answers and every action, and the
//! promises due.

use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::input::optional_id;
use crate::platform::page::{Chrome, Money, Notice, Pager, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::recover::{CaseStatus, Resolution, TenantClock};
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::recover::{CaseDetail, CaseFilter, CaseSummary, Moved, Promise};
use serde::Deserialize;

/// A case row as the list shows it.
pub struct CaseRow {
    pub case: CaseSummary,
    pub due: String,
    /// Opened in the last day: marked so it does not drown below older overdue cases.
    pub fresh: bool,
}

const PAGE_SIZE: i64 = 50;

/// How long a case counts as just opened.
const FRESH: time::Duration = time::Duration::hours(24);

#[derive(Template)]
#[template(path = "recover/cases.html")]
struct CasesPage {
    chrome: Chrome,
    rows: Vec<CaseRow>,
    total: i64,
    pager: Pager,
    /// The query string without `page`, for the pager links.
    base_query: String,
    status: String,
    overdue: bool,
    show: String,
    newest: bool,
    q: String,
}

#[derive(Deserialize, Default)]
pub struct CasesQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    overdue: String,
    /// `mine`, `escalated_to_me`, `escalated`, `approval`, or all.
    #[serde(default)]
    show: String,
    /// `1`: the same as `show=mine` (older links).
    #[serde(default)]
    mine: String,
    /// `newest`, or most urgent first.
    #[serde(default)]
    sort: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<CasesQuery>,
) -> Result<Response, AppError> {
    let show = if q.show.is_empty() && q.mine == "1" {
        "mine".to_owned()
    } else {
        q.show.trim().to_owned()
    };
    let mut pager = Pager::asked(q.page, PAGE_SIZE);
    let mut filter = CaseFilter {
        status: match q.status.as_str() {
            "" => None,
            s => Some(CaseStatus::parse(s)?),
        },
        unit: optional_id(&q.unit, Field::Unit)?.map(UnitId),
        overdue: q.overdue == "1",
        show: cumbre_store::recover::CaseShow::parse(&show, ctx.user.id)?,
        text: cumbre_domain::text::Search::parse(&q.q)?,
        newest_first: q.sort == "newest",
        limit: PAGE_SIZE,
        offset: pager.offset(),
    };
    let now = state.clock.now();
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let mut found = state.store.list_cases(&ctx.scope, &filter, now).await?;
    if found.items.is_empty() && found.total > 0 {
        // Past the end (an old link, a typed number): the last page.
        pager = Pager::asked(Some(pager.of(found.total).pages), PAGE_SIZE);
        filter.offset = pager.offset();
        found = state.store.list_cases(&ctx.scope, &filter, now).await?;
    }
    let rows = found
        .items
        .into_iter()
        .map(|case| CaseRow {
            due: clock.local(case.deadline()),
            fresh: case.created_at > now - FRESH,
            case,
        })
        .collect();
    let base_query = serde_urlencoded::to_string([
        ("status", q.status.as_str()),
        ("q", q.q.as_str()),
        ("overdue", if filter.overdue { "1" } else { "" }),
        ("show", show.as_str()),
        ("sort", if filter.newest_first { "newest" } else { "" }),
        ("unit", q.unit.as_str()),
    ])
    .unwrap_or_default();
    page(&CasesPage {
        chrome: Chrome::for_user(&ctx, "cases").with_notice(q.ok.as_deref()),
        rows,
        total: found.total,
        pager: pager.of(found.total),
        base_query,
        status: q.status,
        overdue: filter.overdue,
        show,
        newest: filter.newest_first,
        q: q.q,
    })
}

#[derive(Template)]
#[template(path = "recover/case.html")]
struct CasePage {
    chrome: Chrome,
    case: CaseDetail,
    first_due: String,
    resolve_due: String,
    timeline: Vec<TimelineRow>,
    answers: Vec<(String, String)>,
    promises: Vec<(Promise, String)>,
    root_causes: Vec<(i64, String)>,
    /// (approval id, compensation, amount, whether the viewer decides)
    approval: Option<(i64, String, String, bool)>,
    /// Whom the case can be handed to: (user id, "e-mail · unit").
    owners: Vec<(i64, String)>,
    /// Once resolved: the compensation in words and when.
    compensation: Option<String>,
    resolved_at: Option<String>,
    can_contact: bool,
    can_resolve: bool,
    can_close: bool,
    can_reopen: bool,
}

/// One line of the timeline in words, in the reader's language.
fn event_text(
    kind: &str,
    detail: &serde_json::Value,
    clock: &TenantClock,
    money: &Money,
    chrome: &Chrome,
) -> String {
    let tr = &chrome.tr;
    let s = |k: &str| {
        detail
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let status = |k: &str| tr.t(chrome.case_status_key(&s(k))).to_owned();
    let at = |k: &str| {
        detail
            .get(k)
            .and_then(serde_json::Value::as_i64)
            .map(|ms| clock.local(cumbre_domain::clock::from_millis(ms)))
            .unwrap_or_default()
    };
    match kind {
        "status" => {
            let mut t = format!("{} → {}", status("from"), status("to"));
            if let Some(r) = detail.get("resolution").filter(|r| !r.is_null()) {
                let r: Resolution = serde_json::from_value(r.clone()).unwrap_or_default();
                t.push_str(&format!(" · {}", r.action_taken));
                if r.compensation_cents > 0 {
                    t.push_str(&format!(
                        " · {} {}",
                        r.compensation_type,
                        money.fmt(r.compensation_cents)
                    ));
                }
            }
            if !s("note").is_empty() {
                t.push_str(&format!(" · {}", s("note")));
            }
            t
        }
        "note" | "message" => {
            let channel = s("channel");
            let mut t = if channel.is_empty() {
                s("text")
            } else {
                format!("[{channel}] {}", s("text"))
            };
            if !s("sent_to").is_empty() {
                t.push_str(&format!(" · {}", tr.f("case.sent_to", s("sent_to"))));
            }
            t
        }
        "promise" => format!("{} ({})", s("text"), at("due_at")),
        "escalated" => {
            tr.f("case.escalated_text", s("to_email"))
                .replacen("{}", &at("next_due_at"), 1)
        }
        "reminded" => {
            tr.f("case.reminded_text", s("to_email"))
                .replacen("{}", &at("next_due_at"), 1)
        }
        "reassigned" => match s("to_email") {
            to if to.is_empty() => String::new(),
            to => tr.f("case.reassigned_text", to),
        },
        "approval_requested" => {
            let cents = detail
                .get("amount_cents")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0);
            format!("{} {}", s("compensation_type"), money.fmt(cents))
        }
        "declined" => s("reason"),
        _ => String::new(),
    }
}

/// One row of the case's history as the page shows it.
pub struct TimelineRow {
    pub at: String,
    pub who: String,
    pub what: String,
    pub text: String,
}

/// The history in words; a run of reminders to the same person reads as one line
/// ("reminded 12 times, the last on …") instead of one line a day.
fn timeline_rows(
    events: &[cumbre_store::recover::CaseEvent],
    clock: &TenantClock,
    money: &Money,
    chrome: &Chrome,
) -> Vec<TimelineRow> {
    let mut rows: Vec<TimelineRow> = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        let e = &events[i];
        let to = |e: &cumbre_store::recover::CaseEvent| e.detail.get("to").cloned();
        let mut run = 1;
        if e.kind == "reminded" {
            while events
                .get(i + run)
                .is_some_and(|n| n.kind == "reminded" && to(n) == to(e))
            {
                run += 1;
            }
        }
        let last = &events[i + run - 1];
        let mut text = event_text(&last.kind, &last.detail, clock, money, chrome);
        if run > 1 {
            text = format!(
                "{} · {}",
                chrome
                    .tr
                    .count("case.reminders", run as i64)
                    .replacen("{}", &clock.local(e.at), 1),
                text
            );
        }
        rows.push(TimelineRow {
            at: clock.local(last.at),
            who: last
                .actor_email
                .clone()
                .unwrap_or_else(|| chrome.tr.t("case.by_system").to_owned()),
            what: chrome.tr.t(case_event_key(&last.kind)).to_owned(),
            text,
        });
        i += run;
    }
    rows
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let case = state.store.get_case(&ctx.scope, id, now).await?;
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let chrome = Chrome::for_user(&ctx, "cases").with_notice(n.ok.as_deref());
    let money = Money::of(&state, ctx.user.tenant).await?;
    let timeline = timeline_rows(&case.timeline, &clock, &money, &chrome);
    let answers = match case.case.response_id {
        Some(rid) => match state.store.get_response(&ctx.scope, rid).await {
            Ok(r) => {
                crate::listen::responses::asked_answers(&state, &ctx, &r)
                    .await?
                    .1
            }
            Err(_) => Vec::new(),
        },
        None => Vec::new(),
    };
    let promises = state
        .store
        .list_promises(&ctx.scope, false, Some(id), now)
        .await?
        .into_iter()
        .map(|p| {
            let due = clock.local(p.due_at);
            (p, due)
        })
        .collect();
    let approval =
        state
            .store
            .pending_approval(&ctx.scope, id)
            .await?
            .map(|(aid, approver, kind, cents)| {
                (
                    aid,
                    kind,
                    money.fmt(cents),
                    approver == ctx.user.id || ctx.user.role == cumbre_domain::access::Role::Admin,
                )
            });
    let status = case.case.status;
    let owners = state
        .store
        .hand_over_options(&ctx.scope, id)
        .await?
        .into_iter()
        .map(|(user, email, unit)| {
            let label = if unit.is_empty() {
                email
            } else {
                format!("{email} · {unit}")
            };
            (user.0, label)
        })
        .collect();
    let compensation = case.resolution.as_ref().map(|r| {
        if r.compensation_cents > 0 {
            format!(
                "{} · {}",
                r.compensation_type,
                money.fmt(r.compensation_cents)
            )
        } else {
            chrome.tr.t("cases.no_compensation").to_owned()
        }
    });
    let resolved_at = case.resolution.as_ref().map(|r| clock.local(r.resolved_at));
    page(&CasePage {
        owners,
        compensation,
        resolved_at,
        first_due: clock.local(case.case.first_contact_due_at),
        resolve_due: clock.local(case.case.resolve_due_at),
        root_causes: state.store.root_causes(ctx.user.tenant).await?,
        can_contact: status == CaseStatus::New,
        can_resolve: status.can_move_to(CaseStatus::Resolved) && approval.is_none(),
        can_close: status == CaseStatus::Resolved,
        can_reopen: matches!(status, CaseStatus::Resolved | CaseStatus::Closed),
        approval,
        chrome,
        case,
        timeline,
        answers,
        promises,
    })
}

/// The catalogue key naming a timeline entry.
fn case_event_key(kind: &str) -> &'static str {
    match kind {
        "opened" => "case.ev_opened",
        "status" => "case.ev_status",
        "note" => "case.ev_note",
        "message" => "case.ev_message",
        "reassigned" => "case.ev_reassigned",
        "escalated" => "case.ev_escalated",
        "reminded" => "case.ev_reminded",
        "winback_sent" => "case.ev_winback_sent",
        "promise" => "case.ev_promise",
        "promise_kept" => "case.ev_promise_kept",
        "promise_broken" => "case.ev_promise_broken",
        "approval_requested" => "case.ev_approval_requested",
        "approved" => "case.ev_approved",
        "declined" => "case.ev_declined",
        _ => "case.ev_other",
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    action_taken: String,
    #[serde(default)]
    root_cause_id: String,
    #[serde(default)]
    compensation_type: String,
    /// In currency units, `120` or `120.50`.
    #[serde(default)]
    compensation: String,
    #[serde(default)]
    lessons: String,
}

/// `120.5` → 12050 cents.
pub(crate) fn cents(raw: &str) -> Result<i64, InvalidInput> {
    let raw = raw.trim().replace(',', ".");
    if raw.is_empty() {
        return Ok(0);
    }
    let bad = || InvalidInput::NotANumber {
        field: Field::Answer,
        value: raw.clone(),
    };
    let (units, fraction) = raw.split_once('.').unwrap_or((&raw, ""));
    if fraction.len() > 2 {
        return Err(bad());
    }
    let units: i64 = units.parse().map_err(|_| bad())?;
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<2}").parse().map_err(|_| bad())?
    };
    if units < 0 {
        return Err(bad());
    }
    Ok(units * 100 + fraction)
}

pub async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<StatusForm>,
) -> Result<Response, AppError> {
    let to = CaseStatus::parse(&f.form.status)?;
    let resolution = (to == CaseStatus::Resolved)
        .then(|| -> Result<Resolution, AppError> {
            Ok(Resolution {
                action_taken: f.form.action_taken.clone(),
                root_cause_id: optional_id(&f.form.root_cause_id, Field::Record)?,
                compensation_type: f.form.compensation_type.clone(),
                compensation_cents: cents(&f.form.compensation)?,
                lessons: f.form.lessons.clone(),
            })
        })
        .transpose()?;
    let moved = state
        .store
        .move_case(
            &f.ctx.acting(),
            id,
            to,
            &f.form.note,
            resolution.as_ref(),
            state.clock.now(),
        )
        .await?;
    Ok(done(
        &format!("/cases/{id}"),
        match moved {
            Moved::Done => "saved",
            Moved::ApprovalRequested { .. } => "approval",
        },
    ))
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<NoteForm>,
) -> Result<Response, AppError> {
    state
        .store
        .add_case_note(
            &f.ctx.acting(),
            id,
            cumbre_store::recover::NoteKind::parse(&f.form.kind)?,
            &f.form.channel,
            &f.form.text,
            state.clock.now(),
        )
        .await?;
    Ok(done(&format!("/cases/{id}"), "saved"))
}

#[derive(Deserialize)]
pub struct PromiseForm {
    #[serde(default)]
    text: String,
    /// Local date and time, `2026-11-26T12:00`.
    #[serde(default)]
    due: String,
}

pub async fn add_promise(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<PromiseForm>,
) -> Result<Response, AppError> {
    let clock = state.store.tenant_clock(f.ctx.user.tenant).await?;
    let due = clock.parse_local(&f.form.due)?;
    state
        .store
        .add_promise(&f.ctx.acting(), id, &f.form.text, due, state.clock.now())
        .await?;
    Ok(done(&format!("/cases/{id}"), "saved"))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn keep_promise(
    State(state): State<AppState>,
    Path((case, promise)): Path<(i64, i64)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    state
        .store
        .keep_promise(&f.ctx.acting(), promise, Some(case), state.clock.now())
        .await?;
    Ok(done(&format!("/cases/{case}"), "saved"))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    Path((case, approval)): Path<(i64, i64)>,
    f: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    state
        .store
        .decide_approval(
            &f.ctx.acting(),
            approval,
            Some(case),
            f.form.decision == "approve",
            &f.form.reason,
            state.clock.now(),
        )
        .await?;
    Ok(done(&format!("/cases/{case}"), "saved"))
}

#[derive(Template)]
#[template(path = "recover/promises.html")]
struct PromisesPage {
    chrome: Chrome,
    rows: Vec<(Promise, String)>,
}

pub async fn promises(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let rows = state
        .store
        .list_promises(&ctx.scope, false, None, now)
        .await?
        .into_iter()
        .map(|p| {
            let due = clock.local(p.due_at);
            (p, due)
        })
        .collect();
    page(&PromisesPage {
        chrome: Chrome::for_user(&ctx, "cases"),
        rows,
    })
}

pub async fn winback(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let token = crate::platform::auth::secret::random_token().map_err(AppError::internal)?;
    state
        .store
        .send_winback(&f.ctx.acting(), id, &token, state.clock.now())
        .await?;
    Ok(done(&format!("/cases/{id}"), "queued"))
}

/// One row of the recovery table, formatted.
pub struct MetricRow {
    pub name: String,
    pub cases: usize,
    pub open: usize,
    pub first_contact: String,
    pub resolve: String,
    pub contact_in_time: (String, bool),
    pub resolved_in_time: (String, bool),
    pub compensation: String,
    pub recovered: (String, bool),
}

impl MetricRow {
    pub fn new(
        name: String,
        m: &cumbre_store::recover::metrics::UnitRecovery,
        money: &Money,
    ) -> Self {
        MetricRow {
            name,
            cases: m.cases,
            open: m.open,
            first_contact: duration(m.median_first_contact_minutes),
            resolve: duration(m.median_resolve_minutes),
            contact_in_time: share(m.first_contact_in_time),
            resolved_in_time: share(m.resolved_in_time),
            compensation: money.fmt(m.compensation_cents),
            recovered: share(m.recovered),
        }
    }
}

pub(crate) fn duration(minutes: Option<i64>) -> String {
    match minutes {
        None => "—".into(),
        Some(m) if m < 120 => format!("{m} min"),
        Some(m) if m < 48 * 60 => format!("{:.1} h", m as f64 / 60.0),
        Some(m) => format!("{:.1} d", m as f64 / 1440.0),
    }
}

/// `83 % (25/30)`, and whether the sample is large enough to be read as a fact.
fn share(s: cumbre_store::recover::Share) -> (String, bool) {
    match s.value() {
        None => ("—".into(), false),
        Some(v) => (
            format!("{:.0} % ({}/{})", v * 100.0, s.hits, s.n),
            s.sufficient(),
        ),
    }
}

#[derive(Template)]
#[template(path = "recover/recovery.html")]
struct RecoveryPage {
    chrome: Chrome,
    rows: Vec<MetricRow>,
    from: String,
    to: String,
    min_sample: usize,
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn recovery(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let (from, to) = crate::recover::filters::period(&q.from, &q.to, now)?;
    let chrome = Chrome::for_user(&ctx, "cases");
    let money = Money::of(&state, ctx.user.tenant).await?;
    let all = chrome.tr.t("recovery.all").to_owned();
    let rows = state
        .store
        .recovery_metrics(&ctx.scope, from, to, now)
        .await?
        .iter()
        .map(|m| {
            let name = if m.unit_id.is_none() {
                all.clone()
            } else {
                m.unit_name.clone()
            };
            MetricRow::new(name, m, &money)
        })
        .collect();
    page(&RecoveryPage {
        chrome,
        rows,
        from: from.date().to_string(),
        to: (to - time::Duration::days(1)).date().to_string(),
        min_sample: cumbre_store::recover::metrics::MIN_SAMPLE,
    })
}

#[derive(Deserialize)]
pub struct OwnerForm {
    #[serde(default)]
    owner_id: String,
}

pub async fn reassign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<OwnerForm>,
) -> Result<Response, AppError> {
    let owner = optional_id(&f.form.owner_id, Field::Person)?
        .ok_or(InvalidInput::Required(Field::Person))?;
    state
        .store
        .reassign_case(
            &f.ctx.acting(),
            id,
            cumbre_domain::UserId(owner),
            state.clock.now(),
        )
        .await?;
    Ok(done(&format!("/cases/{id}"), "saved"))
}

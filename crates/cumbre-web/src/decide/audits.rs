//! Mystery-shopping pages: the list each role sees (an auditor's visits and reports, the
//! reviewers' queue, the units' published audits) and one audit with its items by moment
//! of truth, its score per section, the review, the disputes and their decisions.

use super::form::touchpoint_name;
use super::roles::{assignments_of, audit_reader, disputes, reviewer, reviews};
use crate::platform::auth::{CsrfForm, PageCtx};
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, Notice, actor_name, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::Lang;
use cumbre_domain::decide::audit::{Item, Outcome, Recorded, score};
use cumbre_domain::decide::questions::FreeAnswer;
use cumbre_domain::decide::standard::{Check, StandardDefinition, Weight};
use cumbre_domain::recover::TenantClock;
use cumbre_store::decide::{
    Assignment, AssignmentFilter, AuditDetail, AuditFilter, AuditStatus, AuditSummary,
    DisputeDecision, Review,
};
use serde::Deserialize;

/// An audit in a list, for people.
pub struct AuditRow {
    pub id: i64,
    pub unit: String,
    pub programme: String,
    pub visited: String,
    /// Reviewers and the auditor see who; the units visited do not.
    pub auditor: Option<String>,
    pub status: AuditStatus,
    pub score: String,
    pub critical: u64,
    pub calibration: bool,
}

/// An audit's state, as the catalogue names it.
fn status_key(s: AuditStatus) -> &'static str {
    match s {
        AuditStatus::Submitted => "audits.status.submitted",
        AuditStatus::Returned => "audits.status.returned",
        AuditStatus::Published => "audits.status.published",
    }
}

/// `84 %`, or a dash when nothing applied.
pub fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_owned(), |p| format!("{p:.0} %"))
}

fn row(a: &AuditSummary, clock: &TenantClock, show_auditor: bool) -> AuditRow {
    AuditRow {
        id: a.id,
        unit: a.unit_name.clone(),
        programme: a.programme_name.clone(),
        visited: clock.local(a.visited_at),
        auditor: show_auditor.then(|| a.auditor_email.clone()),
        status: a.status,
        score: percent(a.percent),
        critical: a.critical_failures,
        calibration: a.calibration,
    }
}

/// The last local day of a window that ends at `until` (its end is the next midnight).
pub fn last_day(clock: &TenantClock, until: time::OffsetDateTime) -> String {
    clock
        .local_date(until - time::Duration::seconds(1))
        .to_string()
}

/// An assignment in a list, for people.
pub struct AssignmentRow {
    pub id: i64,
    pub unit: String,
    pub programme: String,
    pub due: String,
    pub status: &'static str,
    pub overdue: bool,
    pub auditor: String,
    pub audit_id: Option<i64>,
    pub calibration: bool,
}

fn assignment_row(a: &Assignment, clock: &TenantClock) -> AssignmentRow {
    AssignmentRow {
        id: a.id,
        unit: a.unit_name.clone(),
        programme: a.programme_name.clone(),
        due: last_day(clock, a.due_until),
        status: a.status.code(),
        overdue: a.overdue,
        auditor: a.auditor_email.clone(),
        audit_id: a.audit_id,
        calibration: a.calibrates.is_some(),
    }
}

#[derive(Template)]
#[template(path = "decide/audits.html")]
struct AuditsPage {
    chrome: Chrome,
    /// An auditor's visits still to make (open or returned), or the reviewers' overdue ones.
    visits: Vec<AssignmentRow>,
    is_auditor: bool,
    is_reviewer: bool,
    waiting_review: Vec<AuditRow>,
    /// (dispute id, audit id, unit, item, reason, raised by, when)
    open_disputes: Vec<(i64, i64, String, String, String, String, String)>,
    audits: Vec<AuditRow>,
    /// (shopper, published, mean score, disputes, overturned with its rate)
    auditors: Vec<(String, String, String, String, String)>,
    /// (first, second, visits, agreement, kappa, who is more lenient)
    pairs: Vec<(String, String, String, String, String, String)>,
}

impl AuditsPage {
    fn status_label(&self, s: &AuditStatus) -> &'static str {
        self.chrome.tr.t(status_key(*s))
    }

    fn assignment_status(&self, code: &str) -> String {
        self.chrome.tr.name_of("assignments.status", code)
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let tenant = ctx.user.tenant;
    let clock = state.store.tenant_clock(tenant).await?;
    let now = state.clock.now();
    let is_reviewer = reviews(ctx.user.role);
    let is_auditor = ctx.user.role == cumbre_domain::access::Role::Auditor;
    let visits = match assignments_of(&ctx) {
        Ok(auditor) => state
            .store
            .list_assignments(
                tenant,
                auditor,
                &AssignmentFilter {
                    overdue: !is_auditor,
                    ..Default::default()
                },
                now,
            )
            .await?
            .iter()
            .filter(|a| a.status.awaits_auditor())
            .map(|a| assignment_row(a, &clock))
            .collect(),
        Err(_) => Vec::new(),
    };
    let all = state
        .store
        .list_audits(&audit_reader(&ctx), &AuditFilter::default())
        .await?;
    let show_auditor = is_reviewer || is_auditor;
    let waiting_review = if is_reviewer {
        all.iter()
            .filter(|a| a.status == AuditStatus::Submitted)
            .map(|a| row(a, &clock, true))
            .collect()
    } else {
        Vec::new()
    };
    let open_disputes = if is_reviewer {
        state
            .store
            .open_disputes(tenant)
            .await?
            .into_iter()
            .map(|d| {
                (
                    d.id,
                    d.audit_id,
                    d.unit_name,
                    d.item,
                    d.reason,
                    actor_name(&d.raised_by),
                    clock.local(d.raised_at),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let chrome = Chrome::for_user(&ctx, "audits").with_notice(n.ok.as_deref());
    let (auditors, pairs) = if is_reviewer {
        calibration_rows(&state.store.calibration(tenant).await?, &chrome)
    } else {
        (Vec::new(), Vec::new())
    };
    page(&AuditsPage {
        chrome,
        auditors,
        pairs,
        visits,
        is_auditor,
        is_reviewer,
        waiting_review,
        open_disputes,
        audits: all
            .iter()
            .take(300)
            .map(|a| row(a, &clock, show_auditor))
            .collect(),
    })
}

type FigureRow = (String, String, String, String, String);
type PairRow = (String, String, String, String, String, String);

/// The shoppers' figures and agreement, in words.
fn calibration_rows(
    c: &cumbre_store::decide::Calibration,
    chrome: &Chrome,
) -> (Vec<FigureRow>, Vec<PairRow>) {
    let tr = &chrome.tr;
    let auditors = c
        .auditors
        .iter()
        .map(|a| {
            (
                a.email.clone(),
                tr.int(a.published as i64),
                percent(a.mean_score),
                tr.int(a.disputes as i64),
                match a.overturn_rate {
                    Some(r) => format!("{} ({:.0} %)", tr.int(a.overturned as i64), r * 100.0),
                    None => "—".to_owned(),
                },
            )
        })
        .collect();
    let pairs = c
        .pairs
        .iter()
        .map(|p| {
            let lenient = match p
                .first_passed_second_failed
                .cmp(&p.second_passed_first_failed)
            {
                std::cmp::Ordering::Greater => tr.f("audits.more_lenient", &p.first),
                std::cmp::Ordering::Less => tr.f("audits.more_lenient", &p.second),
                std::cmp::Ordering::Equal => tr.t("audits.as_strict").to_owned(),
            };
            (
                p.first.clone(),
                p.second.clone(),
                tr.int(p.visits as i64),
                percent(Some(p.observed * 100.0)),
                p.kappa
                    .map_or_else(|| "—".to_owned(), |k| format!("{k:.2}")),
                lenient,
            )
        })
        .collect();
    (auditors, pairs)
}

/// One item as the audit page shows it.
pub struct ItemView {
    pub key: String,
    pub name: String,
    /// "Observed" or "5 minutes at most".
    pub check: String,
    pub weight: String,
    pub critical: bool,
    pub outcome: Outcome,
    pub measured: Option<String>,
    pub note: String,
    /// What counts now, when a dispute changed it.
    pub counted: Option<Outcome>,
    pub disputable: bool,
    pub dispute: Option<DisputeView>,
    /// The corrective action a failed critical item opened.
    pub case_id: Option<i64>,
    /// Its photos' ids.
    pub photos: Vec<i64>,
}

pub struct DisputeView {
    pub id: i64,
    pub reason: String,
    pub raised: String,
    /// (decision, reason, by, when) once decided.
    pub decision: Option<(DisputeDecision, String, String, String)>,
}

pub struct SectionView {
    pub name: String,
    pub score: String,
    pub knocked_out: bool,
    pub items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "decide/audit.html")]
struct AuditPage {
    chrome: Chrome,
    a: AuditRow,
    original: Option<String>,
    sections: Vec<SectionView>,
    review_note: Option<String>,
    reviewed_by: Option<String>,
    published: Option<String>,
    disputable_until: Option<String>,
    can_review: bool,
    can_dispute: bool,
    can_decide: bool,
    /// The programme's free questions and their answers, in words.
    questions: Vec<(String, String)>,
}

impl AuditPage {
    fn outcome_label(&self, o: &Outcome) -> &'static str {
        self.chrome.tr.t(match o {
            Outcome::Pass => "audits.outcome.pass",
            Outcome::Fail => "audits.outcome.fail",
            Outcome::NotApplicable => "audits.outcome.na",
        })
    }

    fn outcome_class(&self, o: &Outcome) -> &'static str {
        match o {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "na",
        }
    }

    fn decision_label(&self, d: &DisputeDecision) -> &'static str {
        self.chrome.tr.t(match d {
            DisputeDecision::Upheld => "audits.dispute.upheld",
            DisputeDecision::Overturned => "audits.dispute.overturned",
        })
    }

    fn status_label(&self, s: &AuditStatus) -> &'static str {
        self.chrome.tr.t(status_key(*s))
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let tenant = ctx.user.tenant;
    let d = state.store.get_audit(&audit_reader(&ctx), id).await?;
    let clock = state.store.tenant_clock(tenant).await?;
    let touchpoints = state.store.list_touchpoints(tenant).await?;
    let now = state.clock.now();
    let chrome = Chrome::for_user(&ctx, "audits").with_notice(n.ok.as_deref());
    let is_reviewer = reviews(ctx.user.role);
    let show_auditor = is_reviewer || ctx.user.role == cumbre_domain::access::Role::Auditor;
    let open_window =
        d.summary.status == AuditStatus::Published && d.disputable_until.is_some_and(|u| now <= u);
    let can_dispute = disputes(&ctx) && open_window && !d.summary.calibration;
    let sections = sections_of(&d, &touchpoints, &chrome, &clock, can_dispute);
    // The form only when something is left to dispute.
    let can_dispute = can_dispute
        && sections
            .iter()
            .any(|s| s.items.iter().any(|i| i.disputable));
    let original = (d.summary.original_earned != d.summary.earned).then(|| {
        percent(
            (d.summary.possible > 0)
                .then(|| d.summary.original_earned as f64 * 100.0 / d.summary.possible as f64),
        )
    });
    page(&AuditPage {
        a: row(&d.summary, &clock, show_auditor),
        original,
        sections,
        review_note: d.review_note.clone(),
        reviewed_by: d.reviewed_by.as_deref().map(actor_name),
        published: d.published_at.map(|p| clock.local(p)),
        disputable_until: d
            .disputable_until
            .filter(|_| open_window)
            .map(|u| clock.local(u)),
        can_review: is_reviewer && d.summary.status == AuditStatus::Submitted,
        can_dispute,
        can_decide: is_reviewer,
        questions: d
            .questions
            .iter()
            .map(|q| {
                let answer = match &q.answer {
                    None => chrome.tr.t("audits.unanswered").to_owned(),
                    Some(FreeAnswer::Text(t)) => t.clone(),
                    Some(FreeAnswer::YesNo(true)) => chrome.tr.t("assignments.yes").to_owned(),
                    Some(FreeAnswer::YesNo(false)) => chrome.tr.t("assignments.no").to_owned(),
                    Some(FreeAnswer::Rating(n)) => chrome.tr.f("audits.rating", n),
                };
                (q.question.prompt.clone(), answer)
            })
            .collect(),
        chrome,
    })
}

/// The items by moment of truth, each section scored on what counts now.
fn sections_of(
    d: &AuditDetail,
    touchpoints: &[cumbre_store::listen::Touchpoint],
    chrome: &Chrome,
    clock: &TenantClock,
    can_dispute: bool,
) -> Vec<SectionView> {
    let tr = &chrome.tr;
    let lang: Lang = tr.lang;
    let items: Vec<Item> = d
        .items
        .iter()
        .map(|i| Item {
            key: i.key.clone(),
            section: i.touchpoint_id.to_string(),
            standard: StandardDefinition {
                name: i.name.clone(),
                check: i.check,
                weight: Weight::new(i.weight).unwrap_or_else(|_| Weight::default()),
                critical: i.critical,
            },
        })
        .collect();
    let counted: Vec<Recorded> = d
        .items
        .iter()
        .map(|i| Recorded {
            outcome: i.counted,
            measured: i.measured,
            note: i.note.clone(),
            photos: Vec::new(),
        })
        .collect();
    let scored = score(&items, &counted);
    let mut out: Vec<SectionView> = Vec::new();
    for i in &d.items {
        let dispute = d
            .disputes
            .iter()
            .find(|x| x.key == i.key)
            .map(|x| DisputeView {
                id: x.id,
                reason: x.reason.clone(),
                raised: format!(
                    "{} · {}",
                    actor_name(&x.raised_by),
                    clock.local(x.raised_at)
                ),
                decision: x.decision.map(|dec| {
                    (
                        dec,
                        x.decision_reason.clone().unwrap_or_default(),
                        x.decided_by.as_deref().map(actor_name).unwrap_or_default(),
                        x.decided_at.map(|t| clock.local(t)).unwrap_or_default(),
                    )
                }),
            });
        let view = ItemView {
            key: i.key.clone(),
            name: i.name.clone(),
            check: super::standards::check_text(
                &StandardDefinition {
                    name: i.name.clone(),
                    check: i.check,
                    weight: Weight::default(),
                    critical: i.critical,
                },
                tr,
            ),
            weight: tr.count("standards.points", i64::from(i.weight)),
            critical: i.critical,
            outcome: i.outcome,
            measured: match (i.check, i.measured) {
                (Check::TimeLimit(l), Some(m)) => Some(l.unit.amount(m, lang)),
                _ => None,
            },
            note: i.note.clone(),
            counted: (i.counted != i.outcome).then_some(i.counted),
            disputable: can_dispute && i.outcome == Outcome::Fail && dispute.is_none(),
            dispute,
            case_id: i.case_id,
            photos: i.photos.clone(),
        };
        let section = i.touchpoint_id.to_string();
        match out.last_mut() {
            Some(s) if s.name == section => s.items.push(view),
            _ => out.push(SectionView {
                name: section,
                score: String::new(),
                knocked_out: false,
                items: vec![view],
            }),
        }
    }
    for s in &mut out {
        if let Some(sc) = scored.sections.iter().find(|x| x.section == s.name) {
            s.score = percent(sc.percent());
            s.knocked_out = sc.knocked_out();
        }
        s.name = s
            .name
            .parse()
            .map(|id| touchpoint_name(touchpoints, id, lang))
            .unwrap_or_default();
    }
    out
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<ReviewForm>,
) -> Result<Response, AppError> {
    reviewer(&f.ctx)?;
    let review = match f.form.decision.as_str() {
        "publish" => Review::Publish,
        "return" => Review::Return,
        other => {
            return Err(cumbre_domain::InvalidInput::NotOneOf {
                field: cumbre_domain::Field::Decision,
                value: other.chars().take(40).collect(),
                allowed: "publish, return",
            }
            .into());
        }
    };
    state
        .store
        .review_audit(
            f.ctx.user.tenant,
            id,
            review,
            &f.form.note,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done(
        &format!("/audits/{id}"),
        if review == Review::Publish {
            "published"
        } else {
            "returned"
        },
    ))
}

/// The dispute form: a checkbox `item` per failed item and its `reason:{key}`.
pub async fn dispute(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !disputes(&f.ctx) {
        return Err(AppError::Forbidden);
    }
    let items: Vec<(String, String)> = f
        .form
        .iter()
        .filter(|(k, _)| k == "item")
        .map(|(_, key)| {
            let reason = f
                .form
                .iter()
                .find(|(k, _)| k.strip_prefix("reason:") == Some(key.as_str()))
                .map_or(String::new(), |(_, v)| v.clone());
            (key.clone(), reason)
        })
        .collect();
    state
        .store
        .dispute_audit(&f.ctx.scope, id, &items, &f.ctx.actor(), state.clock.now())
        .await?;
    Ok(done(&format!("/audits/{id}"), "disputed"))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    /// The audit to go back to.
    #[serde(default)]
    audit: String,
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    reviewer(&f.ctx)?;
    let decision = DisputeDecision::parse(&f.form.decision)?;
    state
        .store
        .decide_dispute(
            f.ctx.user.tenant,
            id,
            decision,
            &f.form.reason,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    let back = f
        .form
        .audit
        .trim()
        .parse::<i64>()
        .map_or_else(|_| "/audits".to_owned(), |a| format!("/audits/{a}"));
    Ok(done(&back, "decided"))
}

/// Largest report body (API and phone form): ten photos of 1.5 MB in base64, and the rest.
pub const REPORT_LIMIT: usize = 24 * 1024 * 1024;

/// A stored photo, for whoever may read its audit. Private to the reader's browser, and
/// never interpreted as anything but the image it is.
pub async fn photo_response(
    state: &AppState,
    reader: &cumbre_store::decide::AuditReader,
    audit: i64,
    photo: i64,
) -> Result<Response, AppError> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let (content_type, bytes) = state.store.audit_photo(reader, audit, photo).await?;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).map_err(AppError::internal)?,
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(response)
}

/// The page's way to a photo (signed in by cookie).
pub async fn photo(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    photo_response(&state, &audit_reader(&ctx), id, photo).await
}

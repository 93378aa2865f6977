//! Audits: what an auditor reports for an assignment (sent exactly once under its
//! idempotency key), the review that publishes it or returns it, and disputes of its
//! failed items, whose decisions recompute the score while the original stays visible.

use super::programmes::{AssignmentStatus, FormItem};
use crate::audit::record;
use crate::store::{col, json};
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::decide::audit::{Outcome, RawAnswer, Recorded, check, score};
use cumbre_domain::decide::questions::{FreeAnswer, FreeQuestion, check_answers};
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Longest review comment, dispute reason or decision reason.
pub const MAX_REASON: usize = 2_000;

/// A report to store.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub assignment_id: i64,
    pub visited_at: OffsetDateTime,
    /// By item key; items not listed are unanswered.
    pub answers: Vec<(String, RawAnswer)>,
    /// The programme's free questions answered, by key (as text).
    pub questions: Vec<(String, String)>,
    pub idempotency_key: Option<String>,
}

/// Who reads audits, and so which.
#[derive(Debug, Clone)]
pub enum AuditReader {
    /// An auditor: their own reports, whatever their state.
    Auditor { tenant: TenantId, user: UserId },
    /// Administrators and executives review: everything.
    Reviewer(TenantId),
    /// Managers and employees: published audits of the units they see.
    Unit(Scope),
}

impl AuditReader {
    fn tenant(&self) -> TenantId {
        match self {
            AuditReader::Auditor { tenant, .. } | AuditReader::Reviewer(tenant) => *tenant,
            AuditReader::Unit(scope) => scope.tenant(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    Submitted,
    Returned,
    Published,
}

impl AuditStatus {
    pub fn code(self) -> &'static str {
        match self {
            AuditStatus::Submitted => "submitted",
            AuditStatus::Returned => "returned",
            AuditStatus::Published => "published",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim() {
            "submitted" => Ok(AuditStatus::Submitted),
            "returned" => Ok(AuditStatus::Returned),
            "published" => Ok(AuditStatus::Published),
            other => Err(InvalidInput::NotOneOf {
                field: Field::Status,
                value: other.chars().take(40).collect(),
                allowed: "submitted, returned, published",
            }),
        }
    }
}

/// An audit in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditSummary {
    pub id: i64,
    pub assignment_id: i64,
    pub programme_id: i64,
    pub programme_name: String,
    #[schema(value_type = i64)]
    pub unit_id: UnitId,
    pub unit_name: String,
    #[schema(value_type = i64)]
    pub auditor_id: UserId,
    pub auditor_email: String,
    #[serde(with = "time::serde::rfc3339")]
    pub visited_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub status: AuditStatus,
    /// Points counted now (after disputes) out of the points that applied.
    pub earned: u64,
    pub possible: u64,
    /// `earned / possible` in percent; absent when nothing applied.
    pub percent: Option<f64>,
    /// As the auditor's report gave it, before disputes.
    pub original_earned: u64,
    pub critical_failures: u64,
    /// A second visit made to compare auditors.
    pub calibration: bool,
}

/// One item as recorded and as it counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditItem {
    pub position: i64,
    pub touchpoint_id: i64,
    pub key: String,
    pub standard_id: i64,
    pub standard_version: i64,
    pub name: String,
    /// Observed, or measured against a time limit.
    #[schema(value_type = Object)]
    pub check: cumbre_domain::decide::standard::Check,
    pub weight: u32,
    pub critical: bool,
    pub outcome: Outcome,
    pub measured: Option<u32>,
    pub note: String,
    /// What counts after disputes.
    pub counted: Outcome,
    /// The corrective action (a recovery case) a failed critical item opened.
    pub case_id: Option<i64>,
    /// Its photos, by id (`GET /api/v1/audits/{id}/photos/{photo}`).
    pub photos: Vec<i64>,
}

/// A free question of the programme with what the audit answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnsweredQuestion {
    #[serde(flatten)]
    pub question: FreeQuestion,
    pub answer: Option<FreeAnswer>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dispute {
    pub id: i64,
    pub key: String,
    pub reason: String,
    pub raised_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub raised_at: OffsetDateTime,
    /// Absent while open.
    pub decision: Option<DisputeDecision>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub decided_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeDecision {
    /// The failure stands.
    Upheld,
    /// The failure is withdrawn: the item counts as passed.
    Overturned,
}

impl DisputeDecision {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim() {
            "upheld" => Ok(DisputeDecision::Upheld),
            "overturned" => Ok(DisputeDecision::Overturned),
            other => Err(InvalidInput::NotOneOf {
                field: Field::Decision,
                value: other.chars().take(40).collect(),
                allowed: "upheld, overturned",
            }),
        }
    }

    fn code(self) -> &'static str {
        match self {
            DisputeDecision::Upheld => "upheld",
            DisputeDecision::Overturned => "overturned",
        }
    }
}

/// An audit with everything it holds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditDetail {
    #[serde(flatten)]
    pub summary: AuditSummary,
    pub items: Vec<AuditItem>,
    /// The programme's free questions, answered or not.
    pub questions: Vec<AnsweredQuestion>,
    pub disputes: Vec<Dispute>,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub published_at: Option<OffsetDateTime>,
    /// Until when the unit's manager may dispute items (published audits).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub disputable_until: Option<OffsetDateTime>,
}

/// A dispute waiting for a reviewer's decision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenDispute {
    pub id: i64,
    pub audit_id: i64,
    pub unit_name: String,
    /// The disputed item's standard, by name.
    pub item: String,
    pub reason: String,
    pub raised_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub raised_at: OffsetDateTime,
}

/// Which audits a list holds.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub unit: Option<UnitId>,
    pub programme: Option<i64>,
    pub status: Option<AuditStatus>,
    /// Visits at or after / before these instants.
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
}

/// What a reviewer decides about a submitted audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Publish,
    /// Back to the auditor, with the comment saying what to fix.
    Return,
}

const SUMMARY_COLUMNS: &str = "au.id, au.assignment_id, au.programme_id, p.name AS programme_name, \
    au.unit_id, u.name AS unit_name, u.path AS unit_path, au.auditor_id, s.email AS auditor_email, \
    au.visited_at, au.submitted_at, au.status, au.earned, au.possible, au.original_earned, \
    au.critical_failures, a.calibrates, au.review_note, au.reviewed_by, au.published_at, \
    p.dispute_days, a.questions, au.answers \
    FROM audits au JOIN audit_assignments a ON a.id = au.assignment_id \
    JOIN audit_programmes p ON p.id = au.programme_id JOIN units u ON u.id = au.unit_id \
    JOIN users s ON s.id = au.auditor_id";

impl Store {
    /// Stores `auditor`'s report for their assignment, or — when its idempotency key was
    /// seen — nothing, answering the first report's id (`true`: replayed). Every item is
    /// checked against the form; all problems come back at once. A returned report is
    /// replaced by the new one.
    pub async fn submit_audit(
        &self,
        tenant: TenantId,
        auditor: UserId,
        new: NewAudit,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(i64, bool), StoreError> {
        if let Some(id) = self
            .audit_by_key(tenant, auditor, &new.idempotency_key)
            .await?
        {
            return Ok((id, true));
        }
        let (assignment, form) = self.assignment(tenant, new.assignment_id, now).await?;
        if assignment.auditor_id != auditor {
            return Err(StoreError::NotFound);
        }
        if !assignment.status.awaits_auditor() {
            // The same report sent twice at once may have been stored since the key was
            // looked up: that is a replay, not a second report.
            if let Some(id) = self
                .audit_by_key(tenant, auditor, &new.idempotency_key)
                .await?
            {
                return Ok((id, true));
            }
            return Err(InvalidInput::AssignmentClosed {
                status: assignment.status.code(),
            }
            .into());
        }
        if new.visited_at > now {
            return Err(InvalidInput::FutureDate {
                field: Field::VisitDate,
                value: new.visited_at.date().to_string(),
            }
            .into());
        }
        if new.visited_at < assignment.due_from {
            return Err(InvalidInput::BeforeWindow {
                opens: assignment.period.clone(),
            }
            .into());
        }
        let recorded = checked_answers(&form, &new.answers);
        let questions = check_answers(&assignment.questions, &new.questions);
        let (recorded, questions) = match (recorded, questions) {
            (Ok(r), Ok(q)) => (r, q),
            (r, q) => {
                let mut all = match r {
                    Err(StoreError::InvalidItems(list)) => list,
                    Err(other) => return Err(other),
                    Ok(_) => Vec::new(),
                };
                all.extend(
                    q.err()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, e)| (format!("answers.{k}"), e)),
                );
                return Err(StoreError::InvalidItems(all));
            }
        };
        let answers = serde_json::to_string(&questions)
            .map_err(|e| StoreError::Corrupt(format!("answers: {e}")))?;
        let items: Vec<_> = form.iter().map(FormItem::item).collect();
        let s = score(&items, &recorded);
        let mut w = self.begin_quiet_write().await?;
        // Claimed under the write: the status moves from waiting to submitted once, so two
        // sends of the same report with different keys store one.
        let claimed = sqlx::query(
            "UPDATE audit_assignments SET status = 'submitted', updated_at = $2 \
             WHERE id = $1 AND status IN ('open', 'returned')",
        )
        .bind(assignment.id)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            drop(w);
            // The same report sent twice at once: the other send stored it.
            if let Some(id) = self
                .audit_by_key(tenant, auditor, &new.idempotency_key)
                .await?
            {
                return Ok((id, true));
            }
            return Err(InvalidInput::AssignmentClosed {
                status: AssignmentStatus::Submitted.code(),
            }
            .into());
        }
        let earned = i64::try_from(s.earned).unwrap_or(i64::MAX);
        let possible = i64::try_from(s.possible).unwrap_or(i64::MAX);
        let critical = s.critical_failures() as i64;
        let existing: Option<i64> = sqlx::query("SELECT id FROM audits WHERE assignment_id = $1")
            .bind(assignment.id)
            .fetch_optional(&mut *w.tx)
            .await?
            .map(|r| col(&r, "id"))
            .transpose()?;
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE audits SET visited_at = $2, submitted_at = $3, idempotency_key = $4, \
                     status = 'submitted', earned = $5, possible = $6, critical_failures = $7, \
                     original_earned = $5, answers = $8 WHERE id = $1",
                )
                .bind(id)
                .bind(to_millis(new.visited_at))
                .bind(to_millis(now))
                .bind(new.idempotency_key.clone())
                .bind(earned)
                .bind(possible)
                .bind(critical)
                .bind(&answers)
                .execute(&mut *w.tx)
                .await?;
                // The corrected report replaces the returned one; an item's photos stay
                // unless it brings new ones (a phone cannot send back what it sent).
                sqlx::query("DELETE FROM audit_items WHERE audit_id = $1")
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                id
            }
            None => {
                let row = sqlx::query(
                    "INSERT INTO audits (tenant_id, assignment_id, programme_id, unit_id, auditor_id, \
                     visited_at, submitted_at, idempotency_key, status, earned, possible, \
                     critical_failures, original_earned, answers) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', $9, $10, $11, $9, $12) \
                     RETURNING id",
                )
                .bind(tenant.0)
                .bind(assignment.id)
                .bind(assignment.programme_id)
                .bind(assignment.unit_id.0)
                .bind(auditor.0)
                .bind(to_millis(new.visited_at))
                .bind(to_millis(now))
                .bind(new.idempotency_key.clone())
                .bind(earned)
                .bind(possible)
                .bind(critical)
                .bind(&answers)
                .fetch_one(&mut *w.tx)
                .await?;
                col(&row, "id")?
            }
        };
        for (position, (item, r)) in form.iter().zip(&recorded).enumerate() {
            sqlx::query(
                "INSERT INTO audit_items (audit_id, position, touchpoint_id, item_key, standard_id, \
                 standard_version, outcome, measured, note, counted) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7)",
            )
            .bind(id)
            .bind(position as i64)
            .bind(item.touchpoint_id)
            .bind(&item.key)
            .bind(item.standard_id)
            .bind(item.version)
            .bind(outcome_code(r.outcome))
            .bind(r.measured.map(i64::from))
            .bind(&r.note)
            .execute(&mut *w.tx)
            .await?;
            if !r.photos.is_empty() {
                sqlx::query("DELETE FROM audit_photos WHERE audit_id = $1 AND position = $2")
                    .bind(id)
                    .bind(position as i64)
                    .execute(&mut *w.tx)
                    .await?;
            }
            for (seq, photo) in r.photos.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO audit_photos (tenant_id, audit_id, position, seq, content_type, \
                     bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(tenant.0)
                .bind(id)
                .bind(position as i64)
                .bind(seq as i64)
                .bind(photo.content_type)
                .bind(photo.bytes.clone())
                .bind(to_millis(now))
                .execute(&mut *w.tx)
                .await?;
            }
        }
        record(
            &mut w.tx,
            tenant,
            actor,
            "audit.submit",
            "audit",
            &id.to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok((id, false))
    }

    async fn audit_by_key(
        &self,
        tenant: TenantId,
        auditor: UserId,
        key: &Option<String>,
    ) -> Result<Option<i64>, StoreError> {
        let Some(key) = key else { return Ok(None) };
        let row = sqlx::query(
            "SELECT id, auditor_id FROM audits WHERE tenant_id = $1 AND idempotency_key = $2",
        )
        .bind(tenant.0)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        match row {
            // Another auditor's key is no way into their report.
            Some(r) if col::<i64>(&r, "auditor_id")? != auditor.0 => Err(InvalidInput::Duplicate {
                field: Field::Key,
                value: "Idempotency-Key".into(),
            }
            .into()),
            Some(r) => Ok(Some(col(&r, "id")?)),
            None => Ok(None),
        }
    }

    /// Publishes a submitted audit or returns it to its auditor with a comment (which a
    /// return requires). Reviewers only (the caller checks the role).
    pub async fn review_audit(
        &self,
        tenant: TenantId,
        id: i64,
        review: Review,
        note: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let note = cumbre_domain::input::optional_text(note, Field::Note, MAX_REASON)?;
        if review == Review::Return && note.is_none() {
            return Err(InvalidInput::Required(Field::Note).into());
        }
        let (status, published) = match review {
            Review::Publish => ("published", Some(to_millis(now))),
            Review::Return => ("returned", None),
        };
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(
            "UPDATE audits SET status = $3, review_note = $4, reviewed_by = $5, reviewed_at = $6, \
             published_at = $7 WHERE id = $1 AND tenant_id = $2 AND status = 'submitted' \
             RETURNING assignment_id",
        )
        .bind(id)
        .bind(tenant.0)
        .bind(status)
        .bind(note)
        .bind(actor)
        .bind(to_millis(now))
        .bind(published)
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(row) = row else {
            let exists = sqlx::query("SELECT status FROM audits WHERE id = $1 AND tenant_id = $2")
                .bind(id)
                .bind(tenant.0)
                .fetch_optional(&mut *w.tx)
                .await?;
            return Err(match exists {
                Some(_) => InvalidInput::AlreadyDecided.into(),
                None => StoreError::NotFound,
            });
        };
        sqlx::query("UPDATE audit_assignments SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(col::<i64>(&row, "assignment_id")?)
            .bind(status)
            .bind(to_millis(now))
            .execute(&mut *w.tx)
            .await?;
        if review == Review::Publish {
            self.open_corrective_actions(&mut w.tx, tenant, id, now)
                .await?;
        }
        record(
            &mut w.tx,
            tenant,
            actor,
            if review == Review::Publish {
                "audit.publish"
            } else {
                "audit.return"
            },
            "audit",
            &id.to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Opens a recovery case for each failed critical item of a published audit, in the
    /// publication's transaction: the corrective action has an owner (who answers for the
    /// unit), deadlines from the service levels, escalation and notification, as any case.
    async fn open_corrective_actions(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        tenant: TenantId,
        audit: i64,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let row = sqlx::query(
            "SELECT au.unit_id, au.visited_at, a.form FROM audits au \
             JOIN audit_assignments a ON a.id = au.assignment_id WHERE au.id = $1",
        )
        .bind(audit)
        .fetch_one(&mut **tx)
        .await?;
        let form: Vec<FormItem> =
            crate::store::json(&col::<String>(&row, "form")?, "assignment form")?;
        let unit = self
            .get_unit(&Scope::Tenant(tenant), UnitId(col(&row, "unit_id")?))
            .await?;
        let failed = sqlx::query(
            "SELECT position, item_key, touchpoint_id, note FROM audit_items \
             WHERE audit_id = $1 AND counted = 'fail' AND case_id IS NULL ORDER BY position",
        )
        .bind(audit)
        .fetch_all(&mut **tx)
        .await?;
        for f in &failed {
            let key: String = col(f, "item_key")?;
            let Some(item) = form.iter().find(|i| i.key == key && i.standard.critical) else {
                continue;
            };
            let title: String = format!("Huésped misterioso: {}", item.standard.name)
                .chars()
                .take(200)
                .collect();
            let note: String = col(f, "note")?;
            let case = self
                .insert_case(
                    tx,
                    &crate::recover::actions::CaseOpening {
                        tenant,
                        unit: &unit,
                        touchpoint_id: Some(col(f, "touchpoint_id")?),
                        title: &title,
                        priority: cumbre_domain::recover::Priority::High,
                        customer_name: "",
                        customer_email: "",
                        customer_phone: "",
                        note: Some(note.as_str()).filter(|n| !n.is_empty()),
                        created_by: &format!("audit {audit}"),
                        actor: None,
                    },
                    now,
                )
                .await?;
            sqlx::query(
                "UPDATE audit_items SET case_id = $3 WHERE audit_id = $1 AND position = $2",
            )
            .bind(audit)
            .bind(col::<i64>(f, "position")?)
            .bind(case)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// The audits `reader` may see, newest visit first.
    pub async fn list_audits(
        &self,
        reader: &AuditReader,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditSummary>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} WHERE au.tenant_id = $1 ORDER BY au.visited_at DESC, au.id DESC"
        ))
        .bind(reader.tenant().0)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let summary = summary_from_row(r)?;
            if !visible(reader, r, &summary)? {
                continue;
            }
            if filter.unit.is_some_and(|u| u != summary.unit_id)
                || filter.programme.is_some_and(|p| p != summary.programme_id)
                || filter.status.is_some_and(|s| s != summary.status)
                || filter.from.is_some_and(|f| summary.visited_at < f)
                || filter.to.is_some_and(|t| summary.visited_at >= t)
            {
                continue;
            }
            out.push(summary);
        }
        Ok(out)
    }

    /// One audit with its items and disputes, or `NotFound` outside what `reader` sees.
    /// One photo of an audit `reader` may read: (content type, bytes).
    pub async fn audit_photo(
        &self,
        reader: &AuditReader,
        audit: i64,
        photo: i64,
    ) -> Result<(String, Vec<u8>), StoreError> {
        self.get_audit(reader, audit).await?;
        let row = sqlx::query(
            "SELECT content_type, bytes FROM audit_photos WHERE id = $1 AND audit_id = $2",
        )
        .bind(photo)
        .bind(audit)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((col(&row, "content_type")?, col(&row, "bytes")?))
    }

    pub async fn get_audit(
        &self,
        reader: &AuditReader,
        id: i64,
    ) -> Result<AuditDetail, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} WHERE au.tenant_id = $1 AND au.id = $2"
        ))
        .bind(reader.tenant().0)
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let summary = summary_from_row(&row)?;
        if !visible(reader, &row, &summary)? {
            return Err(StoreError::NotFound);
        }
        let form = form_of(self.pool(), id).await?;
        let mut photos: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in sqlx::query(
            "SELECT id, position FROM audit_photos WHERE audit_id = $1 ORDER BY position, seq",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        {
            photos
                .entry(col(&r, "position")?)
                .or_default()
                .push(col(&r, "id")?);
        }
        let items = sqlx::query(
            "SELECT position, touchpoint_id, item_key, standard_id, standard_version, outcome, \
             measured, note, counted, case_id FROM audit_items WHERE audit_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let key: String = col(r, "item_key")?;
            let standard = form
                .iter()
                .find(|f| f.key == key)
                .map(|f| f.standard.clone())
                .ok_or_else(|| StoreError::Corrupt(format!("audit {id} item {key}")))?;
            let position: i64 = col(r, "position")?;
            Ok(AuditItem {
                photos: photos.remove(&position).unwrap_or_default(),
                position,
                touchpoint_id: col(r, "touchpoint_id")?,
                standard_id: col(r, "standard_id")?,
                standard_version: col(r, "standard_version")?,
                name: standard.name.clone(),
                check: standard.check,
                weight: standard.weight.points(),
                critical: standard.critical,
                outcome: outcome_of(&col::<String>(r, "outcome")?)?,
                measured: col::<Option<i64>>(r, "measured")?.and_then(|m| u32::try_from(m).ok()),
                note: col(r, "note")?,
                counted: outcome_of(&col::<String>(r, "counted")?)?,
                case_id: col(r, "case_id")?,
                key,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let disputes = sqlx::query(
            "SELECT d.id, i.item_key, d.reason, d.raised_by, d.raised_at, d.decision, \
             d.decision_reason, d.decided_by, d.decided_at FROM audit_disputes d \
             JOIN audit_items i ON i.audit_id = d.audit_id AND i.position = d.position \
             WHERE d.audit_id = $1 ORDER BY d.position",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Dispute {
                id: col(r, "id")?,
                key: col(r, "item_key")?,
                reason: col(r, "reason")?,
                raised_by: col(r, "raised_by")?,
                raised_at: from_millis(col(r, "raised_at")?),
                decision: col::<Option<String>>(r, "decision")?
                    .map(|d| DisputeDecision::parse(&d))
                    .transpose()
                    .map_err(|_| StoreError::Corrupt("dispute decision".into()))?,
                decision_reason: col(r, "decision_reason")?,
                decided_by: col(r, "decided_by")?,
                decided_at: col::<Option<i64>>(r, "decided_at")?.map(from_millis),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let published_at = col::<Option<i64>>(&row, "published_at")?.map(from_millis);
        let days: i64 = col(&row, "dispute_days")?;
        let asked: Vec<FreeQuestion> = json(&col::<String>(&row, "questions")?, "questions")?;
        let mut answered: std::collections::BTreeMap<String, FreeAnswer> =
            json(&col::<String>(&row, "answers")?, "answers")?;
        Ok(AuditDetail {
            summary,
            items,
            questions: asked
                .into_iter()
                .map(|q| AnsweredQuestion {
                    answer: answered.remove(&q.key),
                    question: q,
                })
                .collect(),
            disputes,
            review_note: col(&row, "review_note")?,
            reviewed_by: col(&row, "reviewed_by")?,
            disputable_until: published_at.map(|p| p + time::Duration::days(days)),
            published_at,
        })
    }

    /// The disputes waiting for a decision, oldest first (reviewers).
    pub async fn open_disputes(&self, tenant: TenantId) -> Result<Vec<OpenDispute>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.id, d.audit_id, u.name AS unit_name, i.item_key, d.reason, d.raised_by, \
             d.raised_at, a.form FROM audit_disputes d JOIN audits au ON au.id = d.audit_id \
             JOIN audit_items i ON i.audit_id = d.audit_id AND i.position = d.position \
             JOIN audit_assignments a ON a.id = au.assignment_id JOIN units u ON u.id = au.unit_id \
             WHERE d.tenant_id = $1 AND d.decision IS NULL ORDER BY d.raised_at, d.id",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let key: String = col(r, "item_key")?;
                let form: Vec<FormItem> =
                    crate::store::json(&col::<String>(r, "form")?, "assignment form")?;
                Ok(OpenDispute {
                    id: col(r, "id")?,
                    audit_id: col(r, "audit_id")?,
                    unit_name: col(r, "unit_name")?,
                    item: form
                        .iter()
                        .find(|f| f.key == key)
                        .map_or(key.clone(), |f| f.standard.name.clone()),
                    reason: col(r, "reason")?,
                    raised_by: col(r, "raised_by")?,
                    raised_at: from_millis(col(r, "raised_at")?),
                })
            })
            .collect()
    }

    /// The audited unit's manager disputes failed items of a published audit, each with
    /// a reason, within the programme's days. Each item may be disputed once.
    pub async fn dispute_audit(
        &self,
        scope: &Scope,
        id: i64,
        items: &[(String, String)],
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<i64>, StoreError> {
        let detail = self
            .get_audit(&AuditReader::Unit(scope.clone()), id)
            .await?;
        if detail.summary.status != AuditStatus::Published {
            return Err(StoreError::NotFound);
        }
        if detail.disputable_until.is_some_and(|until| now > until) {
            let days = detail
                .disputable_until
                .zip(detail.published_at)
                .map_or(0, |(u, p)| (u - p).whole_days());
            return Err(InvalidInput::DisputeWindowClosed {
                days: u32::try_from(days).unwrap_or(0),
            }
            .into());
        }
        if items.is_empty() {
            return Err(InvalidInput::Required(Field::Outcome).into());
        }
        let mut planned = Vec::new();
        for (key, reason) in items {
            let reason = cumbre_domain::input::required_text(reason, Field::Reason, MAX_REASON)?;
            let item = detail
                .items
                .iter()
                .find(|i| &i.key == key)
                .filter(|i| i.outcome == Outcome::Fail)
                .filter(|_| !detail.disputes.iter().any(|d| &d.key == key))
                .ok_or_else(|| InvalidInput::NotDisputable {
                    item: key.chars().take(80).collect(),
                })?;
            if planned.iter().any(|(p, _)| *p == item.position) {
                return Err(InvalidInput::Duplicate {
                    field: Field::Key,
                    value: key.clone(),
                }
                .into());
            }
            planned.push((item.position, reason));
        }
        let mut w = self.begin_quiet_write().await?;
        let mut ids = Vec::new();
        for (position, reason) in planned {
            let row = sqlx::query(
                "INSERT INTO audit_disputes (tenant_id, audit_id, position, reason, raised_by, \
                 raised_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(scope.tenant().0)
            .bind(id)
            .bind(position)
            .bind(&reason)
            .bind(actor)
            .bind(to_millis(now))
            .fetch_one(&mut *w.tx)
            .await
            .map_err(|e| {
                StoreError::unique_or(
                    e,
                    InvalidInput::NotDisputable {
                        item: position.to_string(),
                    },
                )
            })?;
            ids.push(col(&row, "id")?);
        }
        record(
            &mut w.tx,
            scope.tenant(),
            actor,
            "audit.dispute",
            "audit",
            &id.to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(ids)
    }

    /// A reviewer upholds or overturns a dispute, with a reason; an overturned failure
    /// counts as passed and the audit's score is recomputed from what counts now.
    pub async fn decide_dispute(
        &self,
        tenant: TenantId,
        dispute: i64,
        decision: DisputeDecision,
        reason: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let reason = cumbre_domain::input::required_text(reason, Field::Reason, MAX_REASON)?;
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(
            "UPDATE audit_disputes SET decision = $3, decision_reason = $4, decided_by = $5, \
             decided_at = $6 WHERE id = $1 AND tenant_id = $2 AND decision IS NULL \
             RETURNING audit_id, position",
        )
        .bind(dispute)
        .bind(tenant.0)
        .bind(decision.code())
        .bind(&reason)
        .bind(actor)
        .bind(to_millis(now))
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(row) = row else {
            let exists =
                sqlx::query("SELECT id FROM audit_disputes WHERE id = $1 AND tenant_id = $2")
                    .bind(dispute)
                    .bind(tenant.0)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            return Err(match exists {
                Some(_) => InvalidInput::AlreadyDecided.into(),
                None => StoreError::NotFound,
            });
        };
        let audit: i64 = col(&row, "audit_id")?;
        if decision == DisputeDecision::Overturned {
            sqlx::query(
                "UPDATE audit_items SET counted = 'pass' WHERE audit_id = $1 AND position = $2",
            )
            .bind(audit)
            .bind(col::<i64>(&row, "position")?)
            .execute(&mut *w.tx)
            .await?;
        }
        // The score from what counts now, on the form the audit used.
        let form = form_of(&mut *w.tx, audit).await?;
        let counted = sqlx::query(
            "SELECT counted, measured, note FROM audit_items WHERE audit_id = $1 ORDER BY position",
        )
        .bind(audit)
        .fetch_all(&mut *w.tx)
        .await?
        .iter()
        .map(|r| {
            Ok(Recorded {
                outcome: outcome_of(&col::<String>(r, "counted")?)?,
                measured: col::<Option<i64>>(r, "measured")?.and_then(|m| u32::try_from(m).ok()),
                note: col(r, "note")?,
                photos: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let items: Vec<_> = form.iter().map(FormItem::item).collect();
        let s = score(&items, &counted);
        sqlx::query(
            "UPDATE audits SET earned = $2, possible = $3, critical_failures = $4 WHERE id = $1",
        )
        .bind(audit)
        .bind(i64::try_from(s.earned).unwrap_or(i64::MAX))
        .bind(i64::try_from(s.possible).unwrap_or(i64::MAX))
        .bind(s.critical_failures() as i64)
        .execute(&mut *w.tx)
        .await?;
        record(
            &mut w.tx,
            tenant,
            actor,
            "audit.dispute_decided",
            "audit",
            &format!("{audit}: {}", decision.code()),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

/// The form an audit was made on (its assignment's, versions pinned).
async fn form_of<'e, E>(e: E, audit: i64) -> Result<Vec<FormItem>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = sqlx::query(
        "SELECT a.form FROM audit_assignments a JOIN audits au ON au.assignment_id = a.id \
         WHERE au.id = $1",
    )
    .bind(audit)
    .fetch_one(e)
    .await?;
    crate::store::json(&col::<String>(&r, "form")?, "assignment form")
}

/// The answers in form order, checked; every problem keyed by item.
fn checked_answers(
    form: &[FormItem],
    answers: &[(String, RawAnswer)],
) -> Result<Vec<Recorded>, StoreError> {
    let mut errors = Vec::new();
    for (key, _) in answers {
        if !form.iter().any(|f| &f.key == key) {
            errors.push((
                key.chars().take(40).collect(),
                InvalidInput::UnknownReference {
                    field: Field::Key,
                    value: key.chars().take(40).collect(),
                },
            ));
        }
    }
    if answers.len() > form.len() && errors.is_empty() {
        errors.push((
            String::new(),
            InvalidInput::TooMany {
                field: Field::Outcome,
                max: form.len(),
            },
        ));
    }
    if !errors.is_empty() {
        return Err(StoreError::InvalidItems(errors));
    }
    let ordered: Vec<RawAnswer> = form
        .iter()
        .map(|f| {
            answers
                .iter()
                .find(|(k, _)| *k == f.key)
                .map(|(_, a)| a.clone())
                .unwrap_or_default()
        })
        .collect();
    let items: Vec<_> = form.iter().map(FormItem::item).collect();
    check(&items, &ordered).map_err(StoreError::InvalidItems)
}

/// Whether `reader` sees the audit on `row`.
fn visible(
    reader: &AuditReader,
    row: &sqlx::any::AnyRow,
    s: &AuditSummary,
) -> Result<bool, StoreError> {
    Ok(match reader {
        AuditReader::Auditor { user, .. } => s.auditor_id == *user,
        AuditReader::Reviewer(_) => true,
        AuditReader::Unit(scope) => {
            let path = cumbre_domain::org::UnitPath::from_stored(&col::<String>(row, "unit_path")?)
                .ok_or_else(|| StoreError::Corrupt("unit path".into()))?;
            s.status == AuditStatus::Published
                && !s.calibration
                && scope.sees_unit(scope.tenant(), s.unit_id, &path)
        }
    })
}

fn summary_from_row(r: &sqlx::any::AnyRow) -> Result<AuditSummary, StoreError> {
    let earned = u64::try_from(col::<i64>(r, "earned")?).unwrap_or(0);
    let possible = u64::try_from(col::<i64>(r, "possible")?).unwrap_or(0);
    Ok(AuditSummary {
        id: col(r, "id")?,
        assignment_id: col(r, "assignment_id")?,
        programme_id: col(r, "programme_id")?,
        programme_name: col(r, "programme_name")?,
        unit_id: UnitId(col(r, "unit_id")?),
        unit_name: col(r, "unit_name")?,
        auditor_id: UserId(col(r, "auditor_id")?),
        auditor_email: col(r, "auditor_email")?,
        visited_at: from_millis(col(r, "visited_at")?),
        submitted_at: from_millis(col(r, "submitted_at")?),
        status: AuditStatus::parse(&col::<String>(r, "status")?)
            .map_err(|_| StoreError::Corrupt("audit status".into()))?,
        earned,
        possible,
        percent: (possible > 0).then(|| earned as f64 * 100.0 / possible as f64),
        original_earned: u64::try_from(col::<i64>(r, "original_earned")?).unwrap_or(0),
        critical_failures: u64::try_from(col::<i64>(r, "critical_failures")?).unwrap_or(0),
        calibration: col::<Option<i64>>(r, "calibrates")?.is_some(),
    })
}

fn outcome_code(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::NotApplicable => "not_applicable",
    }
}

fn outcome_of(raw: &str) -> Result<Outcome, StoreError> {
    Outcome::parse(raw).map_err(|_| StoreError::Corrupt(format!("outcome {raw}")))
}

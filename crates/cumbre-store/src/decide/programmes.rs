//! Mystery-shopper programmes and their assignments: each period, one visit per unit,
//! given in rotation to the programme's auditors, with the audit form generated from the
//! standards of the scenario's moments of truth at the versions then in force.

use crate::audit::record;
use crate::store::{col, json};
use crate::{Store, StoreError};
use cumbre_domain::access::{AdminGrant, Role};
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::decide::programme::{Frequency, ProgrammeDefinition, rotate};
use cumbre_domain::decide::questions::FreeQuestion;
use cumbre_domain::decide::standard::StandardDefinition;
use cumbre_domain::improve::period::{day_key, day_start, from_day_key};
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId, UserId};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;

/// A programme as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Programme {
    pub id: i64,
    pub name: String,
    pub briefing: String,
    pub covert: bool,
    pub frequency: Frequency,
    pub dispute_days: u32,
    pub active: bool,
    #[schema(value_type = Vec<i64>)]
    pub units: Vec<UnitId>,
    /// The scenario, in order.
    pub touchpoints: Vec<i64>,
    #[schema(value_type = Vec<i64>)]
    pub auditors: Vec<UserId>,
    /// Asked besides the standards, not scored.
    pub questions: Vec<FreeQuestion>,
}

/// One item of an assignment's form: a standard at the version in force when the
/// assignment was made, under the moment of truth it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormItem {
    pub touchpoint_id: i64,
    pub key: String,
    pub standard_id: i64,
    pub version: i64,
    #[schema(value_type = Object)]
    pub standard: StandardDefinition,
}

impl FormItem {
    /// As the scoring reads it: sections are moments of truth.
    pub fn item(&self) -> cumbre_domain::decide::audit::Item {
        cumbre_domain::decide::audit::Item {
            key: self.key.clone(),
            section: self.touchpoint_id.to_string(),
            standard: self.standard.clone(),
        }
    }
}

/// Where an assignment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    Open,
    Submitted,
    Returned,
    Published,
    Cancelled,
}

impl AssignmentStatus {
    pub fn code(self) -> &'static str {
        match self {
            AssignmentStatus::Open => "open",
            AssignmentStatus::Submitted => "submitted",
            AssignmentStatus::Returned => "returned",
            AssignmentStatus::Published => "published",
            AssignmentStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Ok(match raw.trim() {
            "open" => AssignmentStatus::Open,
            "submitted" => AssignmentStatus::Submitted,
            "returned" => AssignmentStatus::Returned,
            "published" => AssignmentStatus::Published,
            "cancelled" => AssignmentStatus::Cancelled,
            other => {
                return Err(InvalidInput::NotOneOf {
                    field: Field::Status,
                    value: other.chars().take(40).collect(),
                    allowed: "open, submitted, returned, published, cancelled",
                });
            }
        })
    }

    /// Still waiting for the auditor.
    pub fn awaits_auditor(self) -> bool {
        matches!(self, AssignmentStatus::Open | AssignmentStatus::Returned)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assignment {
    pub id: i64,
    pub programme_id: i64,
    pub programme_name: String,
    #[schema(value_type = i64)]
    pub unit_id: UnitId,
    pub unit_name: String,
    #[schema(value_type = i64)]
    pub auditor_id: UserId,
    pub auditor_email: String,
    /// The period's first day (`2026-11-01`).
    pub period: String,
    #[serde(with = "time::serde::rfc3339")]
    pub due_from: OffsetDateTime,
    /// The visit is due before this instant (the period's end).
    #[serde(with = "time::serde::rfc3339")]
    pub due_until: OffsetDateTime,
    pub status: AssignmentStatus,
    /// Past its window and still waiting for the auditor.
    pub overdue: bool,
    /// The assignment this one visits again to compare two auditors.
    pub calibrates: Option<i64>,
    /// The audit submitted for it, once there is one.
    pub audit_id: Option<i64>,
    pub items: usize,
    /// The programme's free questions as they were when the visit was made.
    pub questions: Vec<FreeQuestion>,
}

/// Which assignments a list holds.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub programme: Option<i64>,
    pub status: Option<AssignmentStatus>,
    /// Only those past their window and still waiting for the auditor.
    pub overdue: bool,
}

const ASSIGNMENT_COLUMNS: &str = "a.id, a.programme_id, p.name AS programme_name, a.unit_id, \
    u.name AS unit_name, a.auditor_id, s.email AS auditor_email, a.period_start, a.due_from, \
    a.due_until, a.status, a.calibrates, a.form, a.questions, au.id AS audit_id \
    FROM audit_assignments a JOIN audit_programmes p ON p.id = a.programme_id \
    JOIN units u ON u.id = a.unit_id JOIN users s ON s.id = a.auditor_id \
    LEFT JOIN audits au ON au.assignment_id = a.id";

impl Store {
    /// Creates a programme (administrators). Its units, moments of truth and auditors must
    /// be the tenant's; auditors must hold the auditor role.
    pub async fn create_programme(
        &self,
        grant: &AdminGrant,
        definition: ProgrammeDefinition,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let d = definition.check()?;
        let tenant = grant.tenant();
        self.check_programme_refs(tenant, &d).await?;
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(
            "INSERT INTO audit_programmes (tenant_id, name, briefing, covert, frequency, \
             dispute_days, active, questions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8) RETURNING id",
        )
        .bind(tenant.0)
        .bind(&d.name)
        .bind(&d.briefing)
        .bind(i64::from(d.covert))
        .bind(d.frequency.code())
        .bind(i64::from(d.dispute_days))
        .bind(questions_json(&d.questions)?)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        for (table, column, ids) in [
            (
                "audit_programme_units",
                "unit_id",
                d.units.iter().map(|u| u.0).collect::<Vec<_>>(),
            ),
            (
                "audit_programme_touchpoints",
                "touchpoint_id",
                d.touchpoints.clone(),
            ),
            (
                "audit_programme_auditors",
                "user_id",
                d.auditors.iter().map(|a| a.0).collect(),
            ),
        ] {
            for (position, x) in ids.iter().enumerate() {
                sqlx::query(&format!(
                    "INSERT INTO {table} (programme_id, {column}, position) VALUES ($1, $2, $3)"
                ))
                .bind(id)
                .bind(*x)
                .bind(position as i64)
                .execute(&mut *w.tx)
                .await?;
            }
        }
        record(
            &mut w.tx,
            tenant,
            actor,
            "programme.create",
            "programme",
            &id.to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    async fn check_programme_refs(
        &self,
        tenant: TenantId,
        d: &ProgrammeDefinition,
    ) -> Result<(), StoreError> {
        let scope = cumbre_domain::access::Scope::Tenant(tenant);
        for u in &d.units {
            self.get_unit(&scope, *u).await.map_err(|e| match e {
                StoreError::NotFound => InvalidInput::UnknownReference {
                    field: Field::Unit,
                    value: u.0.to_string(),
                }
                .into(),
                other => other,
            })?;
        }
        let touchpoints = self.list_touchpoints(tenant).await?;
        for t in &d.touchpoints {
            if !touchpoints.iter().any(|x| x.id == *t) {
                return Err(InvalidInput::UnknownReference {
                    field: Field::Touchpoint,
                    value: t.to_string(),
                }
                .into());
            }
        }
        for a in &d.auditors {
            let row = sqlx::query(
                "SELECT role FROM users WHERE id = $1 AND tenant_id = $2 AND active = 1",
            )
            .bind(a.0)
            .bind(tenant.0)
            .fetch_optional(self.pool())
            .await?;
            let is_auditor = match row {
                Some(r) => Role::parse(&col::<String>(&r, "role")?).ok() == Some(Role::Auditor),
                None => false,
            };
            if !is_auditor {
                return Err(InvalidInput::UnknownReference {
                    field: Field::Auditor,
                    value: a.0.to_string(),
                }
                .into());
            }
        }
        Ok(())
    }

    /// The tenant's programmes, newest first.
    pub async fn list_programmes(&self, tenant: TenantId) -> Result<Vec<Programme>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, briefing, covert, frequency, dispute_days, active, questions \
             FROM audit_programmes WHERE tenant_id = $1 ORDER BY id DESC",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let ids = |table: &'static str, column: &'static str| async move {
                sqlx::query(&format!(
                    "SELECT {column} AS x FROM {table} WHERE programme_id = $1 ORDER BY position"
                ))
                .bind(id)
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| col::<i64>(r, "x"))
                .collect::<Result<Vec<i64>, StoreError>>()
            };
            out.push(Programme {
                id,
                name: col(r, "name")?,
                briefing: col(r, "briefing")?,
                covert: col::<i64>(r, "covert")? != 0,
                frequency: Frequency::parse(&col::<String>(r, "frequency")?)
                    .map_err(|_| StoreError::Corrupt("programme frequency".into()))?,
                dispute_days: u32::try_from(col::<i64>(r, "dispute_days")?).unwrap_or(0),
                active: col::<i64>(r, "active")? != 0,
                units: ids("audit_programme_units", "unit_id")
                    .await?
                    .into_iter()
                    .map(UnitId)
                    .collect(),
                touchpoints: ids("audit_programme_touchpoints", "touchpoint_id").await?,
                auditors: ids("audit_programme_auditors", "user_id")
                    .await?
                    .into_iter()
                    .map(UserId)
                    .collect(),
                questions: json(&col::<String>(r, "questions")?, "programme questions")?,
            });
        }
        Ok(out)
    }

    pub async fn get_programme(&self, tenant: TenantId, id: i64) -> Result<Programme, StoreError> {
        self.list_programmes(tenant)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Makes the period's assignments of a programme (the period holding local day
    /// `day`): one per unit that has none yet and whose form has items, in rotation.
    /// Repeating it, or two servers doing it at once, makes each visit once. Returns how
    /// many it made.
    pub async fn generate_assignments(
        &self,
        grant: &AdminGrant,
        programme_id: i64,
        day: Date,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let tenant = grant.tenant();
        let p = self.get_programme(tenant, programme_id).await?;
        let zone = self.tenant_clock(tenant).await?.zone;
        let interval = p.frequency.interval();
        let start = interval.start_of(day);
        let end = interval.next(start);
        let (due_from, due_until) = (day_start(&zone, start), day_start(&zone, end));
        let period = day_key(start);
        let mut w = self.begin_quiet_write().await?;
        // Who visited each unit last (the latest earlier period), this period's load per
        // auditor, and the units this period already has (a cancelled visit included: it
        // is not made again, the administrator decided).
        let rows = sqlx::query(
            "SELECT unit_id, auditor_id, period_start, status FROM audit_assignments \
             WHERE programme_id = $1 AND calibrates IS NULL ORDER BY period_start",
        )
        .bind(programme_id)
        .fetch_all(&mut *w.tx)
        .await?;
        let mut last: HashMap<UnitId, UserId> = HashMap::new();
        let mut load: HashMap<UserId, usize> = HashMap::new();
        let mut done: Vec<UnitId> = Vec::new();
        for r in &rows {
            let (unit, auditor, at) = (
                UnitId(col(r, "unit_id")?),
                UserId(col(r, "auditor_id")?),
                col::<i64>(r, "period_start")?,
            );
            let cancelled = col::<String>(r, "status")? == "cancelled";
            if at == period {
                done.push(unit);
                if !cancelled {
                    *load.entry(auditor).or_default() += 1;
                }
            } else if at < period && !cancelled {
                last.insert(unit, auditor);
            }
        }
        let mut forms = Vec::new();
        for u in &p.units {
            if done.contains(u) {
                continue;
            }
            let form = self.form_for(tenant, &p, *u).await?;
            if !form.is_empty() {
                forms.push((*u, form));
            }
        }
        let units: Vec<UnitId> = forms.iter().map(|(u, _)| *u).collect();
        let picks = rotate(&units, &p.auditors, &last, &load);
        let mut made = 0;
        let questions = questions_json(&p.questions)?;
        for ((unit, auditor), (_, form)) in picks.iter().zip(&forms) {
            let text = serde_json::to_string(form)
                .map_err(|e| StoreError::Corrupt(format!("form: {e}")))?;
            let inserted = sqlx::query(
                "INSERT INTO audit_assignments (tenant_id, programme_id, unit_id, auditor_id, \
                 period_start, due_from, due_until, status, form, questions, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $10) ON CONFLICT DO NOTHING",
            )
            .bind(tenant.0)
            .bind(programme_id)
            .bind(unit.0)
            .bind(auditor.0)
            .bind(period)
            .bind(to_millis(due_from))
            .bind(to_millis(due_until))
            .bind(&text)
            .bind(&questions)
            .bind(to_millis(now))
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            made += inserted as usize;
        }
        if made > 0 {
            record(
                &mut w.tx,
                tenant,
                actor,
                "programme.assign",
                "programme",
                &format!("{programme_id}: {made} ({period})"),
                now,
            )
            .await?;
        }
        w.commit().await?;
        Ok(made)
    }

    /// The form of a visit to `unit`: for each moment of truth of the scenario in order,
    /// the standards that apply there (set on the unit or above it), by key.
    async fn form_for(
        &self,
        tenant: TenantId,
        p: &Programme,
        unit: UnitId,
    ) -> Result<Vec<FormItem>, StoreError> {
        let path = self
            .get_unit(&cumbre_domain::access::Scope::Tenant(tenant), unit)
            .await?
            .path;
        let standards = self.list_standards(tenant, None, Some(&path)).await?;
        let mut form = Vec::new();
        for t in &p.touchpoints {
            // Targets are the customers' to meet: not on a shopper's form.
            for s in standards
                .iter()
                .filter(|s| s.touchpoint_id == *t && s.definition.check.audited())
            {
                form.push(FormItem {
                    touchpoint_id: *t,
                    key: s.key.clone(),
                    standard_id: s.id,
                    version: s.version,
                    standard: s.definition.clone(),
                });
            }
        }
        Ok(form)
    }

    /// A second visit of an assignment by another auditor, with the same form, so the
    /// two reports can be compared item by item (calibration).
    pub async fn add_calibration_visit(
        &self,
        grant: &AdminGrant,
        assignment: i64,
        auditor: UserId,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let tenant = grant.tenant();
        let first = self.assignment(tenant, assignment, now).await?;
        if first.0.calibrates.is_some() || first.0.auditor_id == auditor {
            return Err(InvalidInput::Duplicate {
                field: Field::Auditor,
                value: auditor.0.to_string(),
            }
            .into());
        }
        let p = self.get_programme(tenant, first.0.programme_id).await?;
        if !p.auditors.contains(&auditor) {
            return Err(InvalidInput::UnknownReference {
                field: Field::Auditor,
                value: auditor.0.to_string(),
            }
            .into());
        }
        let text = serde_json::to_string(&first.1)
            .map_err(|e| StoreError::Corrupt(format!("form: {e}")))?;
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(
            "INSERT INTO audit_assignments (tenant_id, programme_id, unit_id, auditor_id, \
             period_start, due_from, due_until, status, calibrates, form, questions, created_at, \
             updated_at) SELECT tenant_id, programme_id, unit_id, $2, period_start, due_from, \
             due_until, 'open', id, $3, questions, $4, $4 FROM audit_assignments WHERE id = $1 \
             RETURNING id",
        )
        .bind(assignment)
        .bind(auditor.0)
        .bind(&text)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| {
            StoreError::unique_or(
                e,
                InvalidInput::Duplicate {
                    field: Field::Auditor,
                    value: auditor.0.to_string(),
                },
            )
        })?;
        let id: i64 = col(&row, "id")?;
        record(
            &mut w.tx,
            tenant,
            actor,
            "assignment.calibrate",
            "assignment",
            &id.to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// One assignment of the tenant with its form.
    pub async fn assignment(
        &self,
        tenant: TenantId,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<(Assignment, Vec<FormItem>), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ASSIGNMENT_COLUMNS} WHERE a.tenant_id = $1 AND a.id = $2"
        ))
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        assignment_from_row(&row, now)
    }

    /// Assignments, soonest due first: an auditor's own (`auditor`), or all of the
    /// tenant's (reviewers). `now` decides which are overdue.
    pub async fn list_assignments(
        &self,
        tenant: TenantId,
        auditor: Option<UserId>,
        filter: &AssignmentFilter,
        now: OffsetDateTime,
    ) -> Result<Vec<Assignment>, StoreError> {
        let mut sql = format!("SELECT {ASSIGNMENT_COLUMNS} WHERE a.tenant_id = $1");
        if auditor.is_some() {
            sql.push_str(" AND a.auditor_id = $2");
        }
        sql.push_str(" ORDER BY a.due_until, u.name, a.id");
        let mut q = sqlx::query(&sql).bind(tenant.0);
        if let Some(a) = auditor {
            q = q.bind(a.0);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut out = Vec::new();
        for r in &rows {
            let (a, _) = assignment_from_row(r, now)?;
            if filter.programme.is_some_and(|p| p != a.programme_id)
                || filter.status.is_some_and(|s| s != a.status)
                || (filter.overdue && !a.overdue)
            {
                continue;
            }
            out.push(a);
        }
        Ok(out)
    }

    /// Gives a waiting assignment to another of the programme's auditors, or cancels it.
    pub async fn change_assignment(
        &self,
        grant: &AdminGrant,
        id: i64,
        change: AssignmentChange,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let tenant = grant.tenant();
        let (a, _) = self.assignment(tenant, id, now).await?;
        if !a.status.awaits_auditor() {
            return Err(InvalidInput::AssignmentClosed {
                status: a.status.code(),
            }
            .into());
        }
        let mut w = self.begin_quiet_write().await?;
        let (sql, detail) = match change {
            AssignmentChange::Reassign(to) => {
                let p = self.get_programme(tenant, a.programme_id).await?;
                if !p.auditors.contains(&to) {
                    return Err(InvalidInput::UnknownReference {
                        field: Field::Auditor,
                        value: to.0.to_string(),
                    }
                    .into());
                }
                sqlx::query(
                    "UPDATE audit_assignments SET auditor_id = $2, updated_at = $3 \
                     WHERE id = $1 AND status IN ('open', 'returned')",
                )
                .bind(id)
                .bind(to.0)
                .bind(to_millis(now))
                .execute(&mut *w.tx)
                .await?;
                ("assignment.reassign", format!("{id} → {}", to.0))
            }
            AssignmentChange::Cancel => {
                sqlx::query(
                    "UPDATE audit_assignments SET status = 'cancelled', updated_at = $2 \
                     WHERE id = $1 AND status IN ('open', 'returned')",
                )
                .bind(id)
                .bind(to_millis(now))
                .execute(&mut *w.tx)
                .await?;
                ("assignment.cancel", id.to_string())
            }
        };
        record(&mut w.tx, tenant, actor, sql, "assignment", &detail, now).await?;
        w.commit().await?;
        Ok(())
    }
}

fn questions_json(q: &[FreeQuestion]) -> Result<String, StoreError> {
    serde_json::to_string(q).map_err(|e| StoreError::Corrupt(format!("questions: {e}")))
}

/// What an administrator changes about a waiting assignment.
#[derive(Debug, Clone, Copy)]
pub enum AssignmentChange {
    Reassign(UserId),
    Cancel,
}

fn assignment_from_row(
    r: &sqlx::any::AnyRow,
    now: OffsetDateTime,
) -> Result<(Assignment, Vec<FormItem>), StoreError> {
    let form: Vec<FormItem> = json(&col::<String>(r, "form")?, "assignment form")?;
    let status = AssignmentStatus::parse(&col::<String>(r, "status")?)
        .map_err(|_| StoreError::Corrupt("assignment status".into()))?;
    let due_until = from_millis(col(r, "due_until")?);
    let period = from_day_key(col(r, "period_start")?)
        .map(|d| d.to_string())
        .unwrap_or_default();
    Ok((
        Assignment {
            id: col(r, "id")?,
            programme_id: col(r, "programme_id")?,
            programme_name: col(r, "programme_name")?,
            unit_id: UnitId(col(r, "unit_id")?),
            unit_name: col(r, "unit_name")?,
            auditor_id: UserId(col(r, "auditor_id")?),
            auditor_email: col(r, "auditor_email")?,
            period,
            due_from: from_millis(col(r, "due_from")?),
            due_until,
            status,
            overdue: status.awaits_auditor() && due_until <= now,
            calibrates: col(r, "calibrates")?,
            audit_id: col(r, "audit_id")?,
            items: form.len(),
            questions: json(&col::<String>(r, "questions")?, "assignment questions")?,
        },
        form,
    ))
}

impl Store {
    /// Makes the current period's visits of every active programme not yet planned for
    /// it (the scheduler's pass). Each programme's period is claimed by compare-and-set,
    /// so with several servers one plans it; making the visits is idempotent besides.
    /// Returns how many assignments were made.
    pub async fn plan_due_programmes(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, frequency, planned_period FROM audit_programmes WHERE active = 1",
        )
        .fetch_all(self.pool())
        .await?;
        let mut made = 0;
        for r in &rows {
            let (id, tenant): (i64, TenantId) = (col(r, "id")?, TenantId(col(r, "tenant_id")?));
            let frequency = Frequency::parse(&col::<String>(r, "frequency")?)
                .map_err(|_| StoreError::Corrupt("programme frequency".into()))?;
            let today = self.tenant_clock(tenant).await?.local_date(now);
            let period = day_key(frequency.interval().start_of(today));
            if col::<Option<i64>>(r, "planned_period")?.is_some_and(|p| p >= period) {
                continue;
            }
            let claimed = {
                let mut w = self.begin_quiet_write().await?;
                let n = sqlx::query(
                    "UPDATE audit_programmes SET planned_period = $2 WHERE id = $1 \
                     AND (planned_period IS NULL OR planned_period < $2)",
                )
                .bind(id)
                .bind(period)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
                w.commit().await?;
                n == 1
            };
            if claimed {
                made += self
                    .generate_assignments(
                        &AdminGrant::operator(tenant),
                        id,
                        today,
                        "scheduler",
                        now,
                    )
                    .await?;
            }
        }
        Ok(made)
    }
}

//! Recovery cases: what a scope sees of them, their timeline, and the scheduler pass that
//! escalates an overdue case to the next person up the tree.

use crate::sql::Sql;
use crate::store::col;
use crate::text_search::TextTable;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::org::UnitPath;
use cumbre_domain::recover::{CaseStatus, Priority};
use cumbre_domain::{Lang, TenantId, UnitId, UserId};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    pub status: CaseStatus,
    pub priority: Priority,
    pub title: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub touchpoint_id: Option<i64>,
    pub owner_id: Option<UserId>,
    pub owner_email: Option<String>,
    pub response_id: Option<i64>,
    /// The deadline that escalates next (first contact while new, then resolution).
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub first_contact_due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub resolve_due_at: OffsetDateTime,
    /// Past its first-contact deadline while new, or its resolution deadline while open.
    pub overdue: bool,
    /// How many steps up the responsible chain the case has gone (0: only its owner knows).
    pub escalation_level: i64,
    /// The last person escalation told; they answer for it being done, the owner still works it.
    pub escalated_to: Option<UserId>,
    pub escalated_to_email: Option<String>,
    /// A resolution waits for someone's approval.
    pub awaiting_approval: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseEvent {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<UserId>,
    pub actor_email: Option<String>,
    pub kind: String,
    pub detail: Value,
}

impl CaseSummary {
    /// The deadline the case is held to now: first contact while new, then resolution.
    /// (`due_at` is when escalation next acts, which moves on with each reminder.)
    pub fn deadline(&self) -> OffsetDateTime {
        if self.status == CaseStatus::New {
            self.first_contact_due_at
        } else {
            self.resolve_due_at
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub language: String,
    /// What was done, once resolved (kept when it is closed or reopened).
    pub resolution: Option<CaseResolution>,
    pub timeline: Vec<CaseEvent>,
}

/// How a case was resolved, as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseResolution {
    pub action_taken: String,
    pub root_cause: Option<String>,
    pub compensation_type: String,
    pub compensation_cents: i64,
    pub lessons: String,
    #[serde(with = "time::serde::rfc3339")]
    pub resolved_at: OffsetDateTime,
}

/// Which of the scope's cases a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseShow {
    #[default]
    All,
    /// Owned by this person.
    OwnedBy(UserId),
    /// Escalated to this person (who is not its owner).
    EscalatedTo(UserId),
    /// Escalated at least once.
    Escalated,
    /// A resolution waits for approval.
    AwaitingApproval,
}

impl CaseShow {
    /// The list a `show` value names for the viewer `me`: `mine`, `escalated_to_me`,
    /// `escalated`, `approval`, or all (empty or `all`).
    pub fn parse(raw: &str, me: UserId) -> Result<Self, cumbre_domain::InvalidInput> {
        Ok(match raw.trim() {
            "" | "all" => CaseShow::All,
            "mine" => CaseShow::OwnedBy(me),
            "escalated_to_me" => CaseShow::EscalatedTo(me),
            "escalated" => CaseShow::Escalated,
            "approval" => CaseShow::AwaitingApproval,
            other => {
                return Err(cumbre_domain::InvalidInput::NotOneOf {
                    field: cumbre_domain::Field::Record,
                    value: other.chars().take(40).collect(),
                    allowed: "mine, escalated_to_me, escalated, approval",
                });
            }
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    /// This unit and everything under it.
    pub unit: Option<UnitId>,
    pub overdue: bool,
    pub show: CaseShow,
    /// Words that must all appear (accents and case ignored) in the case's title, the
    /// customer's comment, what was done or the lessons learned.
    pub text: Option<cumbre_domain::text::Search>,
    /// Newest first instead of most urgent first.
    pub newest_first: bool,
    pub limit: i64,
    pub offset: i64,
}

/// One page of cases and how many match in all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    pub total: i64,
}

/// A pending approval for the case (`c`): listed as `awaiting`, and a filter.
macro_rules! awaiting {
    () => {
        "EXISTS (SELECT 1 FROM approvals a WHERE a.case_id = c.id AND a.status = 'pending')"
    };
}
const AWAITING: &str = awaiting!();

const SELECT: &str = concat!(
    "SELECT c.id, c.status, c.priority, c.title, c.unit_id, u.name AS unit_name, c.touchpoint_id, c.owner_id, \
    o.email AS owner_email, c.response_id, c.due_at, c.first_contact_due_at, c.resolve_due_at, c.escalation_level, \
    c.escalated_to, x.email AS escalated_to_email, c.created_at, c.customer_name, c.customer_email, c.customer_phone, c.language, \
    CASE WHEN ",
    awaiting!(),
    " THEN 1 ELSE 0 END AS awaiting \
    FROM cases c JOIN units u ON u.id = c.unit_id LEFT JOIN users o ON o.id = c.owner_id LEFT JOIN users x ON x.id = c.escalated_to"
);
const COUNT: &str = "SELECT COUNT(*) AS n FROM cases c JOIN units u ON u.id = c.unit_id";

fn overdue_at(
    status: CaseStatus,
    first: OffsetDateTime,
    resolve: OffsetDateTime,
    now: OffsetDateTime,
) -> bool {
    match status {
        CaseStatus::New => first <= now || resolve <= now,
        CaseStatus::Contacted => resolve <= now,
        CaseStatus::Resolved | CaseStatus::Closed => false,
    }
}

fn summary_from_row(r: &sqlx::any::AnyRow, now: OffsetDateTime) -> Result<CaseSummary, StoreError> {
    let status = CaseStatus::parse(&col::<String>(r, "status")?)
        .map_err(|_| StoreError::Corrupt("case status".into()))?;
    let first = from_millis(col(r, "first_contact_due_at")?);
    let resolve = from_millis(col(r, "resolve_due_at")?);
    Ok(CaseSummary {
        id: col(r, "id")?,
        status,
        priority: Priority::parse(&col::<String>(r, "priority")?)
            .map_err(|_| StoreError::Corrupt("case priority".into()))?,
        title: col(r, "title")?,
        unit_id: UnitId(col(r, "unit_id")?),
        unit_name: col(r, "unit_name")?,
        touchpoint_id: col(r, "touchpoint_id")?,
        owner_id: col::<Option<i64>>(r, "owner_id")?.map(UserId),
        owner_email: col(r, "owner_email")?,
        response_id: col(r, "response_id")?,
        due_at: from_millis(col(r, "due_at")?),
        first_contact_due_at: first,
        resolve_due_at: resolve,
        overdue: overdue_at(status, first, resolve, now),
        escalation_level: col(r, "escalation_level")?,
        escalated_to: col::<Option<i64>>(r, "escalated_to")?.map(UserId),
        escalated_to_email: col(r, "escalated_to_email")?,
        awaiting_approval: col::<i64>(r, "awaiting")? != 0,
        created_at: from_millis(col(r, "created_at")?),
    })
}

/// Cases of the scope's units: a manager's subtree (which holds the cases escalated to
/// them), the whole tenant for administrators and executives, none for others. Needs the
/// case as `c` and its unit as `u` (promises and metrics join them the same way).
pub(crate) fn push_case_scope(sql: &mut Sql, scope: &Scope) {
    sql.push(" AND c.tenant_id = ").int(scope.tenant().0);
    match scope {
        Scope::Tenant(_) => {}
        Scope::Subtree { path, .. } => {
            sql.push(" AND u.path LIKE ").text(path.subtree_pattern());
        }
        Scope::Own { .. } => {
            sql.push(" AND 1 = 0");
        }
    }
}

/// Appends to a case's timeline; entries are never changed or removed.
pub(crate) async fn append_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    case_id: i64,
    actor: Option<UserId>,
    kind: &str,
    detail: &Value,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_events (case_id, tenant_id, at, actor_id, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(case_id)
    .bind(tenant.0)
    .bind(to_millis(now))
    .bind(actor.map(|a| a.0))
    .bind(kind)
    .bind(detail.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// A page of the cases the scope sees, overdue first, then open ones by the deadline
    /// escalation acts on (or newest first), with how many match in all.
    pub async fn list_cases(
        &self,
        scope: &Scope,
        filter: &CaseFilter,
        now: OffsetDateTime,
    ) -> Result<CasePage, StoreError> {
        let unit_pattern = match filter.unit {
            None => None,
            Some(unit) => Some(match self.get_unit(scope, unit).await {
                Ok(u) => u.path.subtree_pattern(),
                Err(StoreError::NotFound) => "-".into(),
                Err(e) => return Err(e),
            }),
        };
        let text = match &filter.text {
            Some(search) => Some(self.text_match(TextTable::Cases, search).await?),
            None => None,
        };
        let now_ms = to_millis(now);
        let overdue_sql = |sql: &mut Sql| {
            sql.push("((c.status = 'new' AND (c.first_contact_due_at <= ")
                .int(now_ms)
                .push(" OR c.resolve_due_at <= ")
                .int(now_ms)
                .push(")) OR (c.status = 'contacted' AND c.resolve_due_at <= ")
                .int(now_ms)
                .push("))");
        };
        let conditions = |sql: &mut Sql| {
            push_case_scope(sql, scope);
            if let Some(status) = filter.status {
                sql.push(" AND c.status = ").text(status.code());
            }
            if let Some(pattern) = &unit_pattern {
                sql.push(" AND u.path LIKE ").text(pattern.clone());
            }
            match filter.show {
                CaseShow::All => {}
                CaseShow::OwnedBy(user) => {
                    sql.push(" AND c.owner_id = ").int(user.0);
                }
                CaseShow::EscalatedTo(user) => {
                    sql.push(" AND c.escalated_to = ")
                        .int(user.0)
                        .push(" AND (c.owner_id IS NULL OR c.owner_id <> ")
                        .int(user.0)
                        .push(")");
                }
                CaseShow::Escalated => {
                    sql.push(" AND c.escalation_level > 0");
                }
                CaseShow::AwaitingApproval => {
                    sql.push(" AND ").push(AWAITING);
                }
            }
            if let Some(text) = &text {
                text.push(sql, "c");
            }
            if filter.overdue {
                sql.push(" AND ");
                overdue_sql(sql);
            }
        };
        let mut count = Sql::new(&format!("{COUNT} WHERE 1 = 1"));
        conditions(&mut count);
        let total: i64 = col(&count.query()?.fetch_one(self.pool()).await?, "n")?;
        let mut sql = Sql::new(&format!("{SELECT} WHERE 1 = 1"));
        conditions(&mut sql);
        if filter.newest_first {
            sql.push(" ORDER BY c.created_at DESC, c.id DESC");
        } else {
            sql.push(" ORDER BY CASE WHEN ");
            overdue_sql(&mut sql);
            sql.push(" THEN 0 ELSE 1 END, CASE WHEN c.status IN ('new', 'contacted') THEN 0 ELSE 1 END, c.due_at, c.id");
        }
        sql.push(" LIMIT ")
            .int(filter.limit.clamp(1, 1000))
            .push(" OFFSET ")
            .int(filter.offset.max(0));
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        let items = rows
            .iter()
            .map(|r| summary_from_row(r, now))
            .collect::<Result<_, _>>()?;
        Ok(CasePage { items, total })
    }

    /// One case the scope sees, with its timeline.
    pub async fn get_case(
        &self,
        scope: &Scope,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<CaseDetail, StoreError> {
        let mut sql = Sql::new(&format!("{SELECT} WHERE c.id = "));
        sql.int(id);
        push_case_scope(&mut sql, scope);
        let row = sql
            .query()?
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let events = sqlx::query(
            "SELECT e.id, e.at, e.actor_id, a.email AS actor_email, e.kind, e.detail FROM case_events e \
             LEFT JOIN users a ON a.id = e.actor_id WHERE e.case_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let mut timeline = Vec::with_capacity(events.len());
        for e in &events {
            let detail: String = col(e, "detail")?;
            timeline.push(CaseEvent {
                id: col(e, "id")?,
                at: from_millis(col(e, "at")?),
                actor_id: col::<Option<i64>>(e, "actor_id")?.map(UserId),
                actor_email: col(e, "actor_email")?,
                kind: col(e, "kind")?,
                detail: crate::store::json(&detail, "case event")?,
            });
        }
        let resolution = sqlx::query(
            "SELECT c.action_taken, rc.name AS root_cause, c.compensation_type, c.compensation_cents, c.lessons, \
             c.resolved_at FROM cases c LEFT JOIN root_causes rc ON rc.id = c.root_cause_id \
             WHERE c.id = $1 AND c.resolved_at IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .map(|r| -> Result<CaseResolution, StoreError> {
            Ok(CaseResolution {
                action_taken: col(&r, "action_taken")?,
                root_cause: col(&r, "root_cause")?,
                compensation_type: col(&r, "compensation_type")?,
                compensation_cents: col(&r, "compensation_cents")?,
                lessons: col(&r, "lessons")?,
                resolved_at: from_millis(col(&r, "resolved_at")?),
            })
        })
        .transpose()?;
        Ok(CaseDetail {
            resolution,
            case: summary_from_row(&row, now)?,
            customer_name: col(&row, "customer_name")?,
            customer_email: col(&row, "customer_email")?,
            customer_phone: col(&row, "customer_phone")?,
            language: col(&row, "language")?,
            timeline,
        })
    }

    /// The scheduler's escalation pass: each open case whose current deadline has passed
    /// goes one level up the responsible chain, gets a fresh deadline for the phase it is in
    /// and notifies the person it reached, who answers for it from then on; the owner keeps
    /// working it. Past the top of the chain the top person is reminded once a day. The change is a compare-and-set on the level and
    /// the deadline, so two schedulers sharing a database escalate each case once.
    /// Returns the cases escalated, with their new level.
    pub async fn escalate_due(&self, now: OffsetDateTime) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.tenant_id, c.status, c.priority, c.escalation_level, c.title, u.path FROM cases c \
             JOIN units u ON u.id = c.unit_id WHERE c.status IN ('new', 'contacted') AND c.due_at <= $1 \
             ORDER BY c.due_at, c.id LIMIT 200",
        )
        .bind(to_millis(now))
        .fetch_all(self.pool())
        .await?;
        let mut escalated = Vec::new();
        // Read once per pass: many overdue cases share a unit and a tenant.
        let mut chains = std::collections::HashMap::new();
        let mut clocks = std::collections::HashMap::new();
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let tenant = TenantId(col(r, "tenant_id")?);
            let level: i64 = col(r, "escalation_level")?;
            let status = CaseStatus::parse(&col::<String>(r, "status")?)
                .map_err(|_| StoreError::Corrupt("case status".into()))?;
            let priority = Priority::parse(&col::<String>(r, "priority")?)
                .map_err(|_| StoreError::Corrupt("case priority".into()))?;
            let title: String = col(r, "title")?;
            let path: String = col(r, "path")?;
            let path = UnitPath::from_stored(&path)
                .ok_or_else(|| StoreError::Corrupt("unit path".into()))?;
            if !chains.contains_key(path.as_str()) {
                let chain = self.responsible_chain(tenant, &path).await?;
                chains.insert(path.as_str().to_owned(), chain);
            }
            let chain = &chains[path.as_str()];
            // Past the top of the chain the level stays and the top person is reminded each
            // period; the compare-and-set then rests on the deadline alone.
            let Some(top) = chain.len().checked_sub(1) else {
                continue;
            };
            let next_level = (level + 1).min(top as i64).max(level);
            let Some(target) = chain.get((next_level as usize).min(top)).cloned() else {
                continue;
            };
            let sla = self.sla(tenant, priority).await?;
            let minutes = if status == CaseStatus::New {
                sla.first_contact_minutes
            } else {
                sla.resolve_minutes
            };
            if let std::collections::hash_map::Entry::Vacant(e) = clocks.entry(tenant) {
                e.insert(self.tenant_clock(tenant).await?);
            }
            let mut next_due = clocks[&tenant].deadline(now, minutes);
            if next_level == level {
                // Past the top nobody is left to tell: remind the top person daily, not
                // every period (a 4-hour period would mean six reminders a day).
                next_due = next_due.max(now + time::Duration::days(1));
            }
            let mut w = self.begin_quiet_write().await?;
            let changed = sqlx::query(
                "UPDATE cases SET escalation_level = $1, escalated_to = $2, due_at = $3, updated_at = $4 \
                 WHERE id = $5 AND escalation_level = $6 AND due_at <= $4 AND status IN ('new', 'contacted')",
            )
            .bind(next_level)
            .bind(target.user.0)
            .bind(to_millis(next_due))
            .bind(to_millis(now))
            .bind(id)
            .bind(level)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if changed == 0 {
                continue; // Another scheduler escalated it, or someone acted on it.
            }
            append_event(
                &mut w.tx,
                tenant,
                id,
                None,
                if next_level > level {
                    "escalated"
                } else {
                    "reminded"
                },
                &json!({"level": next_level, "to": target.user.0, "to_email": target.email,
                        "next_due_at": to_millis(next_due)}),
                now,
            )
            .await?;
            let subject = match target.lang {
                Lang::Es => format!("Caso #{id} vencido y escalado a usted: {title}"),
                Lang::En => format!("Case #{id} is overdue and escalated to you: {title}"),
            };
            crate::recover::evaluate::queue_notification(
                &mut w.tx,
                tenant,
                Some(id),
                "email",
                &target.email,
                &subject,
                &json!({"case_id": id, "level": next_level}).to_string(),
                now,
            )
            .await?;
            w.commit().await?;
            escalated.push((id, next_level));
        }
        Ok(escalated)
    }
}

/// What one resolved case taught: found again when a similar failure happens.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lesson {
    pub case_id: i64,
    pub title: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub root_cause: Option<String>,
    pub action_taken: String,
    pub lessons: String,
    pub compensation_type: String,
    pub compensation_cents: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub resolved_at: OffsetDateTime,
}

impl Store {
    /// Resolved (and closed) cases that recorded a lesson, newest first; `text` must match
    /// all its words in the case (title, the guest's words, what was done, the lesson).
    pub async fn list_lessons(
        &self,
        scope: &Scope,
        text: Option<&cumbre_domain::text::Search>,
        root_cause: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Lesson>, StoreError> {
        let mut sql = Sql::new(
            "SELECT c.id, c.title, c.unit_id, u.name AS unit_name, rc.name AS root_cause, c.action_taken, c.lessons, \
             c.compensation_type, c.compensation_cents, c.resolved_at FROM cases c JOIN units u ON u.id = c.unit_id \
             LEFT JOIN root_causes rc ON rc.id = c.root_cause_id \
             WHERE c.status IN ('resolved', 'closed') AND c.lessons <> '' AND c.resolved_at IS NOT NULL",
        );
        push_case_scope(&mut sql, scope);
        if let Some(search) = text {
            self.text_match(TextTable::Cases, search)
                .await?
                .push(&mut sql, "c");
        }
        if let Some(cause) = root_cause {
            sql.push(" AND c.root_cause_id = ").int(cause);
        }
        sql.push(" ORDER BY c.resolved_at DESC, c.id DESC LIMIT ")
            .int(limit.clamp(1, 1000));
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(Lesson {
                    case_id: col(r, "id")?,
                    title: col(r, "title")?,
                    unit_id: UnitId(col(r, "unit_id")?),
                    unit_name: col(r, "unit_name")?,
                    root_cause: col(r, "root_cause")?,
                    action_taken: col(r, "action_taken")?,
                    lessons: col(r, "lessons")?,
                    compensation_type: col(r, "compensation_type")?,
                    compensation_cents: col(r, "compensation_cents")?,
                    resolved_at: from_millis(col(r, "resolved_at")?),
                })
            })
            .collect()
    }
}

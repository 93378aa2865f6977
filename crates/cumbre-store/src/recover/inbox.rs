//! What waits for one person: new cases they own, cases escalated to them, approvals they
//! decide and promises on their cases coming due. Read on every page for the header's
//! count, so each part is one indexed lookup by person.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::{TenantId, UserId};
use time::OffsetDateTime;

/// A promise counts as waiting from a day before it is due.
const PROMISE_NOTICE: time::Duration = time::Duration::hours(24);

/// At most this many entries of each kind are listed (the count is exact).
const PER_KIND: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxKind {
    /// A case the person owns that nobody has contacted the customer about yet.
    NewCase,
    /// An open case escalated to them, which someone else owns.
    Escalated,
    /// A compensation above someone's authority, waiting for their decision.
    Approval,
    /// A promise on a case they own, due within a day or overdue.
    PromiseDue,
}

impl InboxKind {
    pub const ALL: [InboxKind; 4] = [
        InboxKind::Approval,
        InboxKind::PromiseDue,
        InboxKind::Escalated,
        InboxKind::NewCase,
    ];

    pub fn code(self) -> &'static str {
        match self {
            InboxKind::NewCase => "new_case",
            InboxKind::Escalated => "escalated",
            InboxKind::Approval => "approval",
            InboxKind::PromiseDue => "promise",
        }
    }
}

#[derive(Debug, Clone)]
pub struct InboxItem {
    pub kind: InboxKind,
    pub case_id: i64,
    pub title: String,
    pub unit_name: String,
    /// When it is due (cases and promises) or was asked (approvals).
    pub at: OffsetDateTime,
    /// The promise's words, or the compensation asked for (type and cents).
    pub text: String,
    pub cents: i64,
}

/// Everything waiting, by kind, with the exact count of each.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub counts: Vec<(InboxKind, i64)>,
}

impl Inbox {
    pub fn total(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// The `FROM … WHERE` of each kind, for one person: `$1` tenant, `$2` person, `$3` the
/// moment promises start to count.
fn part(kind: InboxKind) -> &'static str {
    match kind {
        InboxKind::NewCase => {
            "FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.owner_id = $2 AND c.tenant_id = $1 AND c.status = 'new'"
        }
        InboxKind::Escalated => {
            "FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.escalated_to = $2 AND c.tenant_id = $1 \
             AND c.escalation_level > 0 AND c.status IN ('new', 'contacted') AND (c.owner_id IS NULL OR c.owner_id <> $2)"
        }
        InboxKind::Approval => {
            "FROM approvals a JOIN cases c ON c.id = a.case_id JOIN units u ON u.id = c.unit_id \
             WHERE a.approver_id = $2 AND a.tenant_id = $1 AND a.status = 'pending'"
        }
        InboxKind::PromiseDue => {
            "FROM promises p JOIN cases c ON c.id = p.case_id JOIN units u ON u.id = c.unit_id \
             WHERE c.owner_id = $2 AND c.tenant_id = $1 AND p.outcome IS NULL AND p.due_at <= $3"
        }
    }
}

/// What each kind lists: (at, text, cents) beside the case.
fn listed(kind: InboxKind) -> &'static str {
    match kind {
        InboxKind::NewCase => "c.first_contact_due_at AS at, '' AS text, 0 AS cents",
        InboxKind::Escalated => "c.due_at AS at, '' AS text, 0 AS cents",
        InboxKind::Approval => {
            "a.created_at AS at, a.compensation_type AS text, a.amount_cents AS cents"
        }
        InboxKind::PromiseDue => "p.due_at AS at, p.text AS text, 0 AS cents",
    }
}

impl Store {
    /// How many things wait for the person (the header's badge): one query.
    pub async fn inbox_count(
        &self,
        tenant: TenantId,
        user: UserId,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let sum = InboxKind::ALL
            .iter()
            .map(|k| format!("(SELECT COUNT(*) {})", part(*k)))
            .collect::<Vec<_>>()
            .join(" + ");
        let row = sqlx::query(&format!("SELECT {sum} AS n"))
            .bind(tenant.0)
            .bind(user.0)
            .bind(to_millis(now + PROMISE_NOTICE))
            .fetch_one(self.pool())
            .await?;
        col(&row, "n")
    }

    /// What waits for the person, most pressing first within each kind.
    pub async fn inbox(
        &self,
        tenant: TenantId,
        user: UserId,
        now: OffsetDateTime,
    ) -> Result<Inbox, StoreError> {
        let mut inbox = Inbox::default();
        let soon = to_millis(now + PROMISE_NOTICE);
        for kind in InboxKind::ALL {
            let rows = sqlx::query(&format!(
                "SELECT c.id, c.title, u.name AS unit_name, {} {} ORDER BY at, c.id LIMIT {PER_KIND}",
                listed(kind),
                part(kind)
            ))
            .bind(tenant.0)
            .bind(user.0)
            .bind(soon)
            .fetch_all(self.pool())
            .await?;
            // A short list is its own count; only a full one needs counting.
            let count = if rows.len() < PER_KIND as usize {
                rows.len() as i64
            } else {
                let n = sqlx::query(&format!("SELECT COUNT(*) AS n {}", part(kind)))
                    .bind(tenant.0)
                    .bind(user.0)
                    .bind(soon)
                    .fetch_one(self.pool())
                    .await?;
                col(&n, "n")?
            };
            inbox.counts.push((kind, count));
            for r in &rows {
                inbox.items.push(InboxItem {
                    kind,
                    case_id: col(r, "id")?,
                    title: col(r, "title")?,
                    unit_name: col(r, "unit_name")?,
                    at: from_millis(col(r, "at")?),
                    text: col(r, "text")?,
                    cents: col(r, "cents")?,
                });
            }
        }
        Ok(inbox)
    }
}

//! The audit trail: who changed what, written in the same transaction as the change.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::TenantId;
use cumbre_domain::access::AdminGrant;
use cumbre_domain::clock::{from_millis, to_millis};
use sqlx::{Any, Transaction};
use time::OffsetDateTime;

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEvent {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

pub(crate) async fn record(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_events (tenant_id, actor, action, subject, detail, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.0)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(to_millis(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The newest audit events of the tenant, newest first.
    pub async fn audit_events(
        &self,
        grant: &AdminGrant,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT actor, action, subject, detail, at FROM audit_events WHERE tenant_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(grant.tenant().0)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEvent {
                    actor: col(r, "actor")?,
                    action: col(r, "action")?,
                    subject: col(r, "subject")?,
                    detail: col(r, "detail")?,
                    at: from_millis(col(r, "at")?),
                })
            })
            .collect()
    }
}

//! The outbox of e-mails and webhook calls the rules and the scheduler owe: the shared
//! outbox mechanism (`crate::outbox`) claims, retries and gives up.

use crate::outbox::NOTIFICATIONS;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::TenantId;
use cumbre_domain::clock::to_millis;
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub tenant: TenantId,
    pub case_id: Option<i64>,
    /// `email` or `webhook`.
    pub channel: String,
    pub target: String,
    pub subject: String,
    pub body: String,
    /// A webhook's signing secret (`whsec_…`), when its endpoint is registered.
    pub secret: Option<String>,
}

impl Store {
    /// Claims up to `limit` notifications due now on `channels` (see `outbox`). The
    /// channels are chosen in the query, so e-mails waiting for an SMTP server never
    /// hold back webhooks.
    pub async fn claim_notifications(
        &self,
        channels: &[&str],
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        NOTIFICATIONS.settle_stale(&mut w.tx, now).await?;
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = crate::sql::Sql::new(
            "SELECT n.id, n.tenant_id, n.case_id, n.channel, n.target, n.subject, n.body, e.secret FROM notifications n \
             LEFT JOIN webhook_endpoints e ON n.channel = 'webhook' AND e.tenant_id = n.tenant_id AND e.url = n.target \
             WHERE n.status = 'queued' AND n.next_attempt_at <= ",
        );
        sql.int(to_millis(now)).push(" AND n.channel IN (");
        for (i, channel) in channels.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.text(*channel);
        }
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE OF n SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        sql.push(") ORDER BY n.id LIMIT ").int(limit).push(lock);
        let rows = sql.query()?.fetch_all(&mut *w.tx).await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = col(r, "id")?;
            if NOTIFICATIONS.claim(&mut w.tx, id, now).await? {
                out.push(Notification {
                    id,
                    tenant: TenantId(col(r, "tenant_id")?),
                    case_id: col(r, "case_id")?,
                    channel: col(r, "channel")?,
                    target: col(r, "target")?,
                    subject: col(r, "subject")?,
                    body: col(r, "body")?,
                    secret: col(r, "secret")?,
                });
            }
        }
        w.commit().await?;
        Ok(out)
    }

    pub async fn notification_sent(&self, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        NOTIFICATIONS.sent(&mut w.tx, id, now).await?;
        w.commit().await?;
        Ok(())
    }

    /// A failed attempt: permanent failures and the last attempt give up (`failed`), others
    /// wait (see `outbox`).
    pub async fn notification_failed(
        &self,
        id: i64,
        error: &str,
        permanent: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        NOTIFICATIONS
            .failed(&mut w.tx, id, error, permanent, now)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// Counts by status, for the operator (and tests).
    pub async fn notification_counts(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT channel, status, COUNT(*) AS n FROM notifications WHERE tenant_id = $1 GROUP BY channel, status ORDER BY channel, status",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "channel")?, col(r, "status")?, col(r, "n")?)))
            .collect()
    }
}

/// One outbox entry as the operator sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub channel: String,
    pub target: String,
    pub subject: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

impl Store {
    /// The tenant's most recent notifications, newest first, optionally of one status.
    pub async fn list_notifications(
        &self,
        tenant: TenantId,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        use cumbre_domain::clock::from_millis;
        let mut sql = crate::sql::Sql::new(
            "SELECT id, case_id, channel, target, subject, status, attempts, last_error, created_at, next_attempt_at, sent_at \
             FROM notifications WHERE tenant_id = ",
        );
        sql.int(tenant.0);
        if let Some(status) = status {
            sql.push(" AND status = ").text(status);
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .int(limit.clamp(1, 1000));
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(NotificationRow {
                    id: col(r, "id")?,
                    case_id: col(r, "case_id")?,
                    channel: col(r, "channel")?,
                    target: col(r, "target")?,
                    subject: col(r, "subject")?,
                    status: col(r, "status")?,
                    attempts: col(r, "attempts")?,
                    last_error: col(r, "last_error")?,
                    created_at: from_millis(col(r, "created_at")?),
                    next_attempt_at: from_millis(col(r, "next_attempt_at")?),
                    sent_at: col::<Option<i64>>(r, "sent_at")?.map(from_millis),
                })
            })
            .collect()
    }

    /// Sends a failed notification again (after the operator fixed the address or the
    /// endpoint): it is queued with a fresh set of attempts. Only failed ones can be retried,
    /// so nothing that went out goes twice.
    pub async fn retry_notification(
        &self,
        tenant: TenantId,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE notifications SET status = 'queued', attempts = 0, next_attempt_at = $1 \
             WHERE id = $2 AND tenant_id = $3 AND status = 'failed'",
        )
        .bind(to_millis(now))
        .bind(id)
        .bind(tenant.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed == 0 {
            let exists =
                sqlx::query("SELECT status FROM notifications WHERE id = $1 AND tenant_id = $2")
                    .bind(id)
                    .bind(tenant.0)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            return Err(match exists {
                None => StoreError::NotFound,
                Some(_) => StoreError::Invalid(cumbre_domain::InvalidInput::NotFailed),
            });
        }
        w.commit().await?;
        Ok(())
    }
}

//! The outbox of e-mails and webhook calls the rules and the scheduler owe. Like
//! invitations: a notification is claimed (`queued → sending`) before it goes out, so it
//! never goes twice; transient failures retry with growing delays, then give up.

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
}

impl Store {
    /// Claims up to `limit` notifications due now on `channels`. A claim older than ten
    /// minutes (the process died mid-send) counts as sent: at most once.
    pub async fn claim_notifications(
        &self,
        channels: &[&str],
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        sqlx::query(
            "UPDATE notifications SET status = 'sent', sent_at = next_attempt_at, last_error = 'delivery unconfirmed' \
             WHERE status = 'sending' AND next_attempt_at < $1",
        )
        .bind(to_millis(now) - 10 * 60 * 1000)
        .execute(&mut *w.tx)
        .await?;
        let rows = sqlx::query(
            "SELECT id, tenant_id, case_id, channel, target, subject, body FROM notifications \
             WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(&mut *w.tx)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let channel: String = col(r, "channel")?;
            if !channels.contains(&channel.as_str()) {
                continue;
            }
            let id: i64 = col(r, "id")?;
            let claimed = sqlx::query(
                "UPDATE notifications SET status = 'sending', attempts = attempts + 1, next_attempt_at = $1 \
                 WHERE id = $2 AND status = 'queued'",
            )
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if claimed == 1 {
                out.push(Notification {
                    id,
                    tenant: TenantId(col(r, "tenant_id")?),
                    case_id: col(r, "case_id")?,
                    channel,
                    target: col(r, "target")?,
                    subject: col(r, "subject")?,
                    body: col(r, "body")?,
                });
            }
        }
        w.commit().await?;
        Ok(out)
    }

    pub async fn notification_sent(&self, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("UPDATE notifications SET status = 'sent', sent_at = $1, last_error = NULL WHERE id = $2 AND status = 'sending'")
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// A failed attempt: permanent failures and the last attempt give up (`failed`), others
    /// wait (see `retry`).
    pub async fn notification_failed(
        &self,
        id: i64,
        error: &str,
        permanent: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query("SELECT attempts FROM notifications WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
        let attempts: i64 = col(&row, "attempts")?;
        let (status, next) = match crate::retry::next_attempt(attempts, permanent, now) {
            Some(at) => ("queued", at),
            None => ("failed", now),
        };
        sqlx::query(
            "UPDATE notifications SET status = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4 AND status = 'sending'",
        )
        .bind(status)
        .bind(to_millis(next))
        .bind(error.chars().take(300).collect::<String>())
        .bind(id)
        .execute(&mut *w.tx)
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
#[derive(Debug, Clone, serde::Serialize)]
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

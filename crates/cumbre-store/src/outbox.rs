//! The outbox mechanism every message that leaves over the network shares (invitation
//! e-mails; notification e-mails and webhook calls): a row is claimed (`queued →
//! sending`) before it goes out, by one process only, however many servers share the
//! database; a transient failure waits and tries again (5, 20, 45 and 80 minutes), a
//! permanent one or the fifth gives up; a claim older than [`STALE_CLAIM`] (its process
//! died mid-send) counts as sent — at most once, never twice.
//!
//! On PostgreSQL the due rows are selected `FOR UPDATE SKIP LOCKED`, so concurrent
//! claimers take different rows instead of queueing behind each other; the claim itself is
//! a conditional update (`AND status = 'queued'`), which is what makes it exclusive on both
//! databases.

use crate::StoreError;
use crate::store::col;
use cumbre_domain::clock::to_millis;
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// Attempts before a send is given up.
const MAX_ATTEMPTS: i64 = 5;

/// How long a claim may stay unconfirmed before its process is presumed dead.
pub(crate) const STALE_CLAIM: time::Duration = time::Duration::minutes(10);

/// When to try again after the `attempts`-th failure; `None`: give up (a permanent
/// refusal, or the last attempt).
pub(crate) fn next_attempt(
    attempts: i64,
    permanent: bool,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    (!permanent && attempts < MAX_ATTEMPTS)
        .then(|| now + time::Duration::minutes(attempts * attempts * 5))
}

/// One outbox table: its rows have `status`, `attempts`, `next_attempt_at`, `sent_at` and
/// `last_error`.
pub(crate) struct Outbox {
    pub table: &'static str,
    /// The status of a row given up on (`bounced` for invitations, `failed` else).
    pub gave_up: &'static str,
}

impl Outbox {
    /// Marks claims older than [`STALE_CLAIM`] as sent (unconfirmed).
    pub async fn settle_stale(
        &self,
        conn: &mut AnyConnection,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET status = 'sent', sent_at = next_attempt_at, \
             last_error = 'delivery unconfirmed: the server stopped while sending' \
             WHERE status = 'sending' AND next_attempt_at < $1",
            self.table
        );
        sqlx::query(&sql)
            .bind(to_millis(now - STALE_CLAIM))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Claims the queued row `id` for this process; false when another process took it
    /// (or it is no longer due).
    pub async fn claim(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET status = 'sending', attempts = attempts + 1, next_attempt_at = $1 \
             WHERE id = $2 AND status = 'queued'",
            self.table
        );
        let claimed = sqlx::query(&sql)
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        Ok(claimed == 1)
    }

    /// The claimed row went out.
    pub async fn sent(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET status = 'sent', sent_at = $1, last_error = NULL \
             WHERE id = $2 AND status = 'sending'",
            self.table
        );
        sqlx::query(&sql)
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// The claimed row failed: queued again later, or given up.
    pub async fn failed(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        error: &str,
        permanent: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT attempts FROM {} WHERE id = $1",
            self.table
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        let attempts: i64 = col(&row, "attempts")?;
        let (status, next) = match next_attempt(attempts, permanent, now) {
            Some(at) => ("queued", at),
            None => (self.gave_up, now),
        };
        let sql = format!(
            "UPDATE {} SET status = $1, next_attempt_at = $2, last_error = $3 \
             WHERE id = $4 AND status = 'sending'",
            self.table
        );
        sqlx::query(&sql)
            .bind(status)
            .bind(to_millis(next))
            .bind(error.chars().take(300).collect::<String>())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

pub(crate) const INVITATIONS: Outbox = Outbox {
    table: "invitations",
    gave_up: "bounced",
};

pub(crate) const PULSE_INVITATIONS: Outbox = Outbox {
    table: "pulse_invitations",
    gave_up: "bounced",
};

pub(crate) const NOTIFICATIONS: Outbox = Outbox {
    table: "notifications",
    gave_up: "failed",
};

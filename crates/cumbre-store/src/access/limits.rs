//! Fixed-window counters kept in the database, for limits that several servers on one
//! PostgreSQL must share (sign-in throttles, submission budgets). A counter is one row,
//! changed by one atomic upsert, so concurrent hits from any number of processes add up.
//! Losing the last counts in a crash only errs toward letting people in, so on
//! PostgreSQL these commits do not wait for the disk.

use crate::store::col;
use crate::{Backend, Store, StoreError};
use cumbre_domain::clock::to_millis;
use time::{Duration, OffsetDateTime};

/// A window's count after a hit, and when the window started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub hits: i64,
    pub started: OffsetDateTime,
}

impl Store {
    /// Counts one hit on `key` (a bounded hash) in a window of `length`; a window that
    /// ended starts again at `now`.
    pub async fn count_hit(
        &self,
        key: &str,
        length: Duration,
        now: OffsetDateTime,
    ) -> Result<Window, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET LOCAL synchronous_commit TO OFF")
                .execute(&mut *w.tx)
                .await?;
        }
        let row = sqlx::query(
            "INSERT INTO rate_windows (key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             hits = CASE WHEN rate_windows.window_start <= $3 THEN 1 ELSE rate_windows.hits + 1 END, \
             window_start = CASE WHEN rate_windows.window_start <= $3 THEN $2 ELSE rate_windows.window_start END \
             RETURNING window_start, hits",
        )
        .bind(key)
        .bind(to_millis(now))
        .bind(to_millis(now - length))
        .fetch_one(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(Window {
            hits: col(&row, "hits")?,
            started: cumbre_domain::clock::from_millis(col(&row, "window_start")?),
        })
    }

    /// The hits on `key` in its current window (0 when it ended or never began).
    pub async fn peek_hits(
        &self,
        key: &str,
        length: Duration,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT hits FROM rate_windows WHERE key = $1 AND window_start > $2")
            .bind(key)
            .bind(to_millis(now - length))
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => col(&r, "hits")?,
            None => 0,
        })
    }

    /// Forgets `key`'s window (a successful sign-in clears its failures).
    pub async fn forget_hits(&self, key: &str) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("DELETE FROM rate_windows WHERE key = $1")
            .bind(key)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// Drops windows that ended long ago (the scheduler's pass), so the table stays small.
    pub async fn prune_rate_windows(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        let n = sqlx::query("DELETE FROM rate_windows WHERE window_start < $1")
            .bind(to_millis(now - Duration::days(1)))
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(n)
    }
}

//! Browser sessions. The cookie holds a random token; the table holds only its hash, so a
//! leaked database does not sign anyone in.

use crate::access::User;
use crate::access::users::active_user;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::UserId;
use cumbre_domain::clock::to_millis;
use time::OffsetDateTime;

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        csrf_token: &str,
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        // Expired sessions are swept on the way in; no background job needed.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(to_millis(now))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(user.0)
            .bind(csrf_token)
            .bind(to_millis(now))
            .bind(to_millis(expires))
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// The active account and CSRF token of a live session.
    pub async fn session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(to_millis(now))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = active_user(self, UserId(col(&row, "user_id")?)).await?;
        let csrf: String = col(&row, "csrf_token")?;
        Ok(user.map(|u| (u, csrf)))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }
}

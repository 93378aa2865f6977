//! API tokens for `/api/v1`: shown once, stored as a SHA-256 hash, revocable.

use crate::access::User;
use crate::audit::record;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::UserId;
use cumbre_domain::clock::{from_millis, to_millis};
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, so its owner can tell tokens apart.
    pub prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked: bool,
}

/// The account an API token speaks for, and the cache epoch it was read under.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub user: User,
    pub epoch: crate::Epoch,
    /// Read from the database for this request; else a guess from the cache (see
    /// [`Store::api_token_user_guessed`]).
    pub confirmed: bool,
}

/// What the cache keeps of a token.
#[derive(Debug, Clone)]
pub(crate) struct TokenEntry {
    user: User,
    token_id: i64,
    last_used: Option<i64>,
}

impl Store {
    pub async fn create_api_token(
        &self,
        user: &User,
        name: &str,
        token_hash: &str,
        prefix: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let mut w = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (tenant_id, user_id, name, token_hash, prefix, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user.tenant.0)
        .bind(user.id.0)
        .bind(name)
        .bind(token_hash)
        .bind(prefix)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        record(
            &mut w.tx,
            user.tenant,
            &user.email,
            "token.create",
            &format!("token:{id}"),
            name,
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// The active account behind a live token, read fresh (a revocation applies at once,
    /// whichever process made it), with the cache epoch as of this read: the request may
    /// use what was cached under it (see `cache`). Records when the token was last used.
    /// One query.
    pub async fn api_token_user(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TokenUser>, StoreError> {
        let sql = format!(
            "{} JOIN api_tokens t ON t.user_id = s.id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND s.active = 1",
            crate::access::users::SELECT.replacen(
                "SELECT ",
                "SELECT t.id AS token_id, t.last_used_at, (SELECT n FROM cache_epoch WHERE id = 1) AS epoch, ",
                1
            )
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut entry = TokenEntry {
            user: crate::access::users::user_from_row(&row)?,
            token_id: col(&row, "token_id")?,
            last_used: col(&row, "last_used_at")?,
        };
        let epoch = col::<i64>(&row, "epoch")? as u64;
        self.cache.saw(epoch);
        self.note_use(&mut entry, now).await?;
        self.cache
            .tokens
            .put(epoch, token_hash.to_owned(), entry.clone());
        Ok(Some(TokenUser {
            user: entry.user,
            epoch: crate::Epoch(epoch),
            confirmed: true,
        }))
    }

    /// [`Store::api_token_user`] from what was kept under a recent epoch
    /// ([`Store::recent_epoch`]), when it has it (`confirmed` false: no query, and only a
    /// write that expects that epoch may rely on it); else read fresh.
    pub async fn api_token_user_guessed(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TokenUser>, StoreError> {
        let epoch = self.recent_epoch().await?;
        if let Some(entry) = self.cache.tokens.get(epoch.0, &token_hash.to_owned())
            && !Self::use_is_due(&entry, now)
        {
            return Ok(Some(TokenUser {
                user: entry.user,
                epoch,
                confirmed: false,
            }));
        }
        self.api_token_user(token_hash, now).await
    }

    /// "Last used" is written at most once a minute: API calls must not all become writes.
    fn use_is_due(entry: &TokenEntry, now: OffsetDateTime) -> bool {
        entry.last_used.is_none_or(|l| to_millis(now) - l > 60_000)
    }

    async fn note_use(
        &self,
        entry: &mut TokenEntry,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if !Self::use_is_due(entry, now) {
            return Ok(());
        }
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(to_millis(now))
            .bind(entry.token_id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        entry.last_used = Some(to_millis(now));
        Ok(())
    }

    pub async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: col(r, "id")?,
                    name: col(r, "name")?,
                    prefix: col(r, "prefix")?,
                    created_at: from_millis(col(r, "created_at")?),
                    last_used_at: col::<Option<i64>>(r, "last_used_at")?.map(from_millis),
                    revoked: col::<Option<i64>>(r, "revoked_at")?.is_some(),
                })
            })
            .collect()
    }

    /// Revokes one of the user's own tokens; `NotFound` for anyone else's.
    pub async fn revoke_api_token(
        &self,
        user: &User,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(to_millis(now))
            .bind(id)
            .bind(user.id.0)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(
            &mut w.tx,
            user.tenant,
            &user.email,
            "token.revoke",
            &format!("token:{id}"),
            "",
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

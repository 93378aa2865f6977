//! Reading a tenant's comments again after its taxonomy or its model changed, in the
//! background: each change asks for it (`taxonomy::request_reread`), and the scheduler of
//! whichever server gets there calls `Store::reread_step` until nothing is asked. A step
//! reads one batch (`Store::reanalyse_comments`, safe beside writers and other steps) and
//! moves the request on by compare-and-set, so two servers that read the same batch move
//! it once, and a change made meanwhile sends the reading back to the first comment.

use crate::StoreError;
use crate::store::col;
use cumbre_domain::TenantId;

/// How far a tenant's reading again has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rereading {
    /// Comments read again so far (of this pass).
    pub done: u64,
    pub total: u64,
}

impl crate::Store {
    /// Reads one batch of up to `batch` comments of the first tenant that asked; `None`
    /// when none asked.
    pub async fn reread_step(&self, batch: i64) -> Result<Option<u64>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT tenant_id, after, generation FROM text_rereads ORDER BY tenant_id LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let tenant: i64 = col(&row, "tenant_id")?;
        let after: i64 = col(&row, "after")?;
        let generation: i64 = col(&row, "generation")?;
        let pass = self
            .reanalyse_comments(Some(TenantId(tenant)), after, batch)
            .await?;
        let mut w = self.begin_quiet_write().await?;
        match pass.last {
            Some(last) => {
                sqlx::query(
                    "UPDATE text_rereads SET after = $1 \
                     WHERE tenant_id = $2 AND generation = $3 AND after = $4",
                )
                .bind(last)
                .bind(tenant)
                .bind(generation)
                .bind(after)
                .execute(&mut *w.tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM text_rereads WHERE tenant_id = $1 AND generation = $2")
                    .bind(tenant)
                    .bind(generation)
                    .execute(&mut *w.tx)
                    .await?;
            }
        }
        w.commit().await?;
        Ok(Some(pass.read))
    }

    /// How far `tenant`'s comments have been read again, if that was asked and is not done.
    pub async fn rereading(&self, tenant: TenantId) -> Result<Option<Rereading>, StoreError> {
        let Some(row) = sqlx::query("SELECT after FROM text_rereads WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let after: i64 = col(&row, "after")?;
        let row = sqlx::query(
            "SELECT CAST(count(*) AS BIGINT) AS total, \
             CAST(coalesce(sum(CASE WHEN id <= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS done \
             FROM responses WHERE tenant_id = $2 AND search_text <> ''",
        )
        .bind(after)
        .bind(tenant.0)
        .fetch_one(self.pool())
        .await?;
        Ok(Some(Rereading {
            done: col::<i64>(&row, "done")?.max(0) as u64,
            total: col::<i64>(&row, "total")?.max(0) as u64,
        }))
    }
}

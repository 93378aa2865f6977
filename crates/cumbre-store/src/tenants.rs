//! Tenants: organisations that share the installation and nothing else.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::TenantId;
use cumbre_domain::clock::to_millis;
use time::OffsetDateTime;

impl Store {
    pub async fn create_tenant(
        &self,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<TenantId, StoreError> {
        let mut w = self.begin_write().await?;
        let row =
            sqlx::query("INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(to_millis(now))
                .fetch_one(&mut *w.tx)
                .await?;
        let id = TenantId(col(&row, "id")?);
        w.commit().await?;
        Ok(id)
    }

    pub async fn tenant_name(&self, tenant: TenantId) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT name FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        col(&row, "name")
    }

    /// The tenants of the installation, for the command line (which has no signed-in user).
    pub async fn list_tenants(&self) -> Result<Vec<(TenantId, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, name FROM tenants ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((TenantId(col(r, "id")?), col(r, "name")?)))
            .collect()
    }
}

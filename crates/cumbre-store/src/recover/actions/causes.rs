//! Root causes: the tenant's list a resolved case is filed under.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::{Field, TenantId};

impl Store {
    /// The tenant's active root-cause categories: (id, name).
    pub async fn root_causes(&self, tenant: TenantId) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name FROM root_causes WHERE tenant_id = $1 AND active = 1 ORDER BY name",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
            .collect()
    }

    /// Adds a root-cause category (administrators).
    pub async fn add_root_cause(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        name: &str,
    ) -> Result<i64, StoreError> {
        let name = cumbre_domain::input::required_text(name, Field::Name, 120)?;
        let mut w = self.begin_write().await?;
        let row =
            sqlx::query("INSERT INTO root_causes (tenant_id, name) VALUES ($1, $2) RETURNING id")
                .bind(grant.tenant().0)
                .bind(&name)
                .fetch_one(&mut *w.tx)
                .await?;
        w.commit().await?;
        col(&row, "id")
    }
}

//! Departments: functional areas (reception, housekeeping…) that cut across units; the
//! internal-customer ratings later run between them.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::{DepartmentId, TenantId};
use serde::Serialize;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Serialize)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
}

impl Store {
    /// Departments are not tenant secrets below the tenant: anyone signed in may list them.
    pub async fn list_departments(&self, tenant: TenantId) -> Result<Vec<Department>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name FROM departments WHERE tenant_id = $1 ORDER BY name")
                .bind(tenant.0)
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Department {
                    id: DepartmentId(col(r, "id")?),
                    name: col(r, "name")?,
                })
            })
            .collect()
    }
}

/// The id of the department called `name`, creating it if the tenant has none yet.
pub(crate) async fn ensure_department(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    name: &str,
) -> Result<DepartmentId, StoreError> {
    let existing = sqlx::query("SELECT id FROM departments WHERE tenant_id = $1 AND name = $2")
        .bind(tenant.0)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = existing {
        return Ok(DepartmentId(col(&row, "id")?));
    }
    let row = sqlx::query("INSERT INTO departments (tenant_id, name) VALUES ($1, $2) RETURNING id")
        .bind(tenant.0)
        .bind(name)
        .fetch_one(&mut **tx)
        .await?;
    Ok(DepartmentId(col(&row, "id")?))
}

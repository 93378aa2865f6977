//! Touchpoints: the customer journey's moments of truth, decided for the whole tenant.

use crate::audit::record;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::AdminGrant;
use cumbre_domain::clock::to_millis;
use cumbre_domain::listen::{Texts, TouchpointInput};
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId};
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Touchpoint {
    pub id: i64,
    pub name: Texts,
    pub description: Texts,
    pub position: i64,
    /// Where it happens; empty means everywhere.
    pub unit_ids: Vec<UnitId>,
}

fn texts(raw: &str) -> Result<Texts, StoreError> {
    crate::store::json(raw, "texts")
}

impl Store {
    /// The tenant's journey in order. Not secret below the tenant: everyone signed in may list it.
    pub async fn list_touchpoints(&self, tenant: TenantId) -> Result<Vec<Touchpoint>, StoreError> {
        let rows = sqlx::query("SELECT id, name, description, position FROM touchpoints WHERE tenant_id = $1 ORDER BY position, id")
            .bind(tenant.0)
            .fetch_all(self.pool())
            .await?;
        let links = sqlx::query(
            "SELECT tu.touchpoint_id, tu.unit_id FROM touchpoint_units tu JOIN touchpoints t ON t.id = tu.touchpoint_id WHERE t.tenant_id = $1",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let mut unit_ids = Vec::new();
            for l in &links {
                if col::<i64>(l, "touchpoint_id")? == id {
                    unit_ids.push(UnitId(col(l, "unit_id")?));
                }
            }
            out.push(Touchpoint {
                id,
                name: texts(&col::<String>(r, "name")?)?,
                description: texts(&col::<String>(r, "description")?)?,
                position: col(r, "position")?,
                unit_ids,
            });
        }
        Ok(out)
    }

    pub async fn create_touchpoint(
        &self,
        grant: &AdminGrant,
        input: &TouchpointInput,
        units: &[UnitId],
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let tenant = grant.tenant();
        let mut w = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO touchpoints (tenant_id, name, description, position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(tenant.0)
        .bind(serde_json::to_string(&input.name).unwrap_or_default())
        .bind(serde_json::to_string(&input.description).unwrap_or_default())
        .bind(input.position)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        for unit in units {
            let found = sqlx::query("SELECT id FROM units WHERE id = $1 AND tenant_id = $2")
                .bind(unit.0)
                .bind(tenant.0)
                .fetch_optional(&mut *w.tx)
                .await?;
            if found.is_none() {
                return Err(InvalidInput::UnknownReference {
                    field: Field::Unit,
                    value: unit.to_string(),
                }
                .into());
            }
            sqlx::query("INSERT INTO touchpoint_units (touchpoint_id, unit_id) VALUES ($1, $2)")
                .bind(id)
                .bind(unit.0)
                .execute(&mut *w.tx)
                .await?;
        }
        record(
            &mut w.tx,
            tenant,
            actor,
            "touchpoint.create",
            &format!("touchpoint:{id}"),
            input.name.get(cumbre_domain::Lang::Es),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }
}

//! Authority limits: how much compensation a role may grant alone, per unit and role.

use super::{Actor, invalid};
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{Role, Scope};
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId};
use time::OffsetDateTime;

impl Store {
    /// How much compensation (cents) the actor may grant alone. Administrators and
    /// executives, at the top of every chain, are not limited; others get the most specific
    /// row of `authority_limits`: one set on their own unit, else on the nearest unit above
    /// it (a region's limit holds for its hotels unless a hotel has its own), else the
    /// tenant's; a row for their role beats one for any role at the same level. No row: zero.
    pub async fn authority_limit(&self, actor: &Actor) -> Result<Option<i64>, StoreError> {
        let chain = match (&actor.role, &actor.scope) {
            (Role::Admin | Role::Executive, _) => return Ok(None),
            (_, Scope::Subtree { path, .. }) => path.ids(),
            _ => Vec::new(),
        };
        let rows = sqlx::query(
            "SELECT unit_id, role, amount_cents FROM authority_limits WHERE tenant_id = $1",
        )
        .bind(actor.scope.tenant().0)
        .fetch_all(self.pool())
        .await?;
        let mut best: Option<(usize, i64)> = None;
        for r in &rows {
            let row_unit: Option<i64> = col(r, "unit_id")?;
            let row_role: Option<String> = col(r, "role")?;
            let amount: i64 = col(r, "amount_cents")?;
            // 0 for the tenant-wide row, else 1 + how deep the unit sits in the chain.
            let level = match row_unit {
                None => 0,
                Some(u) => match chain.iter().position(|c| c.0 == u) {
                    Some(i) => i + 1,
                    None => continue,
                },
            };
            let role_ok = row_role.is_none() || row_role.as_deref() == Some(actor.role.code());
            if !role_ok {
                continue;
            }
            let rank = level * 2 + usize::from(row_role.is_some());
            if best.is_none_or(|(b, _)| rank > b) {
                best = Some((rank, amount));
            }
        }
        Ok(Some(best.map_or(0, |(_, a)| a)))
    }

    /// Sets the authority limit for a unit and/or a role (both empty: the tenant's default).
    pub async fn set_authority_limit(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        unit: Option<UnitId>,
        role: Option<Role>,
        amount_cents: i64,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if amount_cents < 0 {
            return Err(invalid(InvalidInput::OutOfRange {
                field: Field::Answer,
                min: 0,
                max: i64::MAX,
                value: amount_cents.to_string(),
            }));
        }
        let mut w = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM authority_limits WHERE tenant_id = $1 AND COALESCE(unit_id, 0) = $2 AND COALESCE(role, '') = $3",
        )
        .bind(grant.tenant().0)
        .bind(unit.map_or(0, |u| u.0))
        .bind(role.map_or("", Role::code))
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "INSERT INTO authority_limits (tenant_id, unit_id, role, amount_cents) VALUES ($1, $2, $3, $4)",
        )
        .bind(grant.tenant().0)
        .bind(unit.map(|u| u.0))
        .bind(role.map(Role::code))
        .bind(amount_cents)
        .execute(&mut *w.tx)
        .await?;
        crate::audit::record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "authority.set",
            &format!(
                "unit {} role {}",
                unit.map_or("-".to_owned(), |u| u.0.to_string()),
                role.map_or("-", Role::code)
            ),
            &amount_cents.to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Removes the limit set for a unit and/or role, so the next one up applies again.
    pub async fn remove_authority_limit(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        unit: Option<UnitId>,
        role: Option<Role>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let removed = sqlx::query(
            "DELETE FROM authority_limits WHERE tenant_id = $1 AND COALESCE(unit_id, 0) = $2 AND COALESCE(role, '') = $3",
        )
        .bind(grant.tenant().0)
        .bind(unit.map_or(0, |u| u.0))
        .bind(role.map_or("", Role::code))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        crate::audit::record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "authority.remove",
            &format!(
                "unit {} role {}",
                unit.map_or("-".to_owned(), |u| u.0.to_string()),
                role.map_or("-", Role::code)
            ),
            "",
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// The tenant's authority limits: (unit, role, cents), the tenant default first.
    pub async fn authority_limits(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<(Option<UnitId>, Option<String>, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT unit_id, role, amount_cents FROM authority_limits WHERE tenant_id = $1 ORDER BY unit_id, role",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    col::<Option<i64>>(r, "unit_id")?.map(UnitId),
                    col(r, "role")?,
                    col(r, "amount_cents")?,
                ))
            })
            .collect()
    }
}

//! The tenant's time zone, business hours and service levels per priority.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::TenantId;
use cumbre_domain::access::AdminGrant;
use cumbre_domain::recover::{BusinessHours, Priority, Sla, TenantClock};
use time::OffsetDateTime;

impl Store {
    /// How the tenant counts deadlines.
    pub async fn tenant_clock(&self, tenant: TenantId) -> Result<TenantClock, StoreError> {
        let row = sqlx::query("SELECT time_zone, business_hours FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let zone: String = col(&row, "time_zone")?;
        let hours: Option<String> = col(&row, "business_hours")?;
        Ok(TenantClock {
            zone: TenantClock::parse_zone(&zone)
                .map_err(|_| StoreError::Corrupt(format!("time zone {zone}")))?,
            hours: hours
                .map(|h| crate::store::json::<BusinessHours>(&h, "business hours"))
                .transpose()?,
        })
    }

    /// The currency the tenant's money is shown in (ISO 4217 code).
    pub async fn tenant_currency(&self, tenant: TenantId) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT currency FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        col(&row, "currency")
    }

    /// Sets the currency: three letters (ISO 4217: `MXN`, `USD`, `EUR`…).
    pub async fn set_tenant_currency(
        &self,
        grant: &AdminGrant,
        code: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(cumbre_domain::InvalidInput::NotOneOf {
                field: cumbre_domain::Field::Currency,
                value: code.chars().take(40).collect(),
                allowed: "MXN, USD, EUR… (ISO 4217)",
            }
            .into());
        }
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE tenants SET currency = $1 WHERE id = $2")
            .bind(&code)
            .bind(grant.tenant().0)
            .execute(&mut *w.tx)
            .await?;
        crate::audit::record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "tenant.currency",
            &code,
            "",
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Sets the time zone (IANA name) and business hours (`None`: count all hours).
    pub async fn set_tenant_clock(
        &self,
        grant: &AdminGrant,
        zone: &str,
        hours: Option<&BusinessHours>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let zone_checked = TenantClock::parse_zone(zone)?;
        if let Some(h) = hours {
            h.check()?;
        }
        let name = zone_checked.iana_name().unwrap_or(zone.trim()).to_owned();
        let mut w = self.begin_write().await?;
        let before: String = crate::store::col(
            &sqlx::query("SELECT time_zone FROM tenants WHERE id = $1")
                .bind(grant.tenant().0)
                .fetch_one(&mut *w.tx)
                .await?,
            "time_zone",
        )?;
        sqlx::query("UPDATE tenants SET time_zone = $1, business_hours = $2 WHERE id = $3")
            .bind(&name)
            .bind(hours.map(|h| serde_json::to_string(h).unwrap_or_default()))
            .bind(grant.tenant().0)
            .execute(&mut *w.tx)
            .await?;
        crate::audit::record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "tenant.clock",
            &name,
            if hours.is_some() {
                "business hours"
            } else {
                "all hours"
            },
            now,
        )
        .await?;
        // Days are the tenant's local days: another zone moves responses between days.
        if before != name {
            crate::improve::rollups::rebuild_in(&mut w.tx, self.backend(), grant.tenant()).await?;
        }
        w.commit().await?;
        Ok(())
    }

    /// The tenant's service level for a priority, else the built-in default.
    pub async fn sla(&self, tenant: TenantId, priority: Priority) -> Result<Sla, StoreError> {
        let row = sqlx::query(
            "SELECT first_contact_minutes, resolve_minutes FROM sla_targets WHERE tenant_id = $1 AND priority = $2",
        )
        .bind(tenant.0)
        .bind(priority.code())
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => Sla {
                first_contact_minutes: col(&r, "first_contact_minutes")?,
                resolve_minutes: col(&r, "resolve_minutes")?,
            },
            None => Sla::default_for(priority),
        })
    }

    pub async fn set_sla(
        &self,
        grant: &AdminGrant,
        priority: Priority,
        sla: Sla,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sla.check()?;
        let mut w = self.begin_write().await?;
        sqlx::query("DELETE FROM sla_targets WHERE tenant_id = $1 AND priority = $2")
            .bind(grant.tenant().0)
            .bind(priority.code())
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO sla_targets (tenant_id, priority, first_contact_minutes, resolve_minutes) VALUES ($1, $2, $3, $4)",
        )
        .bind(grant.tenant().0)
        .bind(priority.code())
        .bind(sla.first_contact_minutes)
        .bind(sla.resolve_minutes)
        .execute(&mut *w.tx)
        .await?;
        crate::audit::record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "sla.set",
            priority.code(),
            &format!(
                "first contact {} min, resolution {} min",
                sla.first_contact_minutes, sla.resolve_minutes
            ),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

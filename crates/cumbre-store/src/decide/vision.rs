//! The service vision, published in versions, the company's values it names, and who has
//! read which version. Publishing the same content again writes nothing.

use super::Saved;
use crate::audit::record;
use crate::store::{col, json};
use crate::{Store, StoreError};
use cumbre_domain::access::{AdminGrant, Role, Scope};
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::decide::vision::VisionDefinition;
use cumbre_domain::listen::Texts;
use cumbre_domain::{InvalidInput, TenantId, UnitId, UserId};
use serde::Serialize;
use std::collections::HashMap;
use time::OffsetDateTime;

/// One published version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Vision {
    pub version: i64,
    pub definition: VisionDefinition,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    pub published_by: String,
}

/// A value as other features point to it (by id or key).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompanyValue {
    pub id: i64,
    pub key: String,
    #[schema(value_type = Object)]
    pub name: Texts,
    #[schema(value_type = Object)]
    pub meaning: Texts,
    /// Dropped by a later version: what named it still reads, nothing new may.
    pub retired: bool,
}

/// Who, among the people who serve in a scope, has read the current version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Readers {
    pub version: i64,
    pub total: usize,
    pub read: usize,
    /// Units in tree order; accounts with no unit come last under `unit_id: null`.
    pub units: Vec<UnitReaders>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitReaders {
    pub unit_id: Option<UnitId>,
    pub unit_name: Option<String>,
    pub total: usize,
    pub read: usize,
    /// Those who have not read it yet, by name.
    pub unread: Vec<Reader>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reader {
    pub user_id: UserId,
    /// The person's name, or the account's e-mail when it is not linked to one.
    pub name: String,
    pub email: String,
}

impl Store {
    /// The version everyone is asked to read, if one was ever published.
    pub async fn current_vision(&self, tenant: TenantId) -> Result<Option<Vision>, StoreError> {
        let row = sqlx::query(
            "SELECT v.version, v.definition, v.published_at, v.published_by \
             FROM visions c JOIN vision_versions v \
             ON v.tenant_id = c.tenant_id AND v.version = c.version WHERE c.tenant_id = $1",
        )
        .bind(tenant.0)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(vision_from_row).transpose()
    }

    /// Every published version, newest first.
    pub async fn vision_history(&self, tenant: TenantId) -> Result<Vec<Vision>, StoreError> {
        sqlx::query(
            "SELECT version, definition, published_at, published_by FROM vision_versions \
             WHERE tenant_id = $1 ORDER BY version DESC",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(vision_from_row)
        .collect()
    }

    /// Publishes `definition` (checked) as the next version, unless it says exactly what
    /// the current one says. The values it lists become the company's; one it no longer
    /// lists is retired, never deleted. Administrators only.
    pub async fn publish_vision(
        &self,
        grant: &AdminGrant,
        definition: VisionDefinition,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(i64, Saved), StoreError> {
        let definition = definition.check()?;
        let tenant = grant.tenant();
        let text = serde_json::to_string(&definition)
            .map_err(|e| StoreError::Corrupt(format!("vision: {e}")))?;
        let mut w = self.begin_quiet_write().await?;
        let current = sqlx::query(
            "SELECT v.version, v.definition FROM visions c JOIN vision_versions v \
             ON v.tenant_id = c.tenant_id AND v.version = c.version WHERE c.tenant_id = $1",
        )
        .bind(tenant.0)
        .fetch_optional(&mut *w.tx)
        .await?;
        if let Some(row) = current {
            let stored: VisionDefinition = json(&col::<String>(&row, "definition")?, "vision")?;
            if stored == definition {
                return Ok((col(&row, "version")?, Saved::Unchanged));
            }
        }
        // Raised under the row's lock (PostgreSQL) or the write lock (SQLite): two
        // publications never make the same version.
        let row = sqlx::query(
            "INSERT INTO visions (tenant_id, version, updated_at) VALUES ($1, 1, $2) \
             ON CONFLICT (tenant_id) DO UPDATE SET version = visions.version + 1, \
             updated_at = $2 RETURNING version",
        )
        .bind(tenant.0)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let version: i64 = col(&row, "version")?;
        sqlx::query(
            "INSERT INTO vision_versions (tenant_id, version, definition, published_at, \
             published_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant.0)
        .bind(version)
        .bind(&text)
        .bind(to_millis(now))
        .bind(actor)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "UPDATE company_values SET retired_at = $2 WHERE tenant_id = $1 AND retired_at IS NULL",
        )
        .bind(tenant.0)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        for (position, v) in definition.values.iter().enumerate() {
            let texts = |t: &Texts| serde_json::to_string(t).unwrap_or_default();
            sqlx::query(
                "INSERT INTO company_values (tenant_id, key, name, meaning, position) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, key) DO UPDATE SET \
                 name = $3, meaning = $4, position = $5, retired_at = NULL",
            )
            .bind(tenant.0)
            .bind(&v.key)
            .bind(texts(&v.name))
            .bind(texts(&v.meaning))
            .bind(position as i64)
            .execute(&mut *w.tx)
            .await?;
        }
        record(
            &mut w.tx,
            tenant,
            actor,
            "vision.publish",
            "vision",
            &format!("v{version}"),
            now,
        )
        .await?;
        w.commit().await?;
        Ok((
            version,
            if version == 1 {
                Saved::Created
            } else {
                Saved::NewVersion
            },
        ))
    }

    /// The company's values: those the current version lists in its order, then the
    /// retired ones.
    pub async fn company_values(&self, tenant: TenantId) -> Result<Vec<CompanyValue>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, key, name, meaning, retired_at FROM company_values WHERE tenant_id = $1 \
             ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, position, key",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CompanyValue {
                    id: col(r, "id")?,
                    key: col(r, "key")?,
                    name: json(&col::<String>(r, "name")?, "value")?,
                    meaning: json(&col::<String>(r, "meaning")?, "value")?,
                    retired: col::<Option<i64>>(r, "retired_at")?.is_some(),
                })
            })
            .collect()
    }

    /// Records that `user` read `version`. Only the current version can be acknowledged
    /// (a page read before a newer one was published is refused, so nobody "reads" a text
    /// they were not shown); acknowledging twice keeps the first time.
    pub async fn read_vision(
        &self,
        tenant: TenantId,
        user: UserId,
        version: i64,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        let current: Option<i64> = sqlx::query("SELECT version FROM visions WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_optional(&mut *w.tx)
            .await?
            .map(|r| col(&r, "version"))
            .transpose()?;
        match current {
            None => return Err(StoreError::NotFound),
            Some(c) if version > c || version < 1 => return Err(StoreError::NotFound),
            Some(c) if version < c => {
                return Err(InvalidInput::NewerVersion { current: c }.into());
            }
            Some(_) => {}
        }
        sqlx::query(
            "INSERT INTO vision_reads (user_id, tenant_id, version, read_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, version) DO NOTHING",
        )
        .bind(user.0)
        .bind(tenant.0)
        .bind(version)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// When `user` read `version`, if they did.
    pub async fn vision_read_at(
        &self,
        user: UserId,
        version: i64,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(
            sqlx::query("SELECT read_at FROM vision_reads WHERE user_id = $1 AND version = $2")
                .bind(user.0)
                .bind(version)
                .fetch_optional(self.pool())
                .await?
                .map(|r| col(&r, "read_at"))
                .transpose()?
                .map(from_millis),
        )
    }

    /// Who has read the current version among the active accounts of people who serve
    /// (every role but the auditor) in `scope`, by the unit they work in (their person's,
    /// else the unit they lead). `None` before any publication. Leaders' scopes only.
    pub async fn vision_readers(&self, scope: &Scope) -> Result<Option<Readers>, StoreError> {
        if matches!(scope, Scope::Own { .. }) {
            return Err(StoreError::Forbidden);
        }
        let tenant = scope.tenant();
        let Some(version) = sqlx::query("SELECT version FROM visions WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_optional(self.pool())
            .await?
            .map(|r| col::<i64>(&r, "version"))
            .transpose()?
        else {
            return Ok(None);
        };
        let units = self.list_units(scope).await?;
        let rows = sqlx::query(
            "SELECT s.id, s.email, s.role, p.name AS person_name, \
             COALESCE(p.unit_id, s.scope_unit_id) AS unit_id, r.read_at \
             FROM users s LEFT JOIN people p ON p.id = s.person_id \
             LEFT JOIN vision_reads r ON r.user_id = s.id AND r.version = $2 \
             WHERE s.tenant_id = $1 AND s.active = 1 ORDER BY s.email",
        )
        .bind(tenant.0)
        .bind(version)
        .fetch_all(self.pool())
        .await?;
        let mut groups: Vec<UnitReaders> = units
            .iter()
            .map(|u| UnitReaders {
                unit_id: Some(u.id),
                unit_name: Some(u.name.clone()),
                total: 0,
                read: 0,
                unread: Vec::new(),
            })
            .collect();
        let at: HashMap<UnitId, usize> = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut unplaced = UnitReaders {
            unit_id: None,
            unit_name: None,
            total: 0,
            read: 0,
            unread: Vec::new(),
        };
        for r in &rows {
            let role: String = col(r, "role")?;
            if !Role::parse(&role).is_ok_and(Role::serves) {
                continue;
            }
            let unit = col::<Option<i64>>(r, "unit_id")?.map(UnitId);
            let group = match unit.and_then(|u| at.get(&u)) {
                Some(&i) => &mut groups[i],
                // Accounts with no unit belong to the whole organisation: only a
                // tenant-wide reader sees them.
                None if unit.is_none() && matches!(scope, Scope::Tenant(_)) => &mut unplaced,
                None => continue,
            };
            group.total += 1;
            if col::<Option<i64>>(r, "read_at")?.is_some() {
                group.read += 1;
            } else {
                let email: String = col(r, "email")?;
                group.unread.push(Reader {
                    user_id: UserId(col(r, "id")?),
                    name: col::<Option<String>>(r, "person_name")?.unwrap_or_else(|| email.clone()),
                    email,
                });
            }
        }
        groups.push(unplaced);
        groups.retain(|g| g.total > 0);
        Ok(Some(Readers {
            version,
            total: groups.iter().map(|g| g.total).sum(),
            read: groups.iter().map(|g| g.read).sum(),
            units: groups,
        }))
    }
}

fn vision_from_row(r: &sqlx::any::AnyRow) -> Result<Vision, StoreError> {
    Ok(Vision {
        version: col(r, "version")?,
        definition: json(&col::<String>(r, "definition")?, "vision")?,
        published_at: from_millis(col(r, "published_at")?),
        published_by: col(r, "published_by")?,
    })
}

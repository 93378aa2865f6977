//! Standards, known by their key within the tenant. Saving a standard whose content
//! changed makes a new version (audits, questions and training records keep pointing at
//! the one they used); saving it unchanged writes nothing, so an import can be repeated.

use crate::audit::record;
use crate::store::{col, json};
use crate::{Store, StoreError};
use cumbre_domain::access::AdminGrant;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::decide::import::Lookups;
use cumbre_domain::decide::standard::StandardDefinition;
use cumbre_domain::org::UnitPath;
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId};
use serde::Serialize;
use sqlx::{Any, Transaction};
use time::OffsetDateTime;

/// A standard as it is now, with its history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Standard {
    pub id: i64,
    pub key: String,
    pub touchpoint_id: i64,
    /// It applies to this unit and everything under it.
    pub unit_id: UnitId,
    pub department_id: Option<i64>,
    /// The current version.
    pub version: i64,
    #[schema(value_type = Object)]
    pub definition: StandardDefinition,
    /// Every version, oldest first (the current one last).
    pub versions: Vec<StandardVersion>,
    /// The survey questions that ask customers about it, each with the version it pinned.
    pub questions: Vec<StandardQuestion>,
}

/// A survey question asking about a standard, as one version of its survey asks it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StandardQuestion {
    pub survey_id: i64,
    pub survey_version: i64,
    pub question_key: String,
    /// The standard's version in force when that survey version was written.
    pub standard_version: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StandardVersion {
    pub version: i64,
    #[schema(value_type = Object)]
    pub definition: StandardDefinition,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
}

/// What to save: a checked definition where it applies.
#[derive(Debug, Clone)]
pub struct NewStandard {
    pub key: String,
    pub touchpoint_id: i64,
    /// `None`: the whole organisation (its top unit).
    pub unit_id: Option<UnitId>,
    pub department_id: Option<i64>,
    pub definition: StandardDefinition,
}

impl From<cumbre_domain::decide::import::PlannedStandard> for NewStandard {
    fn from(p: cumbre_domain::decide::import::PlannedStandard) -> Self {
        NewStandard {
            key: p.key,
            touchpoint_id: p.touchpoint_id,
            unit_id: p.unit_id,
            department_id: p.department_id,
            definition: p.definition,
        }
    }
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Saved {
    Created,
    NewVersion,
    Unchanged,
}

impl Store {
    /// The tenant's standards (of one touchpoint, or those that apply at one unit: set
    /// on it or on a unit above it), in key order.
    pub async fn list_standards(
        &self,
        tenant: TenantId,
        touchpoint: Option<i64>,
        at_unit: Option<&UnitPath>,
    ) -> Result<Vec<Standard>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.key, s.touchpoint_id, s.unit_id, s.department_id, s.version, \
             u.path FROM standards s JOIN units u ON u.id = s.unit_id \
             WHERE s.tenant_id = $1 ORDER BY s.key",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        let history = sqlx::query(
            "SELECT v.standard_id, v.version, v.definition, v.created_at, v.created_by \
             FROM standard_versions v JOIN standards s ON s.id = v.standard_id \
             WHERE s.tenant_id = $1 ORDER BY v.standard_id, v.version",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        let asked = sqlx::query(
            "SELECT q.standard_id, v.survey_id, v.version, q.question_key, q.standard_version \
             FROM survey_question_standards q JOIN survey_versions v ON v.id = q.survey_version_id \
             WHERE q.tenant_id = $1 ORDER BY v.survey_id, v.version, q.question_key",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        let mut questions: std::collections::HashMap<i64, Vec<StandardQuestion>> =
            std::collections::HashMap::new();
        for r in &asked {
            questions
                .entry(col(r, "standard_id")?)
                .or_default()
                .push(StandardQuestion {
                    survey_id: col(r, "survey_id")?,
                    survey_version: col(r, "version")?,
                    question_key: col(r, "question_key")?,
                    standard_version: col(r, "standard_version")?,
                });
        }
        let mut versions: std::collections::HashMap<i64, Vec<StandardVersion>> =
            std::collections::HashMap::new();
        for r in &history {
            versions
                .entry(col(r, "standard_id")?)
                .or_default()
                .push(StandardVersion {
                    version: col(r, "version")?,
                    definition: json(&col::<String>(r, "definition")?, "standard")?,
                    created_at: from_millis(col(r, "created_at")?),
                    created_by: col(r, "created_by")?,
                });
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let tp: i64 = col(r, "touchpoint_id")?;
            if touchpoint.is_some_and(|t| t != tp) {
                continue;
            }
            let path = UnitPath::from_stored(&col::<String>(r, "path")?)
                .ok_or_else(|| StoreError::Corrupt("unit path".into()))?;
            if at_unit.is_some_and(|at| !at.is_within(&path)) {
                continue;
            }
            let id: i64 = col(r, "id")?;
            let history = versions.remove(&id).unwrap_or_default();
            let version: i64 = col(r, "version")?;
            let definition = history
                .iter()
                .find(|v| v.version == version)
                .map(|v| v.definition.clone())
                .ok_or_else(|| StoreError::Corrupt(format!("standard {id} version")))?;
            out.push(Standard {
                id,
                key: col(r, "key")?,
                touchpoint_id: tp,
                unit_id: UnitId(col(r, "unit_id")?),
                department_id: col(r, "department_id")?,
                version,
                definition,
                versions: history,
                questions: questions.remove(&id).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Saves `input` under its key: a new standard, a new version of one whose content or
    /// place changed, or nothing when it is as it was. Administrators only.
    pub async fn save_standard(
        &self,
        grant: &AdminGrant,
        input: &NewStandard,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(i64, i64, Saved), StoreError> {
        Ok(self
            .save_standards(grant, std::slice::from_ref(input), actor, now)
            .await?
            .remove(0))
    }

    /// Saves every standard of `inputs` in one transaction: all or none.
    pub async fn save_standards(
        &self,
        grant: &AdminGrant,
        inputs: &[NewStandard],
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<(i64, i64, Saved)>, StoreError> {
        // Where a standard without a unit applies: read once (the top unit never moves).
        let top = self.root_unit(grant.tenant()).await?.map(|u| u.id);
        let mut w = self.begin_quiet_write().await?;
        let mut saved = Vec::with_capacity(inputs.len());
        for input in inputs {
            saved.push(save_in(&mut w.tx, grant.tenant(), top, input, actor, now).await?);
        }
        w.commit().await?;
        Ok(saved)
    }

    /// What an import may name: units by code, touchpoints by id or name, departments by
    /// name.
    pub async fn standard_lookups(&self, tenant: TenantId) -> Result<Lookups, StoreError> {
        let found = self.response_lookups(tenant).await?;
        let mut l = Lookups {
            units: found.units,
            touchpoints: found.touchpoints,
            departments: Default::default(),
        };
        for r in sqlx::query("SELECT id, name FROM departments WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_all(self.pool())
            .await?
        {
            l.departments.insert(
                cumbre_domain::text::fold(&col::<String>(&r, "name")?),
                col(&r, "id")?,
            );
        }
        Ok(l)
    }
}

async fn save_in(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    top: Option<UnitId>,
    input: &NewStandard,
    actor: &str,
    now: OffsetDateTime,
) -> Result<(i64, i64, Saved), StoreError> {
    let found = |field: Field, value: i64| InvalidInput::UnknownReference {
        field,
        value: value.to_string(),
    };
    if sqlx::query("SELECT id FROM touchpoints WHERE id = $1 AND tenant_id = $2")
        .bind(input.touchpoint_id)
        .bind(tenant.0)
        .fetch_optional(&mut **tx)
        .await?
        .is_none()
    {
        return Err(found(Field::Touchpoint, input.touchpoint_id).into());
    }
    let unit = match input.unit_id {
        Some(u) => sqlx::query("SELECT id FROM units WHERE id = $1 AND tenant_id = $2")
            .bind(u.0)
            .bind(tenant.0)
            .fetch_optional(&mut **tx)
            .await?
            .map(|_| u)
            .ok_or_else(|| found(Field::Unit, u.0))?,
        None => top.ok_or(InvalidInput::Required(Field::Unit))?,
    };
    if let Some(d) = input.department_id
        && sqlx::query("SELECT id FROM departments WHERE id = $1 AND tenant_id = $2")
            .bind(d)
            .bind(tenant.0)
            .fetch_optional(&mut **tx)
            .await?
            .is_none()
    {
        return Err(found(Field::Department, d).into());
    }
    let definition = serde_json::to_string(&input.definition)
        .map_err(|e| StoreError::Corrupt(format!("standard: {e}")))?;
    let existing = sqlx::query(
        "SELECT s.id, s.version, s.touchpoint_id, s.unit_id, s.department_id, v.definition \
         FROM standards s JOIN standard_versions v \
         ON v.standard_id = s.id AND v.version = s.version \
         WHERE s.tenant_id = $1 AND s.key = $2",
    )
    .bind(tenant.0)
    .bind(&input.key)
    .fetch_optional(&mut **tx)
    .await?;
    let (id, version, saved) = match existing {
        None => {
            let row = sqlx::query(
                "INSERT INTO standards (tenant_id, key, touchpoint_id, unit_id, department_id, \
                 version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6) \
                 RETURNING id",
            )
            .bind(tenant.0)
            .bind(&input.key)
            .bind(input.touchpoint_id)
            .bind(unit.0)
            .bind(input.department_id)
            .bind(to_millis(now))
            .fetch_one(&mut **tx)
            .await?;
            (col::<i64>(&row, "id")?, 1, Saved::Created)
        }
        Some(row) => {
            let id: i64 = col(&row, "id")?;
            let stored: StandardDefinition = json(&col::<String>(&row, "definition")?, "standard")?;
            let same = stored == input.definition
                && col::<i64>(&row, "touchpoint_id")? == input.touchpoint_id
                && col::<i64>(&row, "unit_id")? == unit.0
                && col::<Option<i64>>(&row, "department_id")? == input.department_id;
            if same {
                return Ok((id, col(&row, "version")?, Saved::Unchanged));
            }
            // The version is read and raised under the write lock (SQLite) or the
            // row's lock (PostgreSQL): two saves never make the same version.
            let row = sqlx::query(
                "UPDATE standards SET version = version + 1, touchpoint_id = $3, \
                 unit_id = $4, department_id = $5, updated_at = $6 \
                 WHERE id = $1 AND tenant_id = $2 RETURNING version",
            )
            .bind(id)
            .bind(tenant.0)
            .bind(input.touchpoint_id)
            .bind(unit.0)
            .bind(input.department_id)
            .bind(to_millis(now))
            .fetch_one(&mut **tx)
            .await?;
            (id, col::<i64>(&row, "version")?, Saved::NewVersion)
        }
    };
    sqlx::query(
        "INSERT INTO standard_versions (standard_id, version, definition, created_at, \
         created_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(version)
    .bind(&definition)
    .bind(to_millis(now))
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    record(
        tx,
        tenant,
        actor,
        "standard.save",
        &input.key,
        &format!("{} v{version}", input.definition.name),
        now,
    )
    .await?;
    Ok((id, version, saved))
}

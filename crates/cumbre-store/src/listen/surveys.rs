//! Surveys: a name, an owner unit, a status and numbered versions of the definition.
//! Editing a draft changes it in place; editing a published or closed survey makes a new
//! version, and responses keep pointing at the version they answered.

use crate::audit::record;
use crate::sql::Sql;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::to_millis;
use cumbre_domain::listen::{SurveyDefinition, SurveyStatus};
use cumbre_domain::org::UnitPath;
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveySummary {
    pub id: i64,
    pub name: String,
    pub status: SurveyStatus,
    pub owner_unit_id: UnitId,
    pub owner_unit_name: String,
    pub version: i64,
    /// Whether the caller may edit it (its owner unit is in their subtree).
    pub editable: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Survey {
    #[serde(flatten)]
    pub summary: SurveySummary,
    #[serde(skip)]
    pub tenant: TenantId,
    #[serde(skip)]
    pub version_id: i64,
    /// Shared: the read cache hands out copies of a survey on every submission.
    pub definition: std::sync::Arc<SurveyDefinition>,
    #[serde(skip)]
    pub owner_path: UnitPath,
}

const SELECT: &str = "SELECT s.id, s.tenant_id, s.name, s.status, s.owner_unit_id, o.name AS owner_name, o.path AS owner_path, \
    v.id AS version_id, v.version, v.definition \
    FROM surveys s JOIN units o ON o.id = s.owner_unit_id JOIN survey_versions v ON v.id = s.current_version_id WHERE 1 = 1";

/// Surveys a scope sees: those owned in its subtree and those owned above it (a
/// company-wide survey applies to every hotel). Employees and auditors see none.
fn push_survey_scope(sql: &mut Sql, scope: &Scope) {
    sql.push(" AND s.tenant_id = ").int(scope.tenant().0);
    match scope {
        Scope::Tenant(_) => {}
        Scope::Subtree { path, .. } => {
            sql.push(" AND (o.path LIKE ")
                .text(path.subtree_pattern())
                .push(" OR ")
                .text(path.as_str())
                .push(" LIKE (o.path || '%'))");
        }
        Scope::Own { .. } => {
            sql.push(" AND 1 = 0");
        }
    }
}

/// Whether the scope may change things owned by the unit at `owner`.
pub(crate) fn designs(scope: &Scope, owner: &UnitPath) -> bool {
    match scope {
        Scope::Tenant(_) => true,
        Scope::Subtree { path, .. } => owner.is_within(path),
        Scope::Own { .. } => false,
    }
}

/// A survey's status and its current version, read from a row that joined them: the
/// version's id and definition, parsed unless kept (a draft's definition changes in place,
/// a published or closed version's never does).
pub(crate) fn current_version(
    cache: &crate::cache::ReadCache,
    r: &AnyRow,
    status_column: &str,
    version_column: &str,
) -> Result<(SurveyStatus, i64, std::sync::Arc<SurveyDefinition>), StoreError> {
    let status: String = col(r, status_column)?;
    let status = SurveyStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?;
    let version_id: i64 = col(r, version_column)?;
    if status != SurveyStatus::Draft
        && let Some(d) = cache.definitions.get(0, &version_id)
    {
        return Ok((status, version_id, d));
    }
    let text: String = col(r, "definition")?;
    let parsed: std::sync::Arc<SurveyDefinition> = crate::store::json(&text, "definition")?;
    if status != SurveyStatus::Draft {
        cache.definitions.put(0, version_id, parsed.clone());
    }
    Ok((status, version_id, parsed))
}

fn survey_from_row(
    r: &AnyRow,
    scope: &Scope,
    cache: &crate::cache::ReadCache,
) -> Result<Survey, StoreError> {
    let (status, version_id, definition) = current_version(cache, r, "status", "version_id")?;
    let owner_path: String = col(r, "owner_path")?;
    let owner_path = UnitPath::from_stored(&owner_path)
        .ok_or_else(|| StoreError::Corrupt("owner path".into()))?;
    Ok(Survey {
        summary: SurveySummary {
            id: col(r, "id")?,
            name: col(r, "name")?,
            status,
            owner_unit_id: UnitId(col(r, "owner_unit_id")?),
            owner_unit_name: col(r, "owner_name")?,
            version: col(r, "version")?,
            editable: designs(scope, &owner_path),
        },
        tenant: TenantId(col(r, "tenant_id")?),
        version_id,
        definition,
        owner_path,
    })
}

/// `survey` as `scope` sees it: the same rule as `push_survey_scope`, applied in memory.
fn visible_survey(scope: &Scope, mut survey: Survey) -> Result<Survey, StoreError> {
    let visible = match scope {
        Scope::Tenant(t) => *t == survey.tenant,
        Scope::Subtree { path, .. } => {
            survey.owner_path.is_within(path) || path.is_within(&survey.owner_path)
        }
        Scope::Own { .. } => false,
    };
    if !visible {
        return Err(StoreError::NotFound);
    }
    survey.summary.editable = designs(scope, &survey.owner_path);
    Ok(survey)
}

async fn owner_path(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    unit: UnitId,
) -> Result<UnitPath, StoreError> {
    crate::org::units::unit_path(tx, tenant, unit)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => InvalidInput::UnknownReference {
                field: Field::Unit,
                value: unit.to_string(),
            }
            .into(),
            other => other,
        })
}

impl Store {
    pub async fn list_surveys(&self, scope: &Scope) -> Result<Vec<SurveySummary>, StoreError> {
        let mut sql = Sql::new(SELECT);
        push_survey_scope(&mut sql, scope);
        sql.push(" ORDER BY s.name, s.id");
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| survey_from_row(r, scope, &self.cache).map(|s| s.summary))
            .collect()
    }

    /// [`Store::get_survey`] as of `epoch` (a request's): from the cache when it was read
    /// under that epoch; `None` reads it fresh.
    pub async fn get_survey_at(
        &self,
        scope: &Scope,
        id: i64,
        epoch: Option<crate::Epoch>,
    ) -> Result<Survey, StoreError> {
        let Some(epoch) = epoch else {
            return self.get_survey(scope, id).await;
        };
        let tenant = Scope::Tenant(scope.tenant());
        let survey = self
            .cache
            .surveys
            .read_through(epoch.0, (scope.tenant().0, id), || {
                self.get_survey(&tenant, id)
            })
            .await?;
        visible_survey(scope, survey)
    }

    pub async fn get_survey(&self, scope: &Scope, id: i64) -> Result<Survey, StoreError> {
        let tenant = scope.tenant();
        let mut sql = Sql::new(SELECT);
        sql.push(" AND s.id = ")
            .int(id)
            .push(" AND s.tenant_id = ")
            .int(tenant.0);
        let row = sql
            .query()?
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let survey = survey_from_row(&row, &Scope::Tenant(tenant), &self.cache)?;
        visible_survey(scope, survey)
    }

    /// A new draft owned by `owner` (a unit the caller designs for).
    pub async fn create_survey(
        &self,
        scope: &Scope,
        owner: UnitId,
        name: &str,
        definition: &SurveyDefinition,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let tenant = scope.tenant();
        let name = cumbre_domain::input::required_text(name, Field::Name, 120)?;
        let mut w = self.begin_write().await?;
        let path = owner_path(&mut w.tx, tenant, owner).await?;
        if !designs(scope, &path) {
            return Err(StoreError::Forbidden);
        }
        let row = sqlx::query(
            "INSERT INTO surveys (tenant_id, owner_unit_id, name, status, created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING id",
        )
        .bind(tenant.0)
        .bind(owner.0)
        .bind(&name)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        let version = insert_version(&mut w.tx, tenant, id, 1, definition, now).await?;
        sqlx::query("UPDATE surveys SET current_version_id = $1 WHERE id = $2")
            .bind(version)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        record(
            &mut w.tx,
            tenant,
            actor,
            "survey.create",
            &format!("survey:{id}"),
            &name,
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Saves a new definition; returns the version number now current.
    pub async fn save_survey_definition(
        &self,
        scope: &Scope,
        id: i64,
        definition: &SurveyDefinition,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let current = self.get_survey(scope, id).await?;
        if !current.summary.editable {
            return Err(StoreError::Forbidden);
        }
        let tenant = scope.tenant();
        let mut w = self.begin_write().await?;
        // Read again under the write: another server may have published the survey (or
        // saved a version) since the read above, and a published version never changes.
        let row = sqlx::query(
            "SELECT s.status, s.current_version_id, v.version FROM surveys s \
             JOIN survey_versions v ON v.id = s.current_version_id WHERE s.id = $1 AND s.tenant_id = $2",
        )
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let status: String = col(&row, "status")?;
        let (version_id, version): (i64, i64) =
            (col(&row, "current_version_id")?, col(&row, "version")?);
        let version = if status == SurveyStatus::Draft.code() {
            sqlx::query(
                "UPDATE survey_versions SET definition = $1, created_at = $2 WHERE id = $3",
            )
            .bind(definition.to_json())
            .bind(to_millis(now))
            .bind(version_id)
            .execute(&mut *w.tx)
            .await?;
            pin_standards(&mut w.tx, tenant, version_id, definition).await?;
            version
        } else {
            let number = version + 1;
            let vid = insert_version(&mut w.tx, tenant, id, number, definition, now).await?;
            sqlx::query(
                "UPDATE surveys SET current_version_id = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(vid)
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
            number
        };
        record(
            &mut w.tx,
            tenant,
            actor,
            "survey.edit",
            &format!("survey:{id}"),
            &format!("version {version}"),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(version)
    }

    /// Moves a survey through draft → published → closed (and closed → published to reopen).
    pub async fn set_survey_status(
        &self,
        scope: &Scope,
        id: i64,
        to: SurveyStatus,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let current = self.get_survey(scope, id).await?;
        if !current.summary.editable {
            return Err(StoreError::Forbidden);
        }
        use SurveyStatus::*;
        let allowed = matches!(
            (current.summary.status, to),
            (Draft, Published) | (Published, Closed) | (Closed, Published)
        );
        if !allowed {
            return Err(InvalidInput::StatusChange {
                what: Field::Survey,
                from: current.summary.status.code(),
                to: to.code(),
            }
            .into());
        }
        let mut w = self.begin_write().await?;
        // Only from the status read: a concurrent change (another server) wins, this one
        // is refused rather than applied over it.
        let changed = sqlx::query(
            "UPDATE surveys SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(to.code())
        .bind(to_millis(now))
        .bind(id)
        .bind(current.summary.status.code())
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(InvalidInput::StatusChange {
                what: Field::Survey,
                from: current.summary.status.code(),
                to: to.code(),
            }
            .into());
        }
        if current.summary.status == Draft {
            // The standards its questions ask about are pinned as they are in force when it
            // goes out; the definition is read under the write (a save may have just landed).
            let row = sqlx::query(
                "SELECT v.id, v.definition FROM surveys s JOIN survey_versions v \
                 ON v.id = s.current_version_id WHERE s.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
            let definition: SurveyDefinition =
                crate::store::json(&col::<String>(&row, "definition")?, "definition")?;
            pin_standards(&mut w.tx, scope.tenant(), col(&row, "id")?, &definition).await?;
        }
        record(
            &mut w.tx,
            scope.tenant(),
            actor,
            "survey.status",
            &format!("survey:{id}"),
            to.code(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Every published or saved version of a survey the scope sees, newest first:
    /// (version id, version number, definition). An export of one survey has a column
    /// for each question any of them asked.
    pub async fn survey_versions(
        &self,
        scope: &Scope,
        survey: i64,
    ) -> Result<Vec<(i64, i64, SurveyDefinition)>, StoreError> {
        self.get_survey(scope, survey).await?;
        let rows = sqlx::query(
            "SELECT id, version, definition FROM survey_versions WHERE survey_id = $1 AND tenant_id = $2 ORDER BY version DESC",
        )
        .bind(survey)
        .bind(scope.tenant().0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let def: String = col(row, "definition")?;
                Ok((
                    col(row, "id")?,
                    col(row, "version")?,
                    crate::store::json(&def, "definition")?,
                ))
            })
            .collect()
    }

    /// The definition of one version, for showing old responses as they were asked.
    pub async fn survey_version(
        &self,
        tenant: TenantId,
        version_id: i64,
    ) -> Result<(i64, SurveyDefinition), StoreError> {
        let row = sqlx::query(
            "SELECT version, definition FROM survey_versions WHERE id = $1 AND tenant_id = $2",
        )
        .bind(version_id)
        .bind(tenant.0)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let def: String = col(&row, "definition")?;
        Ok((
            col(&row, "version")?,
            crate::store::json(&def, "definition")?,
        ))
    }
}

async fn insert_version(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    survey: i64,
    number: i64,
    definition: &SurveyDefinition,
    now: OffsetDateTime,
) -> Result<i64, StoreError> {
    let row = sqlx::query("INSERT INTO survey_versions (tenant_id, survey_id, version, definition, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(tenant.0)
        .bind(survey)
        .bind(number)
        .bind(definition.to_json())
        .bind(to_millis(now))
        .fetch_one(&mut **tx)
        .await?;
    let id = col(&row, "id")?;
    pin_standards(tx, tenant, id, definition).await?;
    Ok(id)
}

/// Records, for the version `version_id`, the standard version each of its questions asks
/// about (the one in force now) and the answers that count as met; a key the tenant has
/// no standard for is refused. Written again whenever the version's definition is.
async fn pin_standards(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    version_id: i64,
    definition: &SurveyDefinition,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM survey_question_standards WHERE survey_version_id = $1")
        .bind(version_id)
        .execute(&mut **tx)
        .await?;
    for q in &definition.questions {
        let (Some(key), Some((lo, hi))) = (&q.standard, q.kind.favourable()) else {
            continue;
        };
        let row =
            sqlx::query("SELECT id, version FROM standards WHERE tenant_id = $1 AND key = $2")
                .bind(tenant.0)
                .bind(key)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or_else(|| InvalidInput::UnknownReference {
                    field: Field::Standard,
                    value: key.clone(),
                })?;
        sqlx::query(
            "INSERT INTO survey_question_standards (survey_version_id, question_key, tenant_id, \
             standard_id, standard_version, favourable_from, favourable_to) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(version_id)
        .bind(&q.key)
        .bind(tenant.0)
        .bind(col::<i64>(&row, "id")?)
        .bind(col::<i64>(&row, "version")?)
        .bind(lo)
        .bind(hi)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

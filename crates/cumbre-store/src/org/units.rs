//! Organisation units: a tree of any depth kept as a materialised path.

use crate::audit::record;
use crate::sql::Sql;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::clock::to_millis;
use cumbre_domain::org::{UnitCode, UnitKind, UnitName, UnitPath};
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: UnitId,
    #[serde(skip)]
    pub tenant: TenantId,
    pub code: Option<String>,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<UnitId>,
    #[serde(skip)]
    pub path: UnitPath,
    /// Distance from the top unit (0 for the company).
    pub depth: usize,
}

/// The checked fields of a unit form or API body.
#[derive(Debug, Clone)]
pub struct UnitInput {
    pub name: UnitName,
    pub kind: UnitKind,
    pub code: Option<UnitCode>,
}

const COLUMNS: &str = "u.id, u.tenant_id, u.code, u.name, u.kind, u.parent_id, u.path";

pub(crate) fn unit_from_row(r: &AnyRow) -> Result<Unit, StoreError> {
    let path_text: String = col(r, "path")?;
    let path = UnitPath::from_stored(&path_text)
        .ok_or_else(|| StoreError::Corrupt(format!("unit path {path_text}")))?;
    let kind_text: String = col(r, "kind")?;
    Ok(Unit {
        id: UnitId(col(r, "id")?),
        tenant: TenantId(col(r, "tenant_id")?),
        code: col(r, "code")?,
        name: col(r, "name")?,
        kind: UnitKind::parse(&kind_text)
            .map_err(|_| StoreError::Corrupt(format!("unit kind {kind_text}")))?,
        parent_id: col::<Option<i64>>(r, "parent_id")?.map(UnitId),
        depth: path.depth() - 1,
        path,
    })
}

/// Appends `AND <the units the scope sees>` for the units table aliased `alias`.
pub(crate) fn push_unit_scope(sql: &mut Sql, scope: &Scope, alias: &str) {
    sql.push(&format!(" AND {alias}.tenant_id = "))
        .int(scope.tenant().0);
    match scope {
        Scope::Tenant(_) => {}
        Scope::Subtree { path, .. } => {
            sql.push(&format!(" AND {alias}.path LIKE "))
                .text(path.subtree_pattern());
        }
        Scope::Own { unit, .. } => {
            sql.push(&format!(" AND {alias}.id = "))
                .int(unit.map_or(-1, |u| u.0));
        }
    }
}

impl Store {
    /// Every unit the scope sees, parents before children.
    pub async fn list_units(&self, scope: &Scope) -> Result<Vec<Unit>, StoreError> {
        let key = (
            scope.tenant().0,
            match scope {
                Scope::Tenant(_) => 0,
                Scope::Subtree { root, .. } => root.0,
                Scope::Own { unit, .. } => -1 - unit.map_or(0, |u| u.0),
            },
        );
        let epoch = crate::store::cache_epoch(self.pool()).await?;
        let units = self
            .cache
            .unit_lists
            .read_through(epoch, key, || async {
                let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM units u WHERE 1 = 1"));
                push_unit_scope(&mut sql, scope, "u");
                sql.push(" ORDER BY u.path");
                let rows = sql.query()?.fetch_all(self.pool()).await?;
                let mut units: Vec<Unit> = rows
                    .iter()
                    .map(unit_from_row)
                    .collect::<Result<_, StoreError>>()?;
                sort_as_tree(&mut units);
                Ok::<_, StoreError>(std::sync::Arc::new(units))
            })
            .await?;
        Ok(units.as_ref().clone())
    }

    /// [`Store::get_unit`] as of `epoch` (a request's): from the cache when it was read
    /// under that epoch; `None` reads it fresh.
    pub async fn get_unit_at(
        &self,
        scope: &Scope,
        id: UnitId,
        epoch: Option<crate::Epoch>,
    ) -> Result<Unit, StoreError> {
        let Some(epoch) = epoch else {
            return self.get_unit(scope, id).await;
        };
        let tenant = Scope::Tenant(scope.tenant());
        let unit = self
            .cache
            .units
            .read_through(epoch.0, id.0, || self.get_unit(&tenant, id))
            .await?;
        if scope.sees_unit(unit.tenant, unit.id, &unit.path) {
            Ok(unit)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// One unit, or `NotFound` when it does not exist or is outside the scope.
    pub async fn get_unit(&self, scope: &Scope, id: UnitId) -> Result<Unit, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM units u WHERE u.id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let unit = unit_from_row(&row)?;
        // The same rule as `push_unit_scope`, applied in memory.
        if scope.sees_unit(unit.tenant, unit.id, &unit.path) {
            Ok(unit)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// The top unit of a tenant, if any.
    pub async fn root_unit(&self, tenant: TenantId) -> Result<Option<Unit>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM units u WHERE u.tenant_id = $1 AND u.parent_id IS NULL"
        ))
        .bind(tenant.0)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    /// Creates a unit under `parent`; without a parent it becomes the top unit, of which
    /// a tenant has exactly one.
    pub async fn create_unit(
        &self,
        grant: &AdminGrant,
        input: &UnitInput,
        parent: Option<UnitId>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitId, StoreError> {
        let mut w = self.begin_write().await?;
        let id = insert_unit(&mut w.tx, grant.tenant(), input, parent, now).await?;
        record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "unit.create",
            &format!("unit:{id}"),
            input.name.as_str(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Renames or re-codes a unit.
    pub async fn update_unit(
        &self,
        grant: &AdminGrant,
        id: UnitId,
        input: &UnitInput,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        update_unit_fields(&mut w.tx, grant.tenant(), id, input, now).await?;
        record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "unit.update",
            &format!("unit:{id}"),
            input.name.as_str(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Moves a unit (with its whole subtree) under `new_parent`.
    pub async fn move_unit(
        &self,
        grant: &AdminGrant,
        id: UnitId,
        new_parent: UnitId,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        move_unit_tx(&mut w.tx, grant.tenant(), id, new_parent, now).await?;
        record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "unit.move",
            &format!("unit:{id}"),
            &format!("parent:{new_parent}"),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

/// Orders units depth-first with siblings by name, the order a tree is read in.
fn sort_as_tree(units: &mut Vec<Unit>) {
    use std::collections::HashMap;
    let mut children: HashMap<Option<UnitId>, Vec<usize>> = HashMap::new();
    let ids: std::collections::HashSet<UnitId> = units.iter().map(|u| u.id).collect();
    for (i, u) in units.iter().enumerate() {
        // A unit whose parent is not visible is a root of what this scope sees.
        let parent = u.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(i);
    }
    for list in children.values_mut() {
        list.sort_by(|&a, &b| {
            units[a]
                .name
                .to_lowercase()
                .cmp(&units[b].name.to_lowercase())
        });
    }
    let mut order = Vec::with_capacity(units.len());
    let mut stack: Vec<usize> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(i) = stack.pop() {
        order.push(i);
        if let Some(kids) = children.get(&Some(units[i].id)) {
            stack.extend(kids.iter().rev());
        }
    }
    let mut taken: Vec<Option<Unit>> = std::mem::take(units).into_iter().map(Some).collect();
    *units = order.into_iter().filter_map(|i| taken[i].take()).collect();
}

pub(crate) async fn unit_path(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    id: UnitId,
) -> Result<UnitPath, StoreError> {
    let row = sqlx::query("SELECT path FROM units WHERE id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let text: String = col(&row, "path")?;
    UnitPath::from_stored(&text).ok_or_else(|| StoreError::Corrupt(format!("unit path {text}")))
}

fn code_taken(input: &UnitInput) -> InvalidInput {
    InvalidInput::Duplicate {
        field: Field::Key,
        value: input
            .code
            .as_ref()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
    }
}

pub(crate) async fn insert_unit(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    input: &UnitInput,
    parent: Option<UnitId>,
    now: OffsetDateTime,
) -> Result<UnitId, StoreError> {
    let parent_path = match parent {
        Some(p) => Some(unit_path(tx, tenant, p).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(InvalidInput::UnknownReference {
                field: Field::Parent,
                value: p.to_string(),
            }),
            other => other,
        })?),
        None => {
            let roots =
                sqlx::query("SELECT id FROM units WHERE tenant_id = $1 AND parent_id IS NULL")
                    .bind(tenant.0)
                    .fetch_optional(&mut **tx)
                    .await?;
            if roots.is_some() {
                return Err(InvalidInput::SecondRoot.into());
            }
            None
        }
    };
    // The path needs the id, so insert with a placeholder path and set it in the same tx.
    let row = sqlx::query(
        "INSERT INTO units (tenant_id, code, name, kind, parent_id, path, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, '/', $6, $6) RETURNING id",
    )
    .bind(tenant.0)
    .bind(input.code.as_ref().map(|c| c.as_str().to_owned()))
    .bind(input.name.as_str())
    .bind(input.kind.code())
    .bind(parent.map(|p| p.0))
    .bind(to_millis(now))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::unique_or(e, code_taken(input)))?;
    let id = UnitId(col(&row, "id")?);
    let path = match parent_path {
        Some(pp) => pp.child(id),
        None => UnitPath::root(id),
    };
    sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
        .bind(path.as_str())
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

pub(crate) async fn update_unit_fields(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    id: UnitId,
    input: &UnitInput,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE units SET name = $1, kind = $2, code = $3, updated_at = $4 WHERE id = $5 AND tenant_id = $6")
        .bind(input.name.as_str())
        .bind(input.kind.code())
        .bind(input.code.as_ref().map(|c| c.as_str().to_owned()))
        .bind(to_millis(now))
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::unique_or(e, code_taken(input)))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn move_unit_tx(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    id: UnitId,
    new_parent: UnitId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let old = unit_path(tx, tenant, id).await?;
    if old.depth() == 1 {
        return Err(InvalidInput::MoveRoot.into());
    }
    let parent_path = unit_path(tx, tenant, new_parent)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(InvalidInput::UnknownReference {
                field: Field::Parent,
                value: new_parent.to_string(),
            }),
            other => other,
        })?;
    old.check_move_under(&parent_path)?;
    let new = parent_path.child(id);
    if new == old {
        return Ok(());
    }
    // Rewrite the prefix of the unit and every descendant in one statement.
    let keep_from = i64::try_from(old.as_str().len() + 1)
        .map_err(|_| StoreError::Corrupt("path length".into()))?;
    sqlx::query(
        "UPDATE units SET path = $1 || SUBSTR(path, CAST($2 AS INTEGER)), updated_at = $3 \
         WHERE tenant_id = $4 AND path LIKE $5",
    )
    .bind(new.as_str())
    .bind(keep_from)
    .bind(to_millis(now))
    .bind(tenant.0)
    .bind(old.subtree_pattern())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE units SET parent_id = $1 WHERE id = $2")
        .bind(new_parent.0)
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    crate::improve::rollups::move_subtree(tx, tenant, id, &old, &new).await?;
    Ok(())
}

//! People (colaboradores): who works where, in which department, reporting to whom.

use crate::audit::record;
use crate::org::departments::ensure_department;
use crate::sql::Sql;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::clock::to_millis;
use cumbre_domain::org::{Email, EmployeeNumber, HireDate, JobTitle, PersonName};
use cumbre_domain::text::fold;
use cumbre_domain::{DepartmentId, Field, InvalidInput, PersonId, TenantId, UnitId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: PersonId,
    pub employee_number: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub department_id: Option<DepartmentId>,
    pub department: Option<String>,
    pub manager_id: Option<PersonId>,
    pub manager_name: Option<String>,
    pub job_title: Option<String>,
    /// `YYYY-MM-DD`.
    pub hire_date: Option<String>,
    pub active: bool,
}

/// The checked fields of a person form, API body or import line.
#[derive(Debug, Clone)]
pub struct PersonInput {
    pub name: PersonName,
    pub employee_number: Option<EmployeeNumber>,
    pub email: Option<Email>,
    pub unit: UnitId,
    /// Department by name; created when new.
    pub department: Option<String>,
    pub manager: Option<PersonId>,
    pub job_title: Option<JobTitle>,
    pub hire_date: Option<HireDate>,
}

#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    /// Matches name, e-mail, job title or employee number, ignoring case and accents.
    pub query: Option<String>,
    /// Only people in this unit's subtree.
    pub unit: Option<UnitId>,
    pub include_inactive: bool,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeoplePage {
    pub people: Vec<Person>,
    pub total: i64,
}

const FROM: &str = "FROM people p JOIN units u ON u.id = p.unit_id \
    LEFT JOIN departments d ON d.id = p.department_id \
    LEFT JOIN people m ON m.id = p.manager_id WHERE 1 = 1";
const COUNT_FROM: &str = "FROM people p JOIN units u ON u.id = p.unit_id WHERE 1 = 1";
const COLUMNS: &str = "p.id, p.employee_number, p.name, p.email, p.unit_id, u.name AS unit_name, \
    p.department_id, d.name AS department, p.manager_id, m.name AS manager_name, p.job_title, \
    p.hire_date, p.active";

fn person_from_row(r: &AnyRow) -> Result<Person, StoreError> {
    Ok(Person {
        id: PersonId(col(r, "id")?),
        employee_number: col(r, "employee_number")?,
        name: col(r, "name")?,
        email: col(r, "email")?,
        unit_id: UnitId(col(r, "unit_id")?),
        unit_name: col(r, "unit_name")?,
        department_id: col::<Option<i64>>(r, "department_id")?.map(DepartmentId),
        department: col(r, "department")?,
        manager_id: col::<Option<i64>>(r, "manager_id")?.map(PersonId),
        manager_name: col(r, "manager_name")?,
        job_title: col(r, "job_title")?,
        hire_date: col(r, "hire_date")?,
        active: col::<i64>(r, "active")? != 0,
    })
}

/// Appends `AND <the people the scope sees>`; `p` is people, `u` their unit.
fn push_person_scope(sql: &mut Sql, scope: &Scope) {
    sql.push(" AND p.tenant_id = ").int(scope.tenant().0);
    match scope {
        Scope::Tenant(_) => {}
        Scope::Subtree { path, .. } => {
            sql.push(" AND u.path LIKE ").text(path.subtree_pattern());
        }
        Scope::Own { person, .. } => {
            sql.push(" AND p.id = ").int(person.map_or(-1, |p| p.0));
        }
    }
}

pub(crate) fn search_key(input: &PersonInput) -> String {
    let parts = [
        Some(input.name.as_str()),
        input.email.as_ref().map(Email::as_str),
        input.job_title.as_ref().map(JobTitle::as_str),
        input.employee_number.as_ref().map(EmployeeNumber::as_str),
    ];
    fold(&parts.into_iter().flatten().collect::<Vec<_>>().join(" "))
}

impl Store {
    /// A page of the people the scope sees, by name.
    pub async fn list_people(
        &self,
        scope: &Scope,
        filter: &PeopleFilter,
    ) -> Result<PeoplePage, StoreError> {
        // Build the same WHERE for the count and the page.
        let build = |select: &str| -> Result<Sql, StoreError> {
            let mut sql = Sql::new(&format!("SELECT {select} {FROM}"));
            push_person_scope(&mut sql, scope);
            if !filter.include_inactive {
                sql.push(" AND p.active = 1");
            }
            sql.words("p.search_key", filter.query.as_deref());
            Ok(sql)
        };
        let mut count = build("COUNT(*) AS n")?;
        // The count needs only people and units; the other joins are for display.
        let _ = count.replace_from(FROM, COUNT_FROM);
        let mut page = build(COLUMNS)?;
        if let Some(unit) = filter.unit {
            let unit = self.get_unit(scope, unit).await.map_err(|e| match e {
                StoreError::NotFound => InvalidInput::UnknownReference {
                    field: Field::Unit,
                    value: unit.to_string(),
                }
                .into(),
                other => other,
            });
            // Outside the scope, a unit filter matches nobody rather than erroring.
            let pattern = unit
                .map(|u| u.path.subtree_pattern())
                .unwrap_or_else(|_| "-".into());
            count.push(" AND u.path LIKE ").text(pattern.clone());
            page.push(" AND u.path LIKE ").text(pattern);
        }
        page.push(" ORDER BY p.name, p.id LIMIT ")
            .int(filter.limit.clamp(1, 500))
            .push(" OFFSET ")
            .int(filter.offset.max(0));
        let total: i64 = col(&count.query()?.fetch_one(self.pool()).await?, "n")?;
        let rows = page.query()?.fetch_all(self.pool()).await?;
        Ok(PeoplePage {
            people: rows.iter().map(person_from_row).collect::<Result<_, _>>()?,
            total,
        })
    }

    /// One person, or `NotFound` when they do not exist or are outside the scope.
    pub async fn get_person(&self, scope: &Scope, id: PersonId) -> Result<Person, StoreError> {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} {FROM} AND p.id = "));
        sql.int(id.0);
        push_person_scope(&mut sql, scope);
        let row = sql
            .query()?
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        person_from_row(&row)
    }

    pub async fn create_person(
        &self,
        grant: &AdminGrant,
        input: &PersonInput,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let mut w = self.begin_write().await?;
        let id = insert_person(&mut w.tx, grant.tenant(), input, now).await?;
        record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "person.create",
            &format!("person:{id}"),
            input.name.as_str(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    pub async fn update_person(
        &self,
        grant: &AdminGrant,
        id: PersonId,
        input: &PersonInput,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        update_person_tx(&mut w.tx, grant.tenant(), id, input, now).await?;
        record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "person.update",
            &format!("person:{id}"),
            input.name.as_str(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Finds a person of the tenant by employee number or e-mail, as typed by an administrator.
    pub async fn find_person(
        &self,
        grant: &AdminGrant,
        reference: &str,
    ) -> Result<Option<PersonId>, StoreError> {
        let reference = reference.trim();
        let row = sqlx::query(
            "SELECT id FROM people WHERE tenant_id = $1 AND (employee_number = $2 OR email = $3) ORDER BY id LIMIT 1",
        )
        .bind(grant.tenant().0)
        .bind(reference)
        .bind(reference.to_lowercase())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| col(&r, "id").map(PersonId)).transpose()
    }

    /// Deactivates (or reactivates) a person; their history stays.
    pub async fn set_person_active(
        &self,
        grant: &AdminGrant,
        id: PersonId,
        active: bool,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE people SET active = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4",
        )
        .bind(i64::from(active))
        .bind(to_millis(now))
        .bind(id.0)
        .bind(grant.tenant().0)
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let action = if active {
            "person.activate"
        } else {
            "person.deactivate"
        };
        record(
            &mut w.tx,
            grant.tenant(),
            actor,
            action,
            &format!("person:{id}"),
            "",
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

/// Checks that the references of `input` belong to `tenant` and resolves the department.
async fn resolve_refs(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    input: &PersonInput,
    this: Option<PersonId>,
) -> Result<Option<DepartmentId>, StoreError> {
    let unit = sqlx::query("SELECT id FROM units WHERE id = $1 AND tenant_id = $2")
        .bind(input.unit.0)
        .bind(tenant.0)
        .fetch_optional(&mut **tx)
        .await?;
    if unit.is_none() {
        return Err(InvalidInput::UnknownReference {
            field: Field::Unit,
            value: input.unit.to_string(),
        }
        .into());
    }
    if let Some(manager) = input.manager {
        if Some(manager) == this {
            return Err(InvalidInput::SelfManager.into());
        }
        let found = sqlx::query("SELECT id FROM people WHERE id = $1 AND tenant_id = $2")
            .bind(manager.0)
            .bind(tenant.0)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(InvalidInput::UnknownReference {
                field: Field::Manager,
                value: manager.to_string(),
            }
            .into());
        }
        if let Some(this) = this {
            // Walk up from the new manager: meeting `this` would make a reporting cycle.
            let mut current = Some(manager);
            let mut steps = 0;
            while let Some(p) = current {
                if p == this {
                    return Err(InvalidInput::Cycle {
                        value: this.to_string(),
                    }
                    .into());
                }
                steps += 1;
                if steps > 10_000 {
                    break;
                }
                let row = sqlx::query("SELECT manager_id FROM people WHERE id = $1")
                    .bind(p.0)
                    .fetch_optional(&mut **tx)
                    .await?;
                current = match row {
                    Some(r) => col::<Option<i64>>(&r, "manager_id")?.map(PersonId),
                    None => None,
                };
            }
        }
    }
    match &input.department {
        Some(name) => Ok(Some(ensure_department(tx, tenant, name).await?)),
        None => Ok(None),
    }
}

fn unique_violation(input: &PersonInput) -> InvalidInput {
    match &input.email {
        Some(e) => InvalidInput::EmailTaken {
            value: e.as_str().to_owned(),
        },
        None => InvalidInput::Duplicate {
            field: Field::Key,
            value: input
                .employee_number
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
        },
    }
}

pub(crate) async fn insert_person(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    input: &PersonInput,
    now: OffsetDateTime,
) -> Result<PersonId, StoreError> {
    let department = resolve_refs(tx, tenant, input, None).await?;
    insert_checked_person(tx, tenant, input, department, now).await
}

/// Inserts a person whose unit, manager and department are already known to be the
/// tenant's (the import checks them once for the whole file).
pub(crate) async fn insert_checked_person(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    input: &PersonInput,
    department: Option<DepartmentId>,
    now: OffsetDateTime,
) -> Result<PersonId, StoreError> {
    let row = sqlx::query(
        "INSERT INTO people (tenant_id, employee_number, name, email, unit_id, department_id, manager_id, \
         job_title, hire_date, active, search_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $11) RETURNING id",
    )
    .bind(tenant.0)
    .bind(input.employee_number.as_ref().map(|n| n.as_str().to_owned()))
    .bind(input.name.as_str())
    .bind(input.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(input.unit.0)
    .bind(department.map(|d| d.0))
    .bind(input.manager.map(|m| m.0))
    .bind(input.job_title.as_ref().map(|j| j.as_str().to_owned()))
    .bind(input.hire_date.map(HireDate::to_iso))
    .bind(search_key(input))
    .bind(to_millis(now))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::unique_or(e, unique_violation(input)))?;
    Ok(PersonId(col(&row, "id")?))
}

pub(crate) async fn update_person_tx(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    id: PersonId,
    input: &PersonInput,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    // The person first: another tenant's (or nobody's) is not found, whatever the input
    // names.
    sqlx::query("SELECT id FROM people WHERE id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let department = resolve_refs(tx, tenant, input, Some(id)).await?;
    let done = sqlx::query(
        "UPDATE people SET employee_number = $1, name = $2, email = $3, unit_id = $4, department_id = $5, \
         manager_id = $6, job_title = $7, hire_date = $8, search_key = $9, updated_at = $10 \
         WHERE id = $11 AND tenant_id = $12",
    )
    .bind(input.employee_number.as_ref().map(|n| n.as_str().to_owned()))
    .bind(input.name.as_str())
    .bind(input.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(input.unit.0)
    .bind(department.map(|d| d.0))
    .bind(input.manager.map(|m| m.0))
    .bind(input.job_title.as_ref().map(|j| j.as_str().to_owned()))
    .bind(input.hire_date.map(HireDate::to_iso))
    .bind(search_key(input))
    .bind(to_millis(now))
    .bind(id.0)
    .bind(tenant.0)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::unique_or(e, unique_violation(input)))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

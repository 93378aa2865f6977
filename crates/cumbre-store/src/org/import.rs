//! Applies a checked organisation CSV in one transaction: all of it or nothing.

use crate::audit::record;
use crate::org::departments::ensure_department;
use crate::org::people::{PersonInput, insert_checked_person, update_person_tx};
use crate::org::units::{UnitInput, insert_unit, move_unit_tx, update_unit_fields};
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::AdminGrant;
use cumbre_domain::org::import::{ExistingOrg, ImportPlan};
use cumbre_domain::{DepartmentId, PersonId, TenantId, UnitId};
use serde::Serialize;
use std::collections::HashMap;
use time::OffsetDateTime;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub units_created: usize,
    pub units_updated: usize,
    pub people_created: usize,
    pub people_updated: usize,
}

impl Store {
    /// What a CSV may refer to: the tenant's unit codes (with parents), employee numbers
    /// and person e-mails.
    pub async fn existing_org(&self, tenant: TenantId) -> Result<ExistingOrg, StoreError> {
        let mut existing = ExistingOrg::default();
        let rows = sqlx::query("SELECT id, code, parent_id FROM units WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_all(self.pool())
            .await?;
        let mut key_of: HashMap<i64, String> = HashMap::new();
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let code: Option<String> = col(r, "code")?;
            key_of.insert(id, code.unwrap_or_else(|| format!("#{id}")));
        }
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let parent: Option<i64> = col(r, "parent_id")?;
            let key = key_of[&id].clone();
            if parent.is_none() {
                existing.root = Some(key.clone())
            }
            existing
                .units
                .insert(key, parent.and_then(|p| key_of.get(&p).cloned()));
        }
        let people =
            sqlx::query("SELECT id, employee_number, email FROM people WHERE tenant_id = $1")
                .bind(tenant.0)
                .fetch_all(self.pool())
                .await?;
        for r in &people {
            let id: i64 = col(r, "id")?;
            let number: Option<String> = col(r, "employee_number")?;
            let key = number.clone().unwrap_or_else(|| format!("#{id}"));
            if let Some(n) = number {
                existing.people.insert(n);
            }
            if let Some(email) = col::<Option<String>>(r, "email")? {
                existing.emails.insert(email, key);
            }
        }
        Ok(existing)
    }

    /// Writes a plan from [`cumbre_domain::org::import::plan`]. Any failure rolls back
    /// everything.
    pub async fn apply_import(
        &self,
        grant: &AdminGrant,
        plan: &ImportPlan,
        actor: &str,
        now: OffsetDateTime,
        mut progress: impl FnMut(usize),
    ) -> Result<ImportSummary, StoreError> {
        let tenant = grant.tenant();
        let mut summary = ImportSummary::default();
        let mut w = self.begin_write().await?;

        let mut unit_ids: HashMap<String, UnitId> = HashMap::new();
        for r in sqlx::query("SELECT id, code FROM units WHERE tenant_id = $1 AND code IS NOT NULL")
            .bind(tenant.0)
            .fetch_all(&mut *w.tx)
            .await?
        {
            unit_ids.insert(col(&r, "code")?, UnitId(col(&r, "id")?));
        }
        for (i, row) in plan.units.iter().enumerate() {
            let input = UnitInput {
                name: row.name.clone(),
                kind: row.kind,
                code: Some(row.code.clone()),
            };
            let parent = row.parent.as_ref().map(|p| unit_ids[p]);
            match unit_ids.get(row.code.as_str()).copied() {
                Some(id) => {
                    update_unit_fields(&mut w.tx, tenant, id, &input, now).await?;
                    if let Some(parent) = parent {
                        move_unit_tx(&mut w.tx, tenant, id, parent, now).await?;
                    }
                    summary.units_updated += 1;
                }
                None => {
                    let id = insert_unit(&mut w.tx, tenant, &input, parent, now).await?;
                    unit_ids.insert(row.code.as_str().to_owned(), id);
                    summary.units_created += 1;
                }
            }
            progress(i + 1);
        }

        let mut person_ids: HashMap<String, PersonId> = HashMap::new();
        for r in sqlx::query("SELECT id, employee_number FROM people WHERE tenant_id = $1 AND employee_number IS NOT NULL")
            .bind(tenant.0)
            .fetch_all(&mut *w.tx)
            .await?
        {
            person_ids.insert(col(&r, "employee_number")?, PersonId(col(&r, "id")?));
        }
        // Two passes: everyone exists before managers are linked, so order in the file is free.
        // (id, whether it existed before): new people without a manager need no second write.
        let mut ids = Vec::with_capacity(plan.people.len());
        let mut departments: HashMap<String, DepartmentId> = HashMap::new();
        for (i, row) in plan.people.iter().enumerate() {
            let input = PersonInput {
                name: row.name.clone(),
                employee_number: Some(row.number.clone()),
                email: row.email.clone(),
                unit: unit_ids[&row.unit],
                department: row.department.clone(),
                manager: None,
                job_title: row.job_title.clone(),
                hire_date: row.hire_date,
            };
            let id = match person_ids.get(row.number.as_str()).copied() {
                Some(id) => {
                    // Keep the current manager until the second pass sets the new one.
                    let current: Option<i64> = col(
                        &sqlx::query("SELECT manager_id FROM people WHERE id = $1")
                            .bind(id.0)
                            .fetch_one(&mut *w.tx)
                            .await?,
                        "manager_id",
                    )?;
                    let keep = PersonInput {
                        manager: current.map(PersonId),
                        ..input.clone()
                    };
                    update_person_tx(&mut w.tx, tenant, id, &keep, now).await?;
                    summary.people_updated += 1;
                    id
                }
                None => {
                    let department = match &row.department {
                        Some(name) => Some(match departments.get(name) {
                            Some(id) => *id,
                            None => {
                                let id = ensure_department(&mut w.tx, tenant, name).await?;
                                departments.insert(name.clone(), id);
                                id
                            }
                        }),
                        None => None,
                    };
                    let id =
                        insert_checked_person(&mut w.tx, tenant, &input, department, now).await?;
                    person_ids.insert(row.number.as_str().to_owned(), id);
                    summary.people_created += 1;
                    ids.push((id, false));
                    progress(plan.units.len() + i + 1);
                    continue;
                }
            };
            ids.push((id, true));
            progress(plan.units.len() + i + 1);
        }
        for (row, (id, existed)) in plan.people.iter().zip(&ids) {
            if !existed && row.manager.is_none() {
                continue;
            }
            let manager = row.manager.as_ref().map(|m| person_ids[m]);
            sqlx::query("UPDATE people SET manager_id = $1 WHERE id = $2")
                .bind(manager.map(|m| m.0))
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
        }
        let detail = format!(
            "units +{} ~{}, people +{} ~{}",
            summary.units_created,
            summary.units_updated,
            summary.people_created,
            summary.people_updated
        );
        record(&mut w.tx, tenant, actor, "org.import", "org", &detail, now).await?;
        w.commit().await?;
        // A large import changes the tables' shape; fresh statistics keep query plans good.
        self.refresh_statistics().await?;
        Ok(summary)
    }
}

//! Who answers for a unit: its managers, then those of the units above it, up to the
//! executives and finally the administrators. A case is owned by the first and escalates
//! along the rest.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::org::UnitPath;
use cumbre_domain::{Lang, TenantId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Responsible {
    pub user: UserId,
    pub email: String,
    pub lang: Lang,
}

impl Store {
    /// The chain of people who answer for the unit at `path`, nearest first, each once: the
    /// managers (and executives) whose scope is the unit, then its parent, up to the top
    /// unit; then executives of the whole tenant; then administrators.
    pub async fn responsible_chain(
        &self,
        tenant: TenantId,
        path: &UnitPath,
    ) -> Result<Vec<Responsible>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, email, role, scope_unit_id, locale FROM users WHERE tenant_id = $1 AND active = 1 \
             AND role IN ('manager', 'executive', 'admin') ORDER BY id",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        let mut people = Vec::with_capacity(rows.len());
        for r in &rows {
            people.push((
                col::<i64>(r, "id")?,
                col::<String>(r, "email")?,
                col::<String>(r, "role")?,
                col::<Option<i64>>(r, "scope_unit_id")?,
                col::<Option<String>>(r, "locale")?,
            ));
        }
        let mut chain: Vec<Responsible> = Vec::new();
        let mut push = |p: &(i64, String, String, Option<i64>, Option<String>)| {
            if !chain.iter().any(|c| c.user.0 == p.0) {
                chain.push(Responsible {
                    user: UserId(p.0),
                    email: p.1.clone(),
                    lang: p.4.as_deref().and_then(Lang::from_code).unwrap_or_default(),
                });
            }
        };
        for unit in path.ids().into_iter().rev() {
            for p in people
                .iter()
                .filter(|p| p.2 != "admin" && p.3 == Some(unit.0))
            {
                push(p);
            }
        }
        for p in people
            .iter()
            .filter(|p| p.2 == "executive" && p.3.is_none())
        {
            push(p);
        }
        for p in people.iter().filter(|p| p.2 == "admin") {
            push(p);
        }
        Ok(chain)
    }
}

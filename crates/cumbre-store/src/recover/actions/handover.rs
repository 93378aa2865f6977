//! Handing a case to someone else: who can take it, and where it then belongs.

use super::{Actor, invalid};
use crate::recover::cases::append_event;
use crate::recover::evaluate::queue_notification;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::to_millis;
use cumbre_domain::org::UnitPath;
use cumbre_domain::{Field, InvalidInput, UnitId, UserId};
use serde_json::json;
use time::OffsetDateTime;

/// Whether a case at `case_unit` can be handed to a user with `role` leading `their` unit
/// (none: the whole tenant), by an actor with `scope`, and where it then is: `Some(None)`
/// it stays, they answer for its unit or above; `Some(Some(unit))` it moves into the unit a
/// manager leads within it (the supervisor on duty), so they see it and it still counts in
/// the unit's figures; `None` it cannot go to them. The actor must reach their unit.
fn hand_over_to(
    case_unit: &UnitPath,
    role: &str,
    their: Option<&UnitPath>,
    scope: &Scope,
) -> Option<Option<UnitId>> {
    let reached = match (scope, their) {
        (Scope::Tenant(_), _) => true,
        (Scope::Subtree { path, .. }, Some(p)) => p.is_within(path),
        _ => false,
    };
    match (role, their) {
        _ if !reached => None,
        ("admin" | "executive", None) => Some(None),
        ("manager" | "executive", Some(p)) if case_unit.is_within(p) => Some(None),
        ("manager", Some(p)) if p.is_within(case_unit) => p.ids().last().copied().map(Some),
        _ => None,
    }
}

impl Store {
    /// Whom the case can be handed to: the people who answer for its unit and above, and
    /// the managers of the units within it (the case then moves to their unit), each
    /// with the unit they lead; only those whose unit the actor's scope holds.
    pub async fn hand_over_options(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Vec<(UserId, String, String)>, StoreError> {
        let core = self.core(scope, id).await?;
        let rows = sqlx::query(
            "SELECT s.id, s.email, s.role, u.path, u.name FROM users s LEFT JOIN units u ON u.id = s.scope_unit_id \
             WHERE s.tenant_id = $1 AND s.active = 1 AND s.role IN ('admin', 'executive', 'manager') ORDER BY u.path, s.email",
        )
        .bind(core.tenant.0)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let user = UserId(col(r, "id")?);
            if Some(user) == core.owner {
                continue;
            }
            let role: String = col(r, "role")?;
            let path: Option<String> = col(r, "path")?;
            let their = path.as_deref().and_then(UnitPath::from_stored);
            if hand_over_to(&core.unit_path, &role, their.as_ref(), scope).is_some() {
                let unit: Option<String> = col(r, "name")?;
                out.push((user, col(r, "email")?, unit.unwrap_or_default()));
            }
        }
        Ok(out)
    }

    /// Hands the case to someone who answers for its unit, or to a manager of a unit within
    /// it (the case moves to their unit), whom the actor's scope holds.
    pub async fn reassign_case(
        &self,
        actor: &Actor,
        id: i64,
        to: UserId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let core = self.core(&actor.scope, id).await?;
        let row = sqlx::query(
            "SELECT s.email, s.role, u.path FROM users s LEFT JOIN units u ON u.id = s.scope_unit_id \
             WHERE s.id = $1 AND s.tenant_id = $2 AND s.active = 1",
        )
        .bind(to.0)
        .bind(core.tenant.0)
        .fetch_optional(self.pool())
        .await?
        .ok_or(invalid(InvalidInput::UnknownReference {
            field: Field::Person,
            value: to.to_string(),
        }))?;
        let role: String = col(&row, "role")?;
        let path: Option<String> = col(&row, "path")?;
        let their = path.as_deref().and_then(UnitPath::from_stored);
        let Some(moves_to) = hand_over_to(&core.unit_path, &role, their.as_ref(), &actor.scope)
        else {
            return Err(invalid(InvalidInput::UnknownReference {
                field: Field::Person,
                value: to.to_string(),
            }));
        };
        let email: String = col(&row, "email")?;
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("UPDATE cases SET owner_id = $1, updated_at = $2 WHERE id = $3")
            .bind(to.0)
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        if let Some(unit) = moves_to {
            sqlx::query("UPDATE cases SET unit_id = $1 WHERE id = $2")
                .bind(unit.0)
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
        }
        append_event(
            &mut w.tx,
            core.tenant,
            id,
            Some(actor.user),
            "reassigned",
            &json!({"from": core.owner.map(|o| o.0), "to": to.0, "to_email": email,
                    "unit_id": moves_to.map(|u| u.0)}),
            now,
        )
        .await?;
        queue_notification(
            &mut w.tx,
            core.tenant,
            Some(id),
            "email",
            &email,
            &format!("#{id}: {}", core.title),
            &json!({"case_id": id}).to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

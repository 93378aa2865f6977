//! What people do with a case: move it along its flow (resolving with what was done, asking
//! for approval above their authority limit), write notes and messages, hand it to someone
//! else, promise the customer something. Each is a compare-and-set on the case plus a
//! timeline entry in one transaction; nothing is deleted.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{Role, Scope};
use cumbre_domain::org::UnitPath;
use cumbre_domain::recover::{CaseStatus, Priority};
use cumbre_domain::{InvalidInput, TenantId, UserId};

mod approvals;
mod causes;
mod flow;
mod handover;
mod limits;
mod notes;
mod promises;
mod winback;

pub(crate) use flow::CaseOpening;
pub use flow::{Moved, NewCase};
pub use notes::NoteKind;
pub use promises::Promise;

/// The person acting: who they are and what they see.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    pub scope: Scope,
}

struct Core {
    tenant: TenantId,
    status: CaseStatus,
    priority: Priority,
    unit_path: UnitPath,
    owner: Option<UserId>,
    title: String,
}

fn invalid(e: InvalidInput) -> StoreError {
    StoreError::Invalid(e)
}

impl Store {
    /// The case if the actor's scope holds it (else not found).
    async fn core(&self, scope: &Scope, id: i64) -> Result<Core, StoreError> {
        let row = sqlx::query(
            "SELECT c.tenant_id, c.status, c.priority, c.owner_id, c.title, u.path FROM cases c \
             JOIN units u ON u.id = c.unit_id WHERE c.id = $1 AND c.tenant_id = $2",
        )
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let path: String = col(&row, "path")?;
        let unit_path =
            UnitPath::from_stored(&path).ok_or_else(|| StoreError::Corrupt("unit path".into()))?;
        let visible = match scope {
            Scope::Tenant(_) => true,
            Scope::Subtree { path, .. } => unit_path.is_within(path),
            Scope::Own { .. } => false,
        };
        if !visible {
            return Err(StoreError::NotFound);
        }
        Ok(Core {
            tenant: TenantId(col(&row, "tenant_id")?),
            status: CaseStatus::parse(&col::<String>(&row, "status")?)
                .map_err(|_| StoreError::Corrupt("case status".into()))?,
            priority: Priority::parse(&col::<String>(&row, "priority")?)
                .map_err(|_| StoreError::Corrupt("case priority".into()))?,
            unit_path,
            owner: col::<Option<i64>>(&row, "owner_id")?.map(UserId),
            title: col(&row, "title")?,
        })
    }
}

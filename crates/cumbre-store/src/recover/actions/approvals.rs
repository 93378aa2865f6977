//! Approvals: a compensation above someone's authority waits for the approver's decision.

use super::{Actor, invalid};
use crate::recover::cases::append_event;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{Role, Scope};
use cumbre_domain::clock::to_millis;
use cumbre_domain::recover::{CaseStatus, Resolution};
use cumbre_domain::{Field, InvalidInput, UserId};
use serde_json::json;
use time::OffsetDateTime;

impl Store {
    /// The approver (or an administrator) approves, which resolves the case as asked, or
    /// declines with a reason, which leaves it open.
    /// Decides an approval. `in_case` as for [`Store::keep_promise`].
    pub async fn decide_approval(
        &self,
        actor: &Actor,
        approval_id: i64,
        in_case: Option<i64>,
        approve: bool,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let row = sqlx::query(
            "SELECT case_id, approver_id, resolution, status FROM approvals WHERE id = $1 AND tenant_id = $2",
        )
        .bind(approval_id)
        .bind(actor.scope.tenant().0)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let case_id: i64 = col(&row, "case_id")?;
        if in_case.is_some_and(|c| c != case_id) {
            return Err(StoreError::NotFound);
        }
        let core = self.core(&actor.scope, case_id).await?;
        let approver: Option<i64> = col(&row, "approver_id")?;
        if approver != Some(actor.user.0) && actor.role != Role::Admin {
            return Err(StoreError::Forbidden);
        }
        if col::<String>(&row, "status")? != "pending" {
            return Err(invalid(InvalidInput::StatusChange {
                what: Field::Approval,
                from: "decided",
                to: if approve { "approved" } else { "declined" },
            }));
        }
        let reason = cumbre_domain::input::optional_text(reason, Field::Description, 2000)?;
        if !approve && reason.is_none() {
            return Err(invalid(InvalidInput::Required(Field::Description)));
        }
        let text: String = col(&row, "resolution")?;
        let resolution: Resolution = crate::store::json(&text, "resolution")?;
        let mut w = self.begin_quiet_write().await?;
        let changed = sqlx::query(
            "UPDATE approvals SET status = $1, reason = $2, decided_at = $3 WHERE id = $4 AND status = 'pending'",
        )
        .bind(if approve { "approved" } else { "declined" })
        .bind(reason.clone().unwrap_or_default())
        .bind(to_millis(now))
        .bind(approval_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(invalid(InvalidInput::StatusChange {
                what: Field::Approval,
                from: "decided",
                to: "decided",
            }));
        }
        append_event(
            &mut w.tx,
            core.tenant,
            case_id,
            Some(actor.user),
            if approve { "approved" } else { "declined" },
            &json!({"approval_id": approval_id, "reason": reason}),
            now,
        )
        .await?;
        w.commit().await?;
        if approve && core.status.can_move_to(CaseStatus::Resolved) {
            self.apply_move(
                Some(actor.user),
                case_id,
                &core,
                CaseStatus::Resolved,
                None,
                Some(&resolution),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// The approval a case waits for, if any: (approval, approver, compensation, cents).
    pub async fn pending_approval(
        &self,
        scope: &Scope,
        case_id: i64,
    ) -> Result<Option<(i64, UserId, String, i64)>, StoreError> {
        self.core(scope, case_id).await?;
        let row = sqlx::query(
            "SELECT id, approver_id, compensation_type, amount_cents FROM approvals WHERE case_id = $1 AND status = 'pending'",
        )
        .bind(case_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok((
                col(&r, "id")?,
                UserId(col::<Option<i64>>(&r, "approver_id")?.unwrap_or_default()),
                col(&r, "compensation_type")?,
                col(&r, "amount_cents")?,
            ))
        })
        .transpose()
    }
}

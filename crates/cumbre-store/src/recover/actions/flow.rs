//! A case moving along its flow: opened by hand, contacted, resolved with what was done
//! (asking for approval when the compensation is above the actor's authority), closed.

use super::{Actor, Core, invalid};
use crate::recover::cases::append_event;
use crate::recover::evaluate::queue_notification;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::to_millis;
use cumbre_domain::recover::{CaseStatus, Priority, Resolution};
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId, UserId};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// What a move did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Moved {
    Done,
    /// The compensation exceeds the actor's authority: the case waits for this approver.
    ApprovalRequested {
        approval_id: i64,
        approver_id: UserId,
    },
}

#[derive(Debug, Clone)]
pub struct NewCase {
    pub unit_id: UnitId,
    pub touchpoint_id: Option<i64>,
    pub title: String,
    pub priority: Priority,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub note: String,
}

impl Store {
    /// Moves a case along its flow. Resolving needs a resolution; a compensation above the
    /// actor's limit asks the next person up for approval instead, and the case waits.
    pub async fn move_case(
        &self,
        actor: &Actor,
        id: i64,
        to: CaseStatus,
        note: &str,
        resolution: Option<&Resolution>,
        now: OffsetDateTime,
    ) -> Result<Moved, StoreError> {
        let core = self.core(&actor.scope, id).await?;
        core.status.check_move(to)?;
        let note = cumbre_domain::input::optional_text(note, Field::Description, 4000)?;
        if to == CaseStatus::Resolved {
            let r = resolution.ok_or(invalid(InvalidInput::Required(Field::Description)))?;
            r.check()?;
            if let Some(cause) = r.root_cause_id {
                self.check_root_cause(core.tenant, cause).await?;
            }
            if let Some(limit) = self.authority_limit(actor).await?
                && r.compensation_cents > limit
            {
                return self.request_approval(actor, id, &core, r, now).await;
            }
        }
        self.apply_move(
            Some(actor.user),
            id,
            &core,
            to,
            note.as_deref(),
            resolution,
            now,
        )
        .await?;
        Ok(Moved::Done)
    }

    async fn check_root_cause(&self, tenant: TenantId, id: i64) -> Result<(), StoreError> {
        let found = sqlx::query(
            "SELECT id FROM root_causes WHERE id = $1 AND tenant_id = $2 AND active = 1",
        )
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(self.pool())
        .await?;
        if found.is_none() {
            return Err(invalid(InvalidInput::UnknownReference {
                field: Field::Record,
                value: id.to_string(),
            }));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)] // The move and everything it records.
    pub(super) async fn apply_move(
        &self,
        by: Option<UserId>,
        id: i64,
        core: &Core,
        to: CaseStatus,
        note: Option<&str>,
        resolution: Option<&Resolution>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let at = to_millis(now);
        let reopening = to == CaseStatus::Contacted
            && matches!(core.status, CaseStatus::Resolved | CaseStatus::Closed);
        let resolve_due = if reopening {
            let sla = self.sla(core.tenant, core.priority).await?;
            Some(to_millis(
                self.tenant_clock(core.tenant)
                    .await?
                    .deadline(now, sla.resolve_minutes),
            ))
        } else {
            None
        };
        let mut w = self.begin_quiet_write().await?;
        let changed = match to {
            CaseStatus::Contacted => sqlx::query(
                "UPDATE cases SET status = 'contacted', contacted_at = COALESCE(contacted_at, $1), \
                 resolve_due_at = COALESCE($2, resolve_due_at), due_at = COALESCE($2, resolve_due_at), \
                 resolved_at = NULL, closed_at = NULL, updated_at = $1 WHERE id = $3 AND status = $4",
            )
            .bind(at)
            .bind(resolve_due)
            .bind(id)
            .bind(core.status.code()),
            CaseStatus::Resolved => {
                let r = resolution.cloned().unwrap_or_default();
                sqlx::query(
                    "UPDATE cases SET status = 'resolved', resolved_at = $1, action_taken = $2, root_cause_id = $3, \
                     compensation_type = $4, compensation_cents = $5, lessons = $6, \
                     search_text = search_text || ' ' || $7, updated_at = $1 WHERE id = $8 AND status = $9",
                )
                .bind(at)
                .bind(r.action_taken.trim().to_owned())
                .bind(r.root_cause_id)
                .bind(r.compensation_type.trim().to_owned())
                .bind(r.compensation_cents)
                .bind(r.lessons.trim().to_owned())
                .bind(cumbre_domain::text::fold(&format!("{} {}", r.action_taken, r.lessons)))
                .bind(id)
                .bind(core.status.code())
            }
            CaseStatus::Closed => sqlx::query(
                "UPDATE cases SET status = 'closed', closed_at = $1, updated_at = $1 WHERE id = $2 AND status = $3",
            )
            .bind(at)
            .bind(id)
            .bind(core.status.code()),
            CaseStatus::New => return Err(invalid(InvalidInput::StatusChange {
                what: Field::Case,
                from: core.status.code(),
                to: "new",
            })),
        }
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed == 0 {
            // Someone else moved it since it was read: refuse rather than overwrite.
            return Err(invalid(InvalidInput::StatusChange {
                what: Field::Case,
                from: core.status.code(),
                to: to.code(),
            }));
        }
        append_event(
            &mut w.tx,
            core.tenant,
            id,
            by,
            "status",
            &json!({"from": core.status.code(), "to": to.code(), "note": note,
                    "resolution": resolution}),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    async fn request_approval(
        &self,
        actor: &Actor,
        id: i64,
        core: &Core,
        r: &Resolution,
        now: OffsetDateTime,
    ) -> Result<Moved, StoreError> {
        let chain = self.responsible_chain(core.tenant, &core.unit_path).await?;
        let approver = match chain.iter().position(|p| p.user == actor.user) {
            Some(i) => chain.get(i + 1).or_else(|| chain.last()),
            None => chain.first(),
        }
        .cloned()
        .ok_or(StoreError::Forbidden)?;
        let pending =
            sqlx::query("SELECT id FROM approvals WHERE case_id = $1 AND status = 'pending'")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        if pending.is_some() {
            return Err(invalid(InvalidInput::Duplicate {
                field: Field::Record,
                value: "approval".into(),
            }));
        }
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(
            "INSERT INTO approvals (case_id, tenant_id, compensation_type, amount_cents, requested_by, approver_id, \
             resolution, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING id",
        )
        .bind(id)
        .bind(core.tenant.0)
        .bind(r.compensation_type.trim().to_owned())
        .bind(r.compensation_cents)
        .bind(actor.user.0)
        .bind(approver.user.0)
        .bind(serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let approval_id: i64 = col(&row, "id")?;
        append_event(
            &mut w.tx,
            core.tenant,
            id,
            Some(actor.user),
            "approval_requested",
            &json!({"approval_id": approval_id, "approver_id": approver.user.0,
                    "compensation_type": r.compensation_type, "amount_cents": r.compensation_cents}),
            now,
        )
        .await?;
        let subject = match approver.lang {
            cumbre_domain::Lang::Es => format!("Aprobación pedida, caso #{id}: {}", core.title),
            cumbre_domain::Lang::En => format!("Approval requested, case #{id}: {}", core.title),
        };
        queue_notification(
            &mut w.tx,
            core.tenant,
            Some(id),
            "email",
            &approver.email,
            &subject,
            &json!({"case_id": id, "approval_id": approval_id}).to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(Moved::ApprovalRequested {
            approval_id,
            approver_id: approver.user,
        })
    }

    /// A case opened by hand (a complaint at the desk), owned by whoever answers for the unit.
    pub async fn open_case(
        &self,
        actor: &Actor,
        input: &NewCase,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let unit = self.get_unit(&actor.scope, input.unit_id).await?;
        if matches!(actor.scope, Scope::Own { .. }) {
            return Err(StoreError::NotFound);
        }
        let tenant = actor.scope.tenant();
        let title = cumbre_domain::input::required_text(&input.title, Field::Title, 200)?;
        let note = cumbre_domain::input::optional_text(&input.note, Field::Description, 4000)?;
        let email = cumbre_domain::org::Email::parse_optional(&input.customer_email)?;
        let customer_name =
            cumbre_domain::input::optional_text(&input.customer_name, Field::Name, 120)?;
        let phone = cumbre_domain::input::optional_text(&input.customer_phone, Field::Phone, 40)?;
        if let Some(p) = &phone {
            cumbre_domain::listen::answers::check_phone(p)?;
        }
        if let Some(t) = input.touchpoint_id
            && !self
                .list_touchpoints(tenant)
                .await?
                .iter()
                .any(|tp| tp.id == t)
        {
            return Err(invalid(InvalidInput::UnknownReference {
                field: Field::Touchpoint,
                value: t.to_string(),
            }));
        }
        let mut w = self.begin_quiet_write().await?;
        let id = self
            .insert_case(
                &mut w.tx,
                &CaseOpening {
                    tenant,
                    unit: &unit,
                    touchpoint_id: input.touchpoint_id,
                    title: &title,
                    priority: input.priority,
                    customer_name: &customer_name.unwrap_or_default(),
                    customer_email: &email.map(|e| e.as_str().to_owned()).unwrap_or_default(),
                    customer_phone: &phone.unwrap_or_default(),
                    note: note.as_deref(),
                    created_by: &format!("user {}", actor.user),
                    actor: Some(actor.user),
                },
                now,
            )
            .await?;
        w.commit().await?;
        Ok(id)
    }
}

/// A case about to be opened (checked), by hand or by another step of the loop (a failed
/// critical item of a mystery-shopper audit opens its corrective action).
pub(crate) struct CaseOpening<'a> {
    pub tenant: TenantId,
    pub unit: &'a crate::org::Unit,
    pub touchpoint_id: Option<i64>,
    pub title: &'a str,
    pub priority: Priority,
    pub customer_name: &'a str,
    pub customer_email: &'a str,
    pub customer_phone: &'a str,
    pub note: Option<&'a str>,
    /// Who the case says opened it (`user 5`, `audit 12`).
    pub created_by: &'a str,
    pub actor: Option<UserId>,
}

impl Store {
    /// Writes a new case in `tx`: deadlines from the tenant's service levels, owned by
    /// whoever first answers for the unit, who is told by e-mail.
    pub(crate) async fn insert_case(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        c: &CaseOpening<'_>,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let sla = self.sla(c.tenant, c.priority).await?;
        let clock = self.tenant_clock(c.tenant).await?;
        let first = to_millis(clock.deadline(now, sla.first_contact_minutes));
        let resolve = to_millis(clock.deadline(now, sla.resolve_minutes));
        let owner = self
            .responsible_chain(c.tenant, &c.unit.path)
            .await?
            .into_iter()
            .next();
        let row = sqlx::query(
            "INSERT INTO cases (tenant_id, unit_id, touchpoint_id, title, customer_name, customer_email, customer_phone, \
             language, priority, status, owner_id, first_contact_due_at, resolve_due_at, due_at, search_text, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'es', $8, 'new', $9, $10, $11, $10, $12, $13, $14, $14) \
             RETURNING id",
        )
        .bind(c.tenant.0)
        .bind(c.unit.id.0)
        .bind(c.touchpoint_id)
        .bind(c.title)
        .bind(c.customer_name)
        .bind(c.customer_email)
        .bind(c.customer_phone)
        .bind(c.priority.code())
        .bind(owner.as_ref().map(|o| o.user.0))
        .bind(first)
        .bind(resolve)
        .bind(cumbre_domain::text::fold(c.title))
        .bind(c.created_by)
        .bind(to_millis(now))
        .fetch_one(&mut **tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        append_event(tx, c.tenant, id, c.actor, "opened",
            &json!({"priority": c.priority.code(), "note": c.note, "owner_id": owner.as_ref().map(|o| o.user.0)}), now).await?;
        if let Some(o) = &owner {
            queue_notification(
                tx,
                c.tenant,
                Some(id),
                "email",
                &o.email,
                &format!("#{id}: {}", c.title),
                &json!({"case_id": id}).to_string(),
                now,
            )
            .await?;
        }
        Ok(id)
    }
}

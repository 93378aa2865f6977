//! What people do with a case: move it along its flow (resolving with what was done, asking
//! for approval above their authority limit), write notes and messages, hand it to someone
//! else, promise the customer something. Each is a compare-and-set on the case plus a
//! timeline entry in one transaction; nothing is deleted.

use crate::recover::cases::append_event;
use crate::recover::evaluate::queue_notification;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{Role, Scope};
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::org::UnitPath;
use cumbre_domain::recover::{CaseStatus, Priority, Resolution};
use cumbre_domain::{Field, InvalidInput, Lang, TenantId, UnitId, UserId};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// The person acting: who they are and what they see.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    pub scope: Scope,
}

/// What an entry written on a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// For the team only.
    Note,
    /// A message exchanged with the customer elsewhere (phone, in person…), recorded.
    Message,
    /// An e-mail to the customer, sent from here.
    Email,
}

impl NoteKind {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim() {
            "" | "note" => Ok(NoteKind::Note),
            "message" => Ok(NoteKind::Message),
            "email" => Ok(NoteKind::Email),
            other => Err(InvalidInput::NotOneOf {
                field: Field::Record,
                value: other.chars().take(40).collect(),
                allowed: "note, message, email",
            }),
        }
    }
}

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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Promise {
    pub id: i64,
    pub case_id: i64,
    pub case_title: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    /// `open`, `overdue` (open and past due), `kept` or `broken`.
    pub state: String,
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

    /// How much compensation (cents) the actor may grant alone. Administrators and
    /// executives, at the top of every chain, are not limited; others get the most specific
    /// row of `authority_limits`: one set on their own unit, else on the nearest unit above
    /// it (a region's limit holds for its hotels unless a hotel has its own), else the
    /// tenant's; a row for their role beats one for any role at the same level. No row: zero.
    pub async fn authority_limit(&self, actor: &Actor) -> Result<Option<i64>, StoreError> {
        let chain = match (&actor.role, &actor.scope) {
            (Role::Admin | Role::Executive, _) => return Ok(None),
            (_, Scope::Subtree { path, .. }) => path.ids(),
            _ => Vec::new(),
        };
        let rows = sqlx::query(
            "SELECT unit_id, role, amount_cents FROM authority_limits WHERE tenant_id = $1",
        )
        .bind(actor.scope.tenant().0)
        .fetch_all(self.pool())
        .await?;
        let mut best: Option<(usize, i64)> = None;
        for r in &rows {
            let row_unit: Option<i64> = col(r, "unit_id")?;
            let row_role: Option<String> = col(r, "role")?;
            let amount: i64 = col(r, "amount_cents")?;
            // 0 for the tenant-wide row, else 1 + how deep the unit sits in the chain.
            let level = match row_unit {
                None => 0,
                Some(u) => match chain.iter().position(|c| c.0 == u) {
                    Some(i) => i + 1,
                    None => continue,
                },
            };
            let role_ok = row_role.is_none() || row_role.as_deref() == Some(actor.role.code());
            if !role_ok {
                continue;
            }
            let rank = level * 2 + usize::from(row_role.is_some());
            if best.is_none_or(|(b, _)| rank > b) {
                best = Some((rank, amount));
            }
        }
        Ok(Some(best.map_or(0, |(_, a)| a)))
    }

    /// Sets the authority limit for a unit and/or a role (both empty: the tenant's default).
    pub async fn set_authority_limit(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        unit: Option<UnitId>,
        role: Option<Role>,
        amount_cents: i64,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if amount_cents < 0 {
            return Err(invalid(InvalidInput::OutOfRange {
                field: Field::Answer,
                min: 0,
                max: i64::MAX,
                value: amount_cents.to_string(),
            }));
        }
        let mut w = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM authority_limits WHERE tenant_id = $1 AND COALESCE(unit_id, 0) = $2 AND COALESCE(role, '') = $3",
        )
        .bind(grant.tenant().0)
        .bind(unit.map_or(0, |u| u.0))
        .bind(role.map_or("", Role::code))
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "INSERT INTO authority_limits (tenant_id, unit_id, role, amount_cents) VALUES ($1, $2, $3, $4)",
        )
        .bind(grant.tenant().0)
        .bind(unit.map(|u| u.0))
        .bind(role.map(Role::code))
        .bind(amount_cents)
        .execute(&mut *w.tx)
        .await?;
        crate::audit::record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "authority.set",
            &format!(
                "unit {} role {}",
                unit.map_or("-".to_owned(), |u| u.0.to_string()),
                role.map_or("-", Role::code)
            ),
            &amount_cents.to_string(),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Removes the limit set for a unit and/or role, so the next one up applies again.
    pub async fn remove_authority_limit(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        unit: Option<UnitId>,
        role: Option<Role>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let removed = sqlx::query(
            "DELETE FROM authority_limits WHERE tenant_id = $1 AND COALESCE(unit_id, 0) = $2 AND COALESCE(role, '') = $3",
        )
        .bind(grant.tenant().0)
        .bind(unit.map_or(0, |u| u.0))
        .bind(role.map_or("", Role::code))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        crate::audit::record(
            &mut w.tx,
            grant.tenant(),
            actor,
            "authority.remove",
            &format!(
                "unit {} role {}",
                unit.map_or("-".to_owned(), |u| u.0.to_string()),
                role.map_or("-", Role::code)
            ),
            "",
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

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
    async fn apply_move(
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

    /// A note for the team, a message exchanged with the customer (`channel`: phone, in
    /// person…), or an e-mail to the customer: sent to the address they agreed to be
    /// written to (through the outbox, so it survives a restart) and recorded.
    pub async fn add_case_note(
        &self,
        actor: &Actor,
        id: i64,
        kind: NoteKind,
        channel: &str,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let core = self.core(&actor.scope, id).await?;
        let text = cumbre_domain::input::required_text(text, Field::Description, 4000)?;
        let mut channel = cumbre_domain::input::optional_text(channel, Field::Name, 40)?;
        let guest = match kind {
            NoteKind::Email => {
                let row = sqlx::query(
                    "SELECT c.customer_email, c.language, u.name FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.id = $1",
                )
                .bind(id)
                .fetch_one(self.pool())
                .await?;
                let email: String = col(&row, "customer_email")?;
                let email = cumbre_domain::org::Email::parse(&email)
                    .map_err(|_| invalid(InvalidInput::NoGuestEmail))?;
                channel = Some("e-mail".into());
                let lang = Lang::from_code(&col::<String>(&row, "language")?).unwrap_or_default();
                let unit: String = col(&row, "name")?;
                Some((email, lang, unit))
            }
            _ => None,
        };
        let mut w = self.begin_quiet_write().await?;
        let mut detail = json!({"text": text, "channel": channel});
        if let Some((email, lang, unit)) = &guest {
            detail["sent_to"] = json!(email.as_str());
            let subject = match lang {
                Lang::Es => format!("Sobre su visita a {unit}"),
                Lang::En => format!("About your visit to {unit}"),
            };
            queue_notification(
                &mut w.tx,
                core.tenant,
                Some(id),
                "email",
                email.as_str(),
                &subject,
                &json!({"to_guest": true, "text": text}).to_string(),
                now,
            )
            .await?;
        }
        append_event(
            &mut w.tx,
            core.tenant,
            id,
            Some(actor.user),
            if kind == NoteKind::Note {
                "note"
            } else {
                "message"
            },
            &detail,
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

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

    /// Records a promise to the customer, due in the future.
    pub async fn add_promise(
        &self,
        actor: &Actor,
        case_id: i64,
        text: &str,
        due_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let core = self.core(&actor.scope, case_id).await?;
        let text = cumbre_domain::input::required_text(text, Field::Description, 500)?;
        if due_at <= now {
            return Err(invalid(InvalidInput::NotInFuture(Field::DueAt)));
        }
        let unit = core
            .unit_path
            .ids()
            .last()
            .copied()
            .ok_or_else(|| StoreError::Corrupt("unit path".into()))?;
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(
            "INSERT INTO promises (case_id, tenant_id, unit_id, text, due_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(case_id)
        .bind(core.tenant.0)
        .bind(unit.0)
        .bind(&text)
        .bind(to_millis(due_at))
        .bind(actor.user.0)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        append_event(
            &mut w.tx,
            core.tenant,
            case_id,
            Some(actor.user),
            "promise",
            &json!({"promise_id": id, "text": text, "due_at": to_millis(due_at)}),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// The owner says a promise was kept; only an open promise can be.
    /// Marks a promise kept. `in_case`: the case the caller named it under (a page's
    /// address); a promise of another case is not found there.
    pub async fn keep_promise(
        &self,
        actor: &Actor,
        promise_id: i64,
        in_case: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let row = sqlx::query("SELECT case_id FROM promises WHERE id = $1 AND tenant_id = $2")
            .bind(promise_id)
            .bind(actor.scope.tenant().0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let case_id: i64 = col(&row, "case_id")?;
        if in_case.is_some_and(|c| c != case_id) {
            return Err(StoreError::NotFound);
        }
        let core = self.core(&actor.scope, case_id).await?;
        let mut w = self.begin_quiet_write().await?;
        let changed = sqlx::query(
            "UPDATE promises SET outcome = 'kept', outcome_at = $1 WHERE id = $2 AND outcome IS NULL",
        )
        .bind(to_millis(now))
        .bind(promise_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(invalid(InvalidInput::StatusChange {
                what: Field::Promise,
                from: "decided",
                to: "kept",
            }));
        }
        append_event(
            &mut w.tx,
            core.tenant,
            case_id,
            Some(actor.user),
            "promise_kept",
            &json!({"promise_id": promise_id}),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// The scheduler's part: a promise not kept by its due time is broken, for the record.
    pub async fn break_overdue_promises(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_id, tenant_id FROM promises WHERE outcome IS NULL AND due_at <= $1 ORDER BY id LIMIT 500",
        )
        .bind(to_millis(now))
        .fetch_all(self.pool())
        .await?;
        let mut broken = 0;
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let mut w = self.begin_quiet_write().await?;
            let changed = sqlx::query(
                "UPDATE promises SET outcome = 'broken', outcome_at = $1 WHERE id = $2 AND outcome IS NULL",
            )
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if changed == 1 {
                append_event(
                    &mut w.tx,
                    TenantId(col(r, "tenant_id")?),
                    col(r, "case_id")?,
                    None,
                    "promise_broken",
                    &json!({"promise_id": id}),
                    now,
                )
                .await?;
                broken += 1;
            }
            w.commit().await?;
        }
        Ok(broken)
    }

    /// Promises the scope sees: open ones first by due time (overdue on top), then decided.
    pub async fn list_promises(
        &self,
        scope: &Scope,
        open_only: bool,
        case: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<Vec<Promise>, StoreError> {
        let mut sql = crate::sql::Sql::new(
            "SELECT p.id, p.case_id, c.title, p.unit_id, u.name AS unit_name, p.text, p.due_at, p.outcome \
             FROM promises p JOIN cases c ON c.id = p.case_id JOIN units u ON u.id = p.unit_id WHERE 1 = 1",
        );
        crate::recover::cases::push_case_scope(&mut sql, scope);
        if open_only {
            sql.push(" AND p.outcome IS NULL");
        }
        if let Some(case) = case {
            sql.push(" AND p.case_id = ").int(case);
        }
        sql.push(
            " ORDER BY CASE WHEN p.outcome IS NULL THEN 0 ELSE 1 END, p.due_at, p.id LIMIT 500",
        );
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let due_at = from_millis(col(r, "due_at")?);
            let outcome: Option<String> = col(r, "outcome")?;
            out.push(Promise {
                id: col(r, "id")?,
                case_id: col(r, "case_id")?,
                case_title: col(r, "title")?,
                unit_id: UnitId(col(r, "unit_id")?),
                unit_name: col(r, "unit_name")?,
                text: col(r, "text")?,
                due_at,
                state: outcome.unwrap_or_else(|| {
                    if due_at <= now {
                        "overdue".into()
                    } else {
                        "open".into()
                    }
                }),
            });
        }
        Ok(out)
    }

    /// Chooses the survey sent to win customers back after a resolution (`None`: none).
    pub async fn set_winback_survey(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        survey: Option<i64>,
    ) -> Result<(), StoreError> {
        if let Some(id) = survey {
            // Recovery is measured by the follow-up's NPS: the survey needs one.
            let s = self.get_survey(&Scope::Tenant(grant.tenant()), id).await?;
            if !s
                .definition
                .questions
                .iter()
                .any(|q| matches!(q.kind, cumbre_domain::listen::QuestionKind::Nps))
            {
                return Err(invalid(InvalidInput::Required(Field::Question)));
            }
        }
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE tenants SET winback_survey_id = $1 WHERE id = $2")
            .bind(survey)
            .bind(grant.tenant().0)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// Sends the resolved case's customer the tenant's win-back survey, as a personal
    /// invitation through the invitation job: only with their e-mail (left with consent),
    /// once per case, never to an address that unsubscribed.
    pub async fn send_winback(
        &self,
        actor: &Actor,
        case_id: i64,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let core = self.core(&actor.scope, case_id).await?;
        if core.status != CaseStatus::Resolved {
            return Err(invalid(InvalidInput::StatusChange {
                what: Field::Case,
                from: core.status.code(),
                to: "win-back",
            }));
        }
        let row = sqlx::query(
            "SELECT c.unit_id, c.touchpoint_id, c.customer_name, c.customer_email, c.language, c.winback_invitation_id, \
             t.winback_survey_id FROM cases c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_one(self.pool())
        .await?;
        let survey: i64 = col::<Option<i64>>(&row, "winback_survey_id")?
            .ok_or(invalid(InvalidInput::WinbackUnavailable))?;
        if col::<Option<i64>>(&row, "winback_invitation_id")?.is_some() {
            return Err(invalid(InvalidInput::WinbackUnavailable));
        }
        let email = cumbre_domain::org::Email::parse(&col::<String>(&row, "customer_email")?)
            .map_err(|_| invalid(InvalidInput::WinbackUnavailable))?;
        let touchpoint = match col::<Option<i64>>(&row, "touchpoint_id")? {
            Some(t) => t,
            None => self
                .list_touchpoints(core.tenant)
                .await?
                .last()
                .map(|t| t.id)
                .ok_or(invalid(InvalidInput::Required(Field::Touchpoint)))?,
        };
        let recipient = cumbre_domain::listen::invitations::Recipient {
            line: 1,
            name: col(&row, "customer_name")?,
            email,
            language: cumbre_domain::Lang::from_code(&col::<String>(&row, "language")?)
                .unwrap_or_default(),
            unit_id: col(&row, "unit_id")?,
            touchpoint_id: touchpoint,
            visit_date: None,
        };
        let system = Scope::Tenant(core.tenant);
        let (batch, queued, _) = self
            .create_invitations(
                &system,
                survey,
                None,
                &[recipient],
                &[token.to_owned()],
                &format!("case {case_id}"),
                now,
            )
            .await?;
        if queued == 0 {
            return Err(invalid(InvalidInput::NotOneOf {
                field: Field::Email,
                value: "unsubscribed".into(),
                allowed: "an address that has not unsubscribed",
            }));
        }
        let inv = sqlx::query("SELECT id FROM invitations WHERE batch_id = $1")
            .bind(batch)
            .fetch_one(self.pool())
            .await?;
        let invitation: i64 = col(&inv, "id")?;
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("UPDATE cases SET winback_invitation_id = $1, updated_at = $2 WHERE id = $3")
            .bind(invitation)
            .bind(to_millis(now))
            .bind(case_id)
            .execute(&mut *w.tx)
            .await?;
        append_event(
            &mut w.tx,
            core.tenant,
            case_id,
            Some(actor.user),
            "winback_sent",
            &json!({"invitation_id": invitation, "survey_id": survey}),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(invitation)
    }

    /// The tenant's authority limits: (unit, role, cents), the tenant default first.
    pub async fn authority_limits(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<(Option<UnitId>, Option<String>, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT unit_id, role, amount_cents FROM authority_limits WHERE tenant_id = $1 ORDER BY unit_id, role",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    col::<Option<i64>>(r, "unit_id")?.map(UnitId),
                    col(r, "role")?,
                    col(r, "amount_cents")?,
                ))
            })
            .collect()
    }

    /// The survey sent to win customers back, if chosen.
    pub async fn winback_survey(&self, tenant: TenantId) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT winback_survey_id FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_one(self.pool())
            .await?;
        col(&row, "winback_survey_id")
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

    /// The tenant's active root-cause categories: (id, name).
    pub async fn root_causes(&self, tenant: TenantId) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name FROM root_causes WHERE tenant_id = $1 AND active = 1 ORDER BY name",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
            .collect()
    }

    /// Adds a root-cause category (administrators).
    pub async fn add_root_cause(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        name: &str,
    ) -> Result<i64, StoreError> {
        let name = cumbre_domain::input::required_text(name, Field::Name, 120)?;
        let mut w = self.begin_write().await?;
        let row =
            sqlx::query("INSERT INTO root_causes (tenant_id, name) VALUES ($1, $2) RETURNING id")
                .bind(grant.tenant().0)
                .bind(&name)
                .fetch_one(&mut *w.tx)
                .await?;
        w.commit().await?;
        col(&row, "id")
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
        let sla = self.sla(tenant, input.priority).await?;
        let clock = self.tenant_clock(tenant).await?;
        let first = to_millis(clock.deadline(now, sla.first_contact_minutes));
        let resolve = to_millis(clock.deadline(now, sla.resolve_minutes));
        let owner = self
            .responsible_chain(tenant, &unit.path)
            .await?
            .into_iter()
            .next();
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(
            "INSERT INTO cases (tenant_id, unit_id, touchpoint_id, title, customer_name, customer_email, customer_phone, \
             language, priority, status, owner_id, first_contact_due_at, resolve_due_at, due_at, search_text, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'es', $8, 'new', $9, $10, $11, $10, $12, $13, $14, $14) \
             RETURNING id",
        )
        .bind(tenant.0)
        .bind(unit.id.0)
        .bind(input.touchpoint_id)
        .bind(&title)
        .bind(customer_name.unwrap_or_default())
        .bind(email.map(|e| e.as_str().to_owned()).unwrap_or_default())
        .bind(phone.unwrap_or_default())
        .bind(input.priority.code())
        .bind(owner.as_ref().map(|o| o.user.0))
        .bind(first)
        .bind(resolve)
        .bind(cumbre_domain::text::fold(&title))
        .bind(format!("user {}", actor.user))
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        append_event(&mut w.tx, tenant, id, Some(actor.user), "opened",
            &json!({"priority": input.priority.code(), "note": note, "owner_id": owner.as_ref().map(|o| o.user.0)}), now).await?;
        if let Some(o) = &owner {
            queue_notification(
                &mut w.tx,
                tenant,
                Some(id),
                "email",
                &o.email,
                &format!("#{id}: {title}"),
                &json!({"case_id": id}).to_string(),
                now,
            )
            .await?;
        }
        w.commit().await?;
        Ok(id)
    }
}

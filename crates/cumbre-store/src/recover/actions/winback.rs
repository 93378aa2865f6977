//! Win-back: the survey sent to a customer after their case is resolved.

use super::{Actor, invalid};
use crate::recover::cases::append_event;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::to_millis;
use cumbre_domain::recover::CaseStatus;
use cumbre_domain::{Field, InvalidInput, TenantId};
use serde_json::json;
use time::OffsetDateTime;

impl Store {
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

    /// The survey sent to win customers back, if chosen.
    pub async fn winback_survey(&self, tenant: TenantId) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT winback_survey_id FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_one(self.pool())
            .await?;
        col(&row, "winback_survey_id")
    }
}

//! E-mail invitations: queued by a manager, sent by a background job, answered once.
//! "Never twice": a first send is claimed (queued → sending) before the SMTP call and a
//! reminder is marked before it is sent; after a crash, a claim left in `sending` is taken
//! as sent. At most once, never twice.

use crate::audit::record;
use crate::outbox::INVITATIONS;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::listen::invitations::Recipient;
use cumbre_domain::listen::{SurveyDefinition, SurveyStatus, Texts};
use cumbre_domain::{Field, InvalidInput, Lang, TenantId, UnitId};
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// One e-mail the job must send now.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub tenant: TenantId,
    pub token: String,
    pub name: String,
    pub email: String,
    pub language: Lang,
    pub survey_title: Texts,
    pub unit_name: String,
    pub reminder: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub reminder_days: Option<i64>,
    /// Recipients by status: queued, sending, sent, answered, bounced, unsubscribed.
    pub counts: BTreeMap<String, i64>,
    /// Of those sent, how many opened their link.
    pub opened: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecipientStatus {
    pub name: String,
    pub email: String,
    pub unit_name: String,
    pub status: String,
    pub opened: bool,
    pub last_error: Option<String>,
}

/// What the public page needs for an invitation token.
#[derive(Debug, Clone)]
pub struct PublicInvitation {
    pub id: i64,
    pub tenant: TenantId,
    pub survey_id: i64,
    pub status: SurveyStatus,
    pub version_id: i64,
    pub definition: std::sync::Arc<SurveyDefinition>,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub touchpoint_id: i64,
    pub touchpoint: Texts,
    pub language: Lang,
    pub answered: bool,
    pub unsubscribed: bool,
}

impl Store {
    /// Queues one invitation per recipient; returns (batch id, queued, suppressed because the
    /// address unsubscribed earlier).
    #[allow(clippy::too_many_arguments)] // The batch's settings and its recipients, all needed.
    pub async fn create_invitations(
        &self,
        scope: &Scope,
        survey_id: i64,
        reminder_days: Option<i64>,
        recipients: &[Recipient],
        tokens: &[String],
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(i64, usize, usize), StoreError> {
        let survey = self.get_survey(scope, survey_id).await?;
        if survey.summary.status != SurveyStatus::Published {
            return Err(InvalidInput::SurveyClosed.into());
        }
        if let Some(days) = reminder_days
            && !(1..=30).contains(&days)
        {
            return Err(InvalidInput::OutOfRange {
                field: Field::Position,
                min: 1,
                max: 30,
                value: days.to_string(),
            }
            .into());
        }
        let visible: std::collections::HashSet<i64> = self
            .list_units(scope)
            .await?
            .iter()
            .map(|u| u.id.0)
            .collect();
        for r in recipients {
            if !visible.contains(&r.unit_id) {
                return Err(InvalidInput::UnknownReference {
                    field: Field::Unit,
                    value: r.unit_id.to_string(),
                }
                .into());
            }
        }
        let tenant = scope.tenant();
        let mut w = self.begin_write().await?;
        let row = sqlx::query("INSERT INTO invitation_batches (tenant_id, survey_id, reminder_days, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(tenant.0)
            .bind(survey_id)
            .bind(reminder_days)
            .bind(actor)
            .bind(to_millis(now))
            .fetch_one(&mut *w.tx)
            .await?;
        let batch: i64 = col(&row, "id")?;
        let (mut queued, mut suppressed) = (0, 0);
        for (r, token) in recipients.iter().zip(tokens) {
            let gone =
                sqlx::query("SELECT email FROM unsubscribes WHERE tenant_id = $1 AND email = $2")
                    .bind(tenant.0)
                    .bind(r.email.as_str())
                    .fetch_optional(&mut *w.tx)
                    .await?
                    .is_some();
            let status = if gone { "unsubscribed" } else { "queued" };
            sqlx::query(
                "INSERT INTO invitations (tenant_id, batch_id, survey_id, token, name, email, language, unit_id, touchpoint_id, visit_date, \
                 status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
            )
            .bind(tenant.0)
            .bind(batch)
            .bind(survey_id)
            .bind(token)
            .bind(&r.name)
            .bind(r.email.as_str())
            .bind(r.language.code())
            .bind(r.unit_id)
            .bind(r.touchpoint_id)
            .bind(r.visit_date.map(|d| cumbre_domain::org::HireDate::from_date(d).to_iso()))
            .bind(status)
            .bind(to_millis(now))
            .execute(&mut *w.tx)
            .await?;
            if gone { suppressed += 1 } else { queued += 1 }
        }
        record(
            &mut w.tx,
            tenant,
            actor,
            "invitations.create",
            &format!("survey:{survey_id}"),
            &format!("batch {batch}: {queued} queued, {suppressed} unsubscribed"),
            now,
        )
        .await?;
        w.commit().await?;
        Ok((batch, queued, suppressed))
    }

    /// Claims what is due now (see `outbox`): first sends (queued → sending) and
    /// reminders (marked sent before sending: at most once). Each row is claimed by one
    /// process, however many share the database.
    pub async fn claim_due_invitations(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Outgoing>, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        INVITATIONS.settle_stale(&mut w.tx, now).await?;
        // Addresses that unsubscribed since they were queued are never written to.
        sqlx::query("UPDATE invitations SET status = 'unsubscribed' WHERE status = 'queued' AND EXISTS (SELECT 1 FROM unsubscribes u WHERE u.tenant_id = invitations.tenant_id AND u.email = invitations.email)")
            .execute(&mut *w.tx)
            .await?;
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE OF i SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let select = format!(
            "SELECT i.id, i.tenant_id, i.token, i.name, i.email, i.language, u.name AS unit_name, v.definition, i.status \
            FROM invitations i JOIN units u ON u.id = i.unit_id JOIN surveys s ON s.id = i.survey_id \
            JOIN survey_versions v ON v.id = s.current_version_id JOIN invitation_batches b ON b.id = i.batch_id \
            WHERE s.status = 'published' AND ((i.status = 'queued' AND i.next_attempt_at <= $1) \
               OR (i.status = 'sent' AND i.reminder_sent_at IS NULL AND b.reminder_days IS NOT NULL \
                   AND i.sent_at + b.reminder_days * 86400000 <= $1)) \
            ORDER BY i.id LIMIT $2{lock}"
        );
        let rows = sqlx::query(&select)
            .bind(to_millis(now))
            .bind(limit)
            .fetch_all(&mut *w.tx)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let reminder = col::<String>(r, "status")? == "sent";
            let claimed = if reminder {
                sqlx::query("UPDATE invitations SET reminder_sent_at = $1 WHERE id = $2 AND status = 'sent' AND reminder_sent_at IS NULL")
                    .bind(to_millis(now))
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?
                    .rows_affected()
                    == 1
            } else {
                INVITATIONS.claim(&mut w.tx, id, now).await?
            };
            if !claimed {
                continue;
            }
            let def: String = col(r, "definition")?;
            let def: SurveyDefinition = crate::store::json(&def, "definition")?;
            out.push(Outgoing {
                id,
                tenant: TenantId(col(r, "tenant_id")?),
                token: col(r, "token")?,
                name: col(r, "name")?,
                email: col(r, "email")?,
                language: Lang::from_code(&col::<String>(r, "language")?).unwrap_or_default(),
                survey_title: def.title,
                unit_name: col(r, "unit_name")?,
                reminder,
            });
        }
        w.commit().await?;
        Ok(out)
    }

    /// The SMTP server accepted the message.
    pub async fn invitation_sent(
        &self,
        id: i64,
        reminder: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if reminder {
            return Ok(());
        }
        let mut w = self.begin_quiet_write().await?;
        INVITATIONS.sent(&mut w.tx, id, now).await?;
        w.commit().await?;
        Ok(())
    }

    /// Sending failed: a permanent refusal bounces the address; a transient one retries later.
    pub async fn invitation_failed(
        &self,
        id: i64,
        error: &str,
        permanent: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        INVITATIONS
            .failed(&mut w.tx, id, error, permanent, now)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// A bounce report came back: marks as bounced the invitation its header names, when
    /// that invitation went to the reported address, else the latest one sent there. Only a
    /// sent invitation can bounce; returns it, or `None` when nothing matched (then nothing
    /// changed). A bounced invitation gets no reminder.
    pub async fn invitation_bounced(
        &self,
        tenant: TenantId,
        invitation: Option<i64>,
        bounce: &cumbre_domain::listen::bounces::Bounce,
        now: OffsetDateTime,
    ) -> Result<Option<i64>, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        let named = match invitation {
            Some(id) => sqlx::query(
                "SELECT id FROM invitations WHERE id = $1 AND tenant_id = $2 AND lower(email) = $3 AND status IN ('sent', 'sending')",
            )
            .bind(id)
            .bind(tenant.0)
            .bind(&bounce.recipient)
            .fetch_optional(&mut *w.tx)
            .await?,
            None => None,
        };
        let found = match named {
            Some(row) => Some(row),
            None => sqlx::query(
                "SELECT id FROM invitations WHERE tenant_id = $1 AND lower(email) = $2 AND status IN ('sent', 'sending') \
                 ORDER BY COALESCE(sent_at, 0) DESC, id DESC LIMIT 1",
            )
            .bind(tenant.0)
            .bind(&bounce.recipient)
            .fetch_optional(&mut *w.tx)
            .await?,
        };
        let Some(row) = found else {
            return Ok(None);
        };
        let id: i64 = col(&row, "id")?;
        let reason = format!("{} {}", bounce.status, bounce.diagnostic);
        sqlx::query("UPDATE invitations SET status = 'bounced', last_error = $1, next_attempt_at = $2 WHERE id = $3")
            .bind(reason.trim().chars().take(300).collect::<String>())
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(Some(id))
    }

    pub async fn invitation_by_token(
        &self,
        token: &str,
    ) -> Result<Option<PublicInvitation>, StoreError> {
        let row = sqlx::query(
            "SELECT i.id, i.tenant_id, i.survey_id, s.status AS survey_status, s.current_version_id, v.definition, i.unit_id, u.name AS unit_name, \
             i.touchpoint_id, t.name AS touchpoint_name, i.language, i.status, i.answered_at \
             FROM invitations i JOIN surveys s ON s.id = i.survey_id JOIN survey_versions v ON v.id = s.current_version_id \
             JOIN units u ON u.id = i.unit_id JOIN touchpoints t ON t.id = i.touchpoint_id WHERE i.token = $1",
        )
        .bind(token)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let (status, version_id, definition) = crate::listen::surveys::current_version(
            &self.cache,
            &r,
            "survey_status",
            "current_version_id",
        )?;
        let tp: String = col(&r, "touchpoint_name")?;
        Ok(Some(PublicInvitation {
            id: col(&r, "id")?,
            tenant: TenantId(col(&r, "tenant_id")?),
            survey_id: col(&r, "survey_id")?,
            status,
            version_id,
            definition,
            unit_id: UnitId(col(&r, "unit_id")?),
            unit_name: col(&r, "unit_name")?,
            touchpoint_id: col(&r, "touchpoint_id")?,
            touchpoint: crate::store::json(&tp, "touchpoint")?,
            language: Lang::from_code(&col::<String>(&r, "language")?).unwrap_or_default(),
            answered: col::<Option<i64>>(&r, "answered_at")?.is_some(),
            unsubscribed: col::<String>(&r, "status")? == "unsubscribed",
        }))
    }

    pub async fn invitation_opened(&self, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("UPDATE invitations SET opened_at = $1 WHERE id = $2 AND opened_at IS NULL")
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    pub async fn invitation_answered(
        &self,
        id: i64,
        response_id: i64,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("UPDATE invitations SET status = 'answered', answered_at = $1, response_id = $2 WHERE id = $3 AND answered_at IS NULL")
            .bind(to_millis(now))
            .bind(response_id)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// Records that the invitation's address wants no more invitations from this tenant, ever.
    pub async fn unsubscribe(&self, token: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        let row = sqlx::query("SELECT tenant_id, email FROM invitations WHERE token = $1")
            .bind(token)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let tenant: i64 = col(&row, "tenant_id")?;
        let email: String = col(&row, "email")?;
        let mut w = self.begin_write().await?;
        sqlx::query("INSERT INTO unsubscribes (tenant_id, email, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(tenant)
            .bind(&email)
            .bind(to_millis(now))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("UPDATE invitations SET status = 'unsubscribed' WHERE tenant_id = $1 AND email = $2 AND status IN ('queued', 'sent')")
            .bind(tenant)
            .bind(&email)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// The batches of a survey, with counts by status (recipients in units the scope sees).
    pub async fn invitation_batches(
        &self,
        scope: &Scope,
        survey_id: i64,
    ) -> Result<Vec<BatchSummary>, StoreError> {
        self.get_survey(scope, survey_id).await?;
        let mut sql = crate::sql::Sql::new(
            "SELECT b.id, b.created_at, b.reminder_days, i.status, COUNT(*) AS n, SUM(CASE WHEN i.opened_at IS NULL THEN 0 ELSE 1 END) AS opened \
             FROM invitation_batches b JOIN invitations i ON i.batch_id = b.id JOIN units u ON u.id = i.unit_id WHERE b.survey_id = ",
        );
        sql.int(survey_id);
        crate::org::units::push_unit_scope(&mut sql, scope, "u");
        sql.push(" GROUP BY b.id, b.created_at, b.reminder_days, i.status ORDER BY b.id DESC");
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        let mut out: Vec<BatchSummary> = Vec::new();
        for r in &rows {
            let id: i64 = col(r, "id")?;
            if out.last().is_none_or(|b| b.id != id) {
                out.push(BatchSummary {
                    id,
                    created_at: from_millis(col(r, "created_at")?),
                    reminder_days: col(r, "reminder_days")?,
                    counts: BTreeMap::new(),
                    opened: 0,
                });
            }
            if let Some(b) = out.last_mut() {
                b.counts.insert(col(r, "status")?, col(r, "n")?);
                b.opened += col::<i64>(r, "opened")?;
            }
        }
        Ok(out)
    }

    /// Every recipient of a batch the scope sees, with their status.
    pub async fn invitation_recipients(
        &self,
        scope: &Scope,
        batch_id: i64,
    ) -> Result<Vec<RecipientStatus>, StoreError> {
        let mut sql = crate::sql::Sql::new(
            "SELECT i.name, i.email, u.name AS unit_name, i.status, i.opened_at, i.last_error FROM invitations i JOIN units u ON u.id = i.unit_id WHERE i.batch_id = ",
        );
        sql.int(batch_id);
        crate::org::units::push_unit_scope(&mut sql, scope, "u");
        sql.push(" ORDER BY i.id");
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(RecipientStatus {
                    name: col(r, "name")?,
                    email: col(r, "email")?,
                    unit_name: col(r, "unit_name")?,
                    status: col(r, "status")?,
                    opened: col::<Option<i64>>(r, "opened_at")?.is_some(),
                    last_error: col(r, "last_error")?,
                })
            })
            .collect()
    }
}

/// How many invitations reached their guests and how many were answered: the response
/// rate's numerator and denominator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ResponseRate {
    /// Sent and not bounced.
    pub delivered: i64,
    pub answered: i64,
}

impl Store {
    /// The response rate of invitations sent in `[from, to)` to guests of `unit`'s subtree
    /// (which the scope must see), optionally of one survey.
    pub async fn response_rate(
        &self,
        scope: &Scope,
        unit: &crate::org::Unit,
        survey: Option<i64>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<ResponseRate, StoreError> {
        if !scope.sees_unit(unit.tenant, unit.id, &unit.path) {
            return Err(StoreError::NotFound);
        }
        let mut sql = crate::sql::Sql::new(
            "SELECT COUNT(*) AS delivered, \
             CAST(COALESCE(SUM(CASE WHEN i.answered_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered \
             FROM invitations i JOIN units u ON u.id = i.unit_id WHERE i.tenant_id = ",
        );
        sql.int(unit.tenant.0)
            .push(" AND u.path LIKE ")
            .text(unit.path.subtree_pattern())
            .push(" AND i.status <> 'bounced' AND i.sent_at >= ")
            .int(to_millis(from))
            .push(" AND i.sent_at < ")
            .int(to_millis(to));
        if let Some(s) = survey {
            sql.push(" AND i.survey_id = ").int(s);
        }
        let row = sql.query()?.fetch_one(self.pool()).await?;
        Ok(ResponseRate {
            delivered: col(&row, "delivered")?,
            answered: col(&row, "answered")?,
        })
    }
}

//! Employee pulses: created by administrators, opened cycle by cycle by the scheduler
//! (exactly once, however many servers run it), answered once per invitation.
//!
//! An answer is written apart from its invitation: the invitation learns only that its
//! person has answered (no time), the answer gets a random key and no time finer than its
//! cycle, and — in an anonymous pulse — no person (migration 0025).

use crate::org::units::unit_path;
use crate::outbox::PULSE_INVITATIONS;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::lead::anonymity::Thresholds;
use cumbre_domain::lead::pulse::{Cadence, Mode, PulseAnswer, Template};
use cumbre_domain::lead::pulse_report::{Answered, Tree};
use cumbre_domain::lead::segment::TenureBand;
use cumbre_domain::{DepartmentId, Field, InvalidInput, PersonId, TenantId, UnitId};
use serde::Serialize;
use time::OffsetDateTime;

/// Longest a cycle may stay open.
pub const MAX_OPEN_DAYS: i64 = 60;

/// A pulse as an administrator describes it.
#[derive(Debug, Clone)]
pub struct NewPulse {
    pub name: String,
    pub template: &'static Template,
    pub mode: Mode,
    pub cadence: Cadence,
    pub audience: UnitId,
    pub open_days: i64,
    pub first_opens_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Pulse {
    pub id: i64,
    pub name: String,
    pub template: String,
    #[schema(value_type = String)]
    pub mode: Mode,
    #[schema(value_type = String)]
    pub cadence: Cadence,
    #[schema(value_type = i64)]
    pub audience_unit_id: UnitId,
    pub min_group: i64,
    pub min_comments: i64,
    pub open_days: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_open_at: OffsetDateTime,
    pub active: bool,
    /// Mode and thresholds fixed since the first answer.
    pub locked: bool,
}

/// What an administrator changes in a pulse (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct PulseChange {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub open_days: Option<i64>,
    pub mode: Option<Mode>,
    pub thresholds: Option<Thresholds>,
}

/// One cycle, with how many were invited and how many answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cycle {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: OffsetDateTime,
    pub invited: i64,
    pub answered: i64,
}

/// What the person holding an invitation sees.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub tenant: TenantId,
    pub pulse_name: String,
    pub template: &'static Template,
    pub mode: Mode,
    pub thresholds: Thresholds,
    pub closes_at: OffsetDateTime,
    pub answered: bool,
    pub open: bool,
}

/// A pulse invitation to e-mail now.
#[derive(Debug, Clone)]
pub struct PulseMail {
    pub id: i64,
    pub token: String,
    pub name: String,
    pub email: String,
    pub language: cumbre_domain::Lang,
    pub pulse_name: String,
    pub closes_at: OffsetDateTime,
    pub tenant: TenantId,
}

/// One closed cycle's answers, ready for the report.
#[derive(Debug, Clone)]
pub struct CycleAnswers {
    pub cycle: Cycle,
    pub answers: Vec<Answered>,
}

fn pulse_of(r: &sqlx::any::AnyRow) -> Result<Pulse, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("pulse {what}"));
    Ok(Pulse {
        id: col(r, "id")?,
        name: col(r, "name")?,
        template: col(r, "template")?,
        mode: Mode::parse(&col::<String>(r, "mode")?).map_err(|_| corrupt("mode"))?,
        cadence: Cadence::parse(&col::<String>(r, "cadence")?).map_err(|_| corrupt("cadence"))?,
        audience_unit_id: UnitId(col(r, "audience_unit_id")?),
        min_group: col(r, "min_group")?,
        min_comments: col(r, "min_comments")?,
        open_days: col(r, "open_days")?,
        next_open_at: from_millis(col(r, "next_open_at")?),
        active: col::<i64>(r, "active")? != 0,
        locked: col::<i64>(r, "locked")? != 0,
    })
}

const PULSE_COLUMNS: &str = "id, name, template, mode, cadence, audience_unit_id, min_group, \
    min_comments, open_days, next_open_at, active, locked";

impl Store {
    /// The tenant's thresholds (the defaults unless it set its own).
    pub async fn anonymity_thresholds(&self, tenant: TenantId) -> Result<Thresholds, StoreError> {
        let row = sqlx::query(
            "SELECT min_group, min_comments FROM anonymity_settings WHERE tenant_id = $1",
        )
        .bind(tenant.0)
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(Thresholds::DEFAULT),
            Some(r) => {
                let (g, c): (i64, i64) = (col(&r, "min_group")?, col(&r, "min_comments")?);
                Thresholds::new(g as u32, c as u32)
                    .ok_or_else(|| StoreError::Corrupt("anonymity thresholds".into()))
            }
        }
    }

    /// Sets the tenant's thresholds (never below the floor; comments at least as many as
    /// figures). Pulses created from now on copy them; each existing pulse keeps its own,
    /// which its participants were shown.
    pub async fn set_anonymity_thresholds(
        &self,
        grant: &AdminGrant,
        actor: &str,
        group: i64,
        comments: i64,
        now: OffsetDateTime,
    ) -> Result<Thresholds, StoreError> {
        let thresholds = Thresholds::parse(group, comments)?;
        let (g, c) = (thresholds.group(), thresholds.comments());
        let tenant = grant.tenant();
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("DELETE FROM anonymity_settings WHERE tenant_id = $1")
            .bind(tenant.0)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO anonymity_settings (tenant_id, min_group, min_comments, updated_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant.0)
        .bind(i64::from(g))
        .bind(i64::from(c))
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        crate::audit::record(
            &mut w.tx,
            tenant,
            actor,
            "anonymity.thresholds",
            "anonymity",
            &format!("{g} / {c}"),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(thresholds)
    }

    /// Creates a pulse with the tenant's current thresholds; its first cycle opens at
    /// `first_opens_at` (the scheduler's next pass after it).
    pub async fn create_pulse(
        &self,
        grant: &AdminGrant,
        actor: &str,
        new: &NewPulse,
        now: OffsetDateTime,
    ) -> Result<Pulse, StoreError> {
        let tenant = grant.tenant();
        let name = cumbre_domain::input::required_text(&new.name, Field::Name, 120)?;
        if !(1..=MAX_OPEN_DAYS).contains(&new.open_days) {
            return Err(InvalidInput::OutOfRange {
                field: Field::Day,
                min: 1,
                max: MAX_OPEN_DAYS,
                value: new.open_days.to_string(),
            }
            .into());
        }
        let thresholds = self.anonymity_thresholds(tenant).await?;
        let mut w = self.begin_quiet_write().await?;
        // An audience unit the tenant does not have: not found.
        unit_path(&mut w.tx, tenant, new.audience).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO pulses (tenant_id, name, template, mode, cadence, audience_unit_id, min_group, \
             min_comments, open_days, next_open_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {PULSE_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(&name)
        .bind(new.template.key)
        .bind(new.mode.code())
        .bind(new.cadence.code())
        .bind(new.audience.0)
        .bind(i64::from(thresholds.group()))
        .bind(i64::from(thresholds.comments()))
        .bind(new.open_days)
        .bind(to_millis(new.first_opens_at))
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let pulse = pulse_of(&row)?;
        crate::audit::record(
            &mut w.tx,
            tenant,
            actor,
            "pulse.create",
            &format!("pulse:{}", pulse.id),
            &format!("{} ({}, {})", name, new.mode.code(), new.cadence.code()),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(pulse)
    }

    /// Changes a pulse. Its name, whether it goes on opening cycles and how long the next
    /// ones stay open may change at any time; its mode and thresholds only until the first
    /// answer (they were shown to whoever answered). The lock is checked and the change
    /// written in one transaction, so an answer arriving meanwhile wins.
    pub async fn update_pulse(
        &self,
        grant: &AdminGrant,
        actor: &str,
        id: i64,
        change: &PulseChange,
        now: OffsetDateTime,
    ) -> Result<Pulse, StoreError> {
        let tenant = grant.tenant();
        let name = match &change.name {
            Some(n) => Some(cumbre_domain::input::required_text(n, Field::Name, 120)?),
            None => None,
        };
        if let Some(d) = change
            .open_days
            .filter(|d| !(1..=MAX_OPEN_DAYS).contains(d))
        {
            return Err(InvalidInput::OutOfRange {
                field: Field::Day,
                min: 1,
                max: MAX_OPEN_DAYS,
                value: d.to_string(),
            }
            .into());
        }
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {PULSE_COLUMNS} FROM pulses WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let old = pulse_of(&row)?;
        let mode = change.mode.unwrap_or(old.mode);
        let (group, comments) = change
            .thresholds
            .map_or((old.min_group, old.min_comments), |t| {
                (i64::from(t.group()), i64::from(t.comments()))
            });
        let guarded = mode != old.mode || group != old.min_group || comments != old.min_comments;
        // An answer (which sets `locked`) committed before this statement makes it match
        // nothing, and the change is refused.
        let changed = sqlx::query(
            "UPDATE pulses SET name = $1, active = $2, open_days = $3, mode = $4, min_group = $5, min_comments = $6 \
             WHERE id = $7 AND tenant_id = $8 AND (locked = 0 OR $9 = 0)",
        )
        .bind(name.as_deref().unwrap_or(&old.name))
        .bind(i64::from(change.active.unwrap_or(old.active)))
        .bind(change.open_days.unwrap_or(old.open_days))
        .bind(mode.code())
        .bind(group)
        .bind(comments)
        .bind(id)
        .bind(tenant.0)
        .bind(i64::from(guarded))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(InvalidInput::PulseLocked.into());
        }
        crate::audit::record(
            &mut w.tx,
            tenant,
            actor,
            "pulse.update",
            &format!("pulse:{id}"),
            &format!(
                "{} ({}, {group} / {comments})",
                name.as_deref().unwrap_or(&old.name),
                mode.code()
            ),
            now,
        )
        .await?;
        let row = sqlx::query(&format!("SELECT {PULSE_COLUMNS} FROM pulses WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
        let pulse = pulse_of(&row)?;
        w.commit().await?;
        Ok(pulse)
    }

    /// The tenant's pulses, for whoever reads employees' results (everyone but employees
    /// and auditors).
    pub async fn list_pulses(&self, scope: &Scope) -> Result<Vec<Pulse>, StoreError> {
        if matches!(scope, Scope::Own { .. }) {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "SELECT {PULSE_COLUMNS} FROM pulses WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(scope.tenant().0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(pulse_of).collect()
    }

    pub async fn pulse(&self, scope: &Scope, id: i64) -> Result<Pulse, StoreError> {
        if matches!(scope, Scope::Own { .. }) {
            return Err(StoreError::NotFound);
        }
        let row = sqlx::query(&format!(
            "SELECT {PULSE_COLUMNS} FROM pulses WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(scope.tenant().0)
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        pulse_of(&row)
    }

    /// Opens every cycle that is due: the cycle, an invitation for each active person in
    /// the audience (queued for e-mail when they have an address; `token` makes each
    /// invitation's secret), and the next opening.
    /// Each pulse moves on by compare-and-set on its `next_open_at`, and a cycle is unique
    /// per opening, so two schedulers at once open it once. Returns the cycles opened.
    pub async fn open_due_pulses(
        &self,
        now: OffsetDateTime,
        token: &mut (dyn FnMut(PersonId) -> Option<String> + Send),
    ) -> Result<usize, StoreError> {
        let due = sqlx::query(&format!(
            "SELECT tenant_id, {PULSE_COLUMNS} FROM pulses WHERE active = 1 AND next_open_at <= $1 ORDER BY id LIMIT 100"
        ))
        .bind(to_millis(now))
        .fetch_all(self.pool())
        .await?;
        let mut opened = 0;
        for r in &due {
            let tenant = TenantId(col(r, "tenant_id")?);
            let pulse = pulse_of(r)?;
            let opens = pulse.next_open_at;
            let mut w = self.begin_quiet_write().await?;
            let moved = sqlx::query(
                "UPDATE pulses SET next_open_at = $1 WHERE id = $2 AND next_open_at = $3 AND active = 1",
            )
            .bind(to_millis(pulse.cadence.next(opens)))
            .bind(pulse.id)
            .bind(to_millis(opens))
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if moved != 1 {
                continue;
            }
            let closes = opens + time::Duration::days(pulse.open_days);
            let cycle: i64 = sqlx::query_scalar(
                "INSERT INTO pulse_cycles (tenant_id, pulse_id, opens_at, closes_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(tenant.0)
            .bind(pulse.id)
            .bind(to_millis(opens))
            .bind(to_millis(closes))
            .fetch_one(&mut *w.tx)
            .await?;
            let path = unit_path(&mut w.tx, tenant, pulse.audience_unit_id).await?;
            let people = sqlx::query(
                "SELECT p.id, p.email FROM people p JOIN units u ON u.id = p.unit_id \
                 WHERE p.tenant_id = $1 AND p.active = 1 AND u.path LIKE $2 ORDER BY p.id",
            )
            .bind(tenant.0)
            .bind(path.subtree_pattern())
            .fetch_all(&mut *w.tx)
            .await?;
            for p in &people {
                let email: Option<String> = col(p, "email")?;
                let person = PersonId(col(p, "id")?);
                let status = if email.is_some_and(|e| !e.is_empty()) {
                    "queued"
                } else {
                    "no_email"
                };
                sqlx::query(
                    "INSERT INTO pulse_invitations (tenant_id, cycle_id, person_id, token, status, next_attempt_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(tenant.0)
                .bind(cycle)
                .bind(person.0)
                .bind(token(person).ok_or_else(|| StoreError::Corrupt("no randomness for a token".into()))?)
                .bind(status)
                .bind(to_millis(now))
                .execute(&mut *w.tx)
                .await?;
            }
            w.commit().await?;
            opened += 1;
        }
        Ok(opened)
    }

    /// Claims the pulse invitations due for e-mail (see `outbox`): each by one process,
    /// however many share the database; only while their cycle is open.
    pub async fn claim_due_pulse_mails(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<PulseMail>, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        PULSE_INVITATIONS.settle_stale(&mut w.tx, now).await?;
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE OF i SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "SELECT i.id, i.tenant_id, i.token, pe.name, pe.email, c.closes_at, p.name AS pulse_name,              (SELECT us.locale FROM users us WHERE us.person_id = pe.id ORDER BY us.id LIMIT 1) AS locale              FROM pulse_invitations i JOIN people pe ON pe.id = i.person_id              JOIN pulse_cycles c ON c.id = i.cycle_id JOIN pulses p ON p.id = c.pulse_id              WHERE i.status = 'queued' AND i.next_attempt_at <= $1 AND c.closes_at > $1              ORDER BY i.id LIMIT $2{lock}"
        ))
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(&mut *w.tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = col(r, "id")?;
            if !PULSE_INVITATIONS.claim(&mut w.tx, id, now).await? {
                continue;
            }
            out.push(PulseMail {
                id,
                token: col(r, "token")?,
                name: col(r, "name")?,
                email: col::<Option<String>>(r, "email")?.unwrap_or_default(),
                language: col::<Option<String>>(r, "locale")?
                    .and_then(|l| cumbre_domain::Lang::from_code(&l))
                    .unwrap_or_default(),
                pulse_name: col(r, "pulse_name")?,
                closes_at: from_millis(col(r, "closes_at")?),
                tenant: TenantId(col(r, "tenant_id")?),
            });
        }
        w.commit().await?;
        Ok(out)
    }

    /// The SMTP server accepted the invitation.
    pub async fn pulse_mail_sent(&self, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        PULSE_INVITATIONS.sent(&mut w.tx, id, now).await?;
        w.commit().await
    }

    /// Sending failed: a permanent refusal gives up, a transient one tries again later.
    pub async fn pulse_mail_failed(
        &self,
        id: i64,
        error: &str,
        permanent: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        PULSE_INVITATIONS
            .failed(&mut w.tx, id, error, permanent, now)
            .await?;
        w.commit().await
    }

    /// The invitation a token names, as its holder sees it.
    pub async fn pulse_invitation(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Invitation, StoreError> {
        let row = sqlx::query(
            "SELECT i.tenant_id, i.answered, c.opens_at, c.closes_at, p.name, p.template, p.mode, \
             p.min_group, p.min_comments FROM pulse_invitations i \
             JOIN pulse_cycles c ON c.id = i.cycle_id JOIN pulses p ON p.id = c.pulse_id \
             WHERE i.token = $1",
        )
        .bind(token)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("pulse {what}"));
        let template =
            Template::find(&col::<String>(&row, "template")?).ok_or_else(|| corrupt("template"))?;
        let (opens, closes) = (
            from_millis(col(&row, "opens_at")?),
            from_millis(col(&row, "closes_at")?),
        );
        let (g, c): (i64, i64) = (col(&row, "min_group")?, col(&row, "min_comments")?);
        Ok(Invitation {
            tenant: TenantId(col(&row, "tenant_id")?),
            pulse_name: col(&row, "name")?,
            template,
            mode: Mode::parse(&col::<String>(&row, "mode")?).map_err(|_| corrupt("mode"))?,
            thresholds: Thresholds::new(g as u32, c as u32).ok_or_else(|| corrupt("thresholds"))?,
            closes_at: closes,
            answered: col::<i64>(&row, "answered")? != 0,
            open: opens <= now && now < closes,
        })
    }

    /// Records the answer of the invitation `token` under the random key `key`: once per
    /// invitation (compare-and-set on `answered`), only while its cycle is open, and only
    /// under the mode and thresholds its author was shown (`seen`); where its person stands
    /// (unit, department, tenure band) is taken now. Locks the pulse's mode and thresholds.
    pub async fn answer_pulse(
        &self,
        token: &str,
        key: &str,
        answer: &PulseAnswer,
        seen: (Mode, Thresholds),
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_quiet_write().await?;
        // Lock the pulse first (rolled back with a refusal): its mode and thresholds cannot
        // change under this answer, and must be those its author was shown.
        let pulse: i64 = sqlx::query_scalar(
            "SELECT c.pulse_id FROM pulse_invitations i JOIN pulse_cycles c ON c.id = i.cycle_id WHERE i.token = $1",
        )
        .bind(token)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        sqlx::query("UPDATE pulses SET locked = 1 WHERE id = $1")
            .bind(pulse)
            .execute(&mut *w.tx)
            .await?;
        let row = sqlx::query(
            "SELECT i.id, i.tenant_id, i.cycle_id, i.answered, c.pulse_id, c.opens_at, c.closes_at, p.mode, \
             p.min_group, p.min_comments, \
             p.template, pe.id AS person_id, pe.unit_id, pe.department_id, pe.hire_date \
             FROM pulse_invitations i JOIN pulse_cycles c ON c.id = i.cycle_id \
             JOIN pulses p ON p.id = c.pulse_id JOIN people pe ON pe.id = i.person_id \
             WHERE i.token = $1",
        )
        .bind(token)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let open = from_millis(col(&row, "opens_at")?) <= now
            && now < from_millis(col(&row, "closes_at")?);
        if !open {
            return Err(InvalidInput::SurveyClosed.into());
        }
        let template = Template::find(&col::<String>(&row, "template")?)
            .ok_or_else(|| StoreError::Corrupt("pulse template".into()))?;
        if answer.scores.len() != template.statements.len() {
            return Err(InvalidInput::Required(Field::Answer).into());
        }
        let claimed =
            sqlx::query("UPDATE pulse_invitations SET answered = 1 WHERE id = $1 AND answered = 0")
                .bind(col::<i64>(&row, "id")?)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
        if claimed != 1 {
            return Err(InvalidInput::AlreadyAnswered.into());
        }
        let mode = Mode::parse(&col::<String>(&row, "mode")?)
            .map_err(|_| StoreError::Corrupt("pulse mode".into()))?;
        let shown = (i64::from(seen.1.group()), i64::from(seen.1.comments()));
        if seen.0 != mode || shown != (col(&row, "min_group")?, col(&row, "min_comments")?) {
            return Err(InvalidInput::TermsChanged.into());
        }
        let tenure = col::<Option<String>>(&row, "hire_date")?
            .and_then(|d| {
                time::Date::parse(
                    &d,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .ok()
            })
            .map(|hired| TenureBand::of(hired, now.date()));
        let scores: Vec<String> = answer.scores.iter().map(u8::to_string).collect();
        sqlx::query(
            "INSERT INTO pulse_answers (id, tenant_id, cycle_id, unit_id, department_id, tenure, enps, scores, comment, person_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(key)
        .bind(col::<i64>(&row, "tenant_id")?)
        .bind(col::<i64>(&row, "cycle_id")?)
        .bind(col::<i64>(&row, "unit_id")?)
        .bind(col::<Option<i64>>(&row, "department_id")?)
        .bind(tenure.map(TenureBand::code))
        .bind(i64::from(answer.enps))
        .bind(scores.join(","))
        .bind(answer.comment.as_deref())
        .bind(match mode {
            Mode::Confidential => Some(col::<i64>(&row, "person_id")?),
            Mode::Anonymous => None,
        })
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// The closed cycles of `pulse` that opened in [from, to), oldest first, with their
    /// answers, and the audience's units for the report. Scope is checked by the caller's
    /// choice of unit (see `pulse_results` in the web layer): the decision of what may be
    /// shown is the same for everyone.
    pub async fn pulse_cycles(
        &self,
        scope: &Scope,
        pulse: &Pulse,
        from: OffsetDateTime,
        to: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(Tree, Vec<CycleAnswers>), StoreError> {
        if matches!(scope, Scope::Own { .. }) {
            return Err(StoreError::NotFound);
        }
        let tenant = scope.tenant();
        let mut conn = self.pool().acquire().await?;
        let root = sqlx::query("SELECT path FROM units WHERE id = $1 AND tenant_id = $2")
            .bind(pulse.audience_unit_id.0)
            .bind(tenant.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let pattern = format!("{}%", col::<String>(&root, "path")?);
        let units = sqlx::query(
            "SELECT id, parent_id, path FROM units WHERE tenant_id = $1 AND path LIKE $2 ORDER BY length(path), id",
        )
        .bind(tenant.0)
        .bind(pattern)
        .fetch_all(&mut *conn)
        .await?;
        let mut listed = Vec::with_capacity(units.len());
        for u in &units {
            listed.push((
                UnitId(col(u, "id")?),
                col::<Option<i64>>(u, "parent_id")?.map(UnitId),
            ));
        }
        // The audience first, then each unit after its parent (shorter paths first).
        listed.sort_by_key(|(id, _)| *id != pulse.audience_unit_id);
        let tree = Tree::new(listed);
        let cycles = sqlx::query(
            "SELECT c.id, c.opens_at, c.closes_at, \
             (SELECT CAST(count(*) AS BIGINT) FROM pulse_invitations i WHERE i.cycle_id = c.id) AS invited, \
             (SELECT CAST(count(*) AS BIGINT) FROM pulse_invitations i WHERE i.cycle_id = c.id AND i.answered = 1) AS answered \
             FROM pulse_cycles c WHERE c.pulse_id = $1 AND c.tenant_id = $2 AND c.opens_at >= $3 AND c.opens_at < $4 \
             AND c.closes_at <= $5 ORDER BY c.opens_at",
        )
        .bind(pulse.id)
        .bind(tenant.0)
        .bind(to_millis(from))
        .bind(to_millis(to))
        .bind(to_millis(now))
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(cycles.len());
        for c in &cycles {
            let id: i64 = col(c, "id")?;
            let rows = sqlx::query(
                "SELECT unit_id, department_id, tenure, enps, scores, comment FROM pulse_answers WHERE cycle_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            let mut answers = Vec::with_capacity(rows.len());
            for r in &rows {
                let scores: String = col(r, "scores")?;
                answers.push(Answered {
                    unit: UnitId(col(r, "unit_id")?),
                    department: col::<Option<i64>>(r, "department_id")?.map(DepartmentId),
                    tenure: col::<Option<String>>(r, "tenure")?
                        .and_then(|t| TenureBand::from_code(&t)),
                    enps: col::<i64>(r, "enps")?.clamp(0, 10) as u8,
                    scores: scores
                        .split(',')
                        .filter_map(|s| s.parse::<u8>().ok())
                        .collect(),
                    comment: col(r, "comment")?,
                });
            }
            out.push(CycleAnswers {
                cycle: Cycle {
                    id,
                    opens_at: from_millis(col(c, "opens_at")?),
                    closes_at: from_millis(col(c, "closes_at")?),
                    invited: col(c, "invited")?,
                    answered: col(c, "answered")?,
                },
                answers,
            });
        }
        Ok((tree, out))
    }
}

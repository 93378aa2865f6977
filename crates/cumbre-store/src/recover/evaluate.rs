//! The rule evaluator: every new response is seen by the rules exactly once. A pass claims
//! each pending response (`evaluated_at` from NULL to now) in the transaction that opens
//! its case and queues its notifications, so a crash repeats nothing and loses nothing,
//! and two servers on one PostgreSQL database cannot both act on a response: the second
//! claim waits for the first's row lock, then finds the response taken.

use crate::recover::rules::AlertRule;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::listen::{QuestionKind, SurveyDefinition};
use cumbre_domain::org::UnitPath;
use cumbre_domain::recover::Priority;
use cumbre_domain::{Lang, TenantId};
use serde_json::{Value, json};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Responses looked at per transaction.
const BATCH: i64 = 200;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluated {
    pub responses: usize,
    pub cases: usize,
    pub notifications: usize,
    /// The cases opened, in order.
    pub opened: Vec<i64>,
}

struct Pending {
    id: i64,
    tenant: TenantId,
    survey_id: i64,
    version_id: i64,
    unit_id: i64,
    unit_path: UnitPath,
    touchpoint_id: i64,
    source: String,
    language: Lang,
    answers: Value,
    reading: Option<cumbre_domain::improve::reading::Reading>,
    submitted_at: OffsetDateTime,
}

/// What a case is found by: its title and the guest's own words (comments, chosen
/// options, consented contact), folded like every search text.
fn search_text(title: &str, answers: &Value) -> String {
    fn strings(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => {
                out.push(' ');
                out.push_str(s);
            }
            Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
            Value::Object(map) => map.values().for_each(|i| strings(i, out)),
            _ => {}
        }
    }
    let mut text = title.to_owned();
    strings(answers, &mut text);
    cumbre_domain::text::fold(&text)
}

/// The customer's contact details: a stored contact answer exists only with their consent
/// (without it the details are dropped before storage).
fn consented_contact(def: &SurveyDefinition, answers: &Value) -> (String, String, String) {
    def.questions
        .iter()
        .filter(|q| matches!(q.kind, QuestionKind::Contact))
        .filter_map(|q| answers.get(&q.key))
        .find(|c| c.is_object())
        .map(|c| {
            let field = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            (field("name"), field("email"), field("phone"))
        })
        .unwrap_or_default()
}

impl Store {
    /// Offers responses submitted since `since` to the rules again (the demo, whose history
    /// is written before its rules exist).
    pub async fn reopen_for_rules(
        &self,
        tenant: TenantId,
        since: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        let n = sqlx::query(
            "UPDATE responses SET evaluated_at = NULL WHERE tenant_id = $1 AND submitted_at >= $2 AND source <> 'import'",
        )
        .bind(tenant.0)
        .bind(to_millis(since))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        w.commit().await?;
        Ok(n)
    }

    /// Runs the rules over every response not yet evaluated. Returns what it did.
    pub async fn evaluate_pending(&self, now: OffsetDateTime) -> Result<Evaluated, StoreError> {
        self.evaluate_pending_before(now, None).await
    }

    /// Like [`Store::evaluate_pending`], only for responses submitted before `before` (the
    /// demo replays its history hour by hour).
    pub async fn evaluate_pending_before(
        &self,
        now: OffsetDateTime,
        before: Option<OffsetDateTime>,
    ) -> Result<Evaluated, StoreError> {
        let mut done = Evaluated::default();
        let mut rules: HashMap<TenantId, Vec<AlertRule>> = HashMap::new();
        let mut definitions: HashMap<i64, SurveyDefinition> = HashMap::new();
        let mut after = 0;
        loop {
            let rows = sqlx::query(
                "SELECT r.id, r.tenant_id, r.survey_id, r.survey_version_id, r.unit_id, u.path, r.touchpoint_id, r.source, \
                 r.language, r.answers, r.reading, r.submitted_at FROM responses r JOIN units u ON u.id = r.unit_id \
                 WHERE r.evaluated_at IS NULL AND r.id > $1 AND r.submitted_at < $3 ORDER BY r.id LIMIT $2",
            )
            .bind(after)
            .bind(BATCH)
            .bind(before.map_or(i64::MAX, to_millis))
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let mut batch = Vec::with_capacity(rows.len());
            for r in &rows {
                let path: String = col(r, "path")?;
                let answers: String = col(r, "answers")?;
                batch.push(Pending {
                    id: col(r, "id")?,
                    tenant: TenantId(col(r, "tenant_id")?),
                    survey_id: col(r, "survey_id")?,
                    version_id: col(r, "survey_version_id")?,
                    unit_id: col(r, "unit_id")?,
                    unit_path: UnitPath::from_stored(&path)
                        .ok_or_else(|| StoreError::Corrupt("unit path".into()))?,
                    touchpoint_id: col(r, "touchpoint_id")?,
                    source: col(r, "source")?,
                    language: Lang::from_code(&col::<String>(r, "language")?).unwrap_or_default(),
                    answers: crate::store::json(&answers, "answers")?,
                    reading: col::<Option<String>>(r, "reading")?
                        .as_deref()
                        .and_then(cumbre_domain::improve::reading::Reading::from_json),
                    submitted_at: from_millis(col(r, "submitted_at")?),
                });
            }
            after = batch.last().map_or(after, |p| p.id);
            // Read what the rules need before taking the writer.
            for p in &batch {
                if let std::collections::hash_map::Entry::Vacant(e) = rules.entry(p.tenant) {
                    e.insert(self.active_rules(p.tenant).await?);
                }
                if let std::collections::hash_map::Entry::Vacant(e) =
                    definitions.entry(p.version_id)
                {
                    let row = sqlx::query("SELECT definition FROM survey_versions WHERE id = $1")
                        .bind(p.version_id)
                        .fetch_one(self.pool())
                        .await?;
                    let text: String = col(&row, "definition")?;
                    e.insert(crate::store::json(&text, "definition")?);
                }
            }
            let mut plans = Vec::with_capacity(batch.len());
            for p in &batch {
                let def = &definitions[&p.version_id];
                let matched: Vec<&AlertRule> = rules[&p.tenant]
                    .iter()
                    .filter(|r| p.unit_path.is_within(&r.unit_path))
                    .filter(|r| r.touchpoint_id.is_none_or(|t| t == p.touchpoint_id))
                    .filter(|r| r.survey_id.is_none_or(|s| s == p.survey_id))
                    .filter(|r| p.source != "import" || r.include_imports)
                    .filter(|r| r.definition.matches(def, &p.answers, p.reading.as_ref()))
                    .collect();
                let opening = matched
                    .iter()
                    .filter_map(|r| r.definition.open_case.map(|prio| (prio, *r)))
                    .min_by_key(|(prio, r)| (*prio, r.id));
                let case = match opening {
                    Some((priority, rule)) => {
                        Some(self.case_plan(p, def, rule, priority, now).await?)
                    }
                    None => None,
                };
                plans.push((p, matched, case));
            }
            let mut w = self.begin_quiet_write().await?;
            for (p, matched, case) in plans {
                let claimed = sqlx::query(
                    "UPDATE responses SET evaluated_at = $1 WHERE id = $2 AND evaluated_at IS NULL",
                )
                .bind(to_millis(now))
                .bind(p.id)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
                if claimed == 0 {
                    continue; // Another evaluator took it.
                }
                done.responses += 1;
                let case_id = match case {
                    Some(plan) => {
                        done.cases += 1;
                        done.notifications += usize::from(plan.owner.is_some());
                        let id = plan.open(&mut w.tx, p, now).await?;
                        done.opened.push(id);
                        Some(id)
                    }
                    None => None,
                };
                for rule in matched {
                    let subject = format!("{} · #{}", rule.name, p.id);
                    let body = json!({
                        "rule": {"id": rule.id, "name": rule.name},
                        "response": {"id": p.id, "survey_id": p.survey_id, "unit_id": p.unit_id,
                                     "touchpoint_id": p.touchpoint_id, "answers": p.answers,
                                     "reading": p.reading,
                                     "submitted_at": to_millis(p.submitted_at)},
                        "case_id": case_id,
                    });
                    for to in &rule.definition.notify {
                        queue_notification(
                            &mut w.tx,
                            p.tenant,
                            case_id,
                            "email",
                            to,
                            &subject,
                            &body.to_string(),
                            now,
                        )
                        .await?;
                        done.notifications += 1;
                    }
                    if let Some(url) = &rule.definition.webhook {
                        queue_notification(
                            &mut w.tx,
                            p.tenant,
                            case_id,
                            "webhook",
                            url,
                            &subject,
                            &body.to_string(),
                            now,
                        )
                        .await?;
                        done.notifications += 1;
                    }
                }
            }
            w.commit().await?;
        }
    }

    /// Everything a case needs, read before the write transaction.
    async fn case_plan(
        &self,
        p: &Pending,
        def: &SurveyDefinition,
        rule: &AlertRule,
        priority: Priority,
        now: OffsetDateTime,
    ) -> Result<CasePlan, StoreError> {
        let clock = self.tenant_clock(p.tenant).await?;
        let sla = self.sla(p.tenant, priority).await?;
        let owner = self
            .responsible_chain(p.tenant, &p.unit_path)
            .await?
            .into_iter()
            .next();
        let (name, email, phone) = consented_contact(def, &p.answers);
        Ok(CasePlan {
            rule_id: rule.id,
            title: rule.name.clone(),
            priority,
            owner,
            customer: (name, email, phone),
            first_contact_due: clock.deadline(now, sla.first_contact_minutes),
            resolve_due: clock.deadline(now, sla.resolve_minutes),
        })
    }
}

struct CasePlan {
    rule_id: i64,
    title: String,
    priority: Priority,
    owner: Option<crate::recover::people::Responsible>,
    customer: (String, String, String),
    first_contact_due: OffsetDateTime,
    resolve_due: OffsetDateTime,
}

impl CasePlan {
    /// Opens the case, its first timeline entry and the owner's notification.
    async fn open(
        self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        p: &Pending,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO cases (tenant_id, response_id, rule_id, unit_id, touchpoint_id, title, customer_name, customer_email, \
             customer_phone, language, priority, status, owner_id, first_contact_due_at, resolve_due_at, due_at, search_text, \
             created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12, $13, $14, $13, $15, 'rule', $16, $16) RETURNING id",
        )
        .bind(p.tenant.0)
        .bind(p.id)
        .bind(self.rule_id)
        .bind(p.unit_id)
        .bind(p.touchpoint_id)
        .bind(&self.title)
        .bind(&self.customer.0)
        .bind(&self.customer.1)
        .bind(&self.customer.2)
        .bind(p.language.code())
        .bind(self.priority.code())
        .bind(self.owner.as_ref().map(|o| o.user.0))
        .bind(to_millis(self.first_contact_due))
        .bind(to_millis(self.resolve_due))
        .bind(search_text(&self.title, &p.answers))
        .bind(to_millis(now))
        .fetch_one(&mut **tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        crate::recover::cases::append_event(
            tx,
            p.tenant,
            id,
            None,
            "opened",
            &json!({"rule_id": self.rule_id, "response_id": p.id, "priority": self.priority.code(),
                    "owner_id": self.owner.as_ref().map(|o| o.user.0)}),
            now,
        )
        .await?;
        if let Some(owner) = &self.owner {
            let subject = match owner.lang {
                Lang::Es => format!("Nuevo caso de recuperación #{id}: {}", self.title),
                Lang::En => format!("New recovery case #{id}: {}", self.title),
            };
            queue_notification(
                tx,
                p.tenant,
                Some(id),
                "email",
                &owner.email,
                &subject,
                &json!({"case_id": id}).to_string(),
                now,
            )
            .await?;
        }
        Ok(id)
    }
}

#[allow(clippy::too_many_arguments)] // One row of the outbox, column by column.
pub(crate) async fn queue_notification(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    case_id: Option<i64>,
    channel: &str,
    target: &str,
    subject: &str,
    body: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notifications (tenant_id, case_id, channel, target, subject, body, status, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $7)",
    )
    .bind(tenant.0)
    .bind(case_id)
    .bind(channel)
    .bind(target)
    .bind(subject)
    .bind(body)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

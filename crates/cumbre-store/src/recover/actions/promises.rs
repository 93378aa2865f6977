//! Promises to the customer: made with a due time, kept, or broken when overdue.

use super::{Actor, invalid};
use crate::recover::cases::append_event;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::{Field, InvalidInput, TenantId, UnitId};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

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

impl Store {
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
}

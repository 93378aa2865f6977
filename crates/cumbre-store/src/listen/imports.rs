//! Writing imported responses and reviews: one transaction, all or nothing, skipping what an
//! earlier import of the same lines already wrote.

use crate::audit::record;
use crate::listen::surveys::Survey;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::TenantId;
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::clock::to_millis;
use cumbre_domain::listen::SurveyStatus;
use cumbre_domain::listen::import::{Lookups, PlannedResponse, review_definition};
use cumbre_domain::text::fold;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ResponseImport {
    pub created: usize,
    /// Lines an earlier import already brought in.
    pub skipped: usize,
}

/// A response written in bulk (the demo's history), already checked.
#[derive(Debug, Clone)]
pub struct BulkResponse {
    pub survey_id: i64,
    pub version_id: i64,
    pub unit_id: i64,
    pub touchpoint_id: i64,
    pub person_id: Option<i64>,
    pub source: &'static str,
    pub language: cumbre_domain::Lang,
    pub answers: cumbre_domain::listen::Answers,
    pub nps: Option<i64>,
    pub submitted_at: OffsetDateTime,
}

/// Rows per INSERT statement: 16 parameters each stays far below both databases' limits.
const ROWS_PER_STATEMENT: usize = 400;

impl Store {
    /// Writes many checked responses in one transaction with multi-row inserts. They are
    /// history: alert rules never see them (`evaluated_at` is set).
    pub async fn bulk_insert_responses(
        &self,
        grant: &AdminGrant,
        rows: &[BulkResponse],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.insert_history(grant, rows, now, true).await
    }

    /// Like [`Store::bulk_insert_responses`] but leaves the roll-ups alone and marks them
    /// stale: for loading millions of rows (benchmarks, restores), followed by one
    /// [`Store::rebuild_rollups`], which is far cheaper than maintaining them row by row.
    /// Until then (or the next start, which rebuilds stale tenants) dashboards lag.
    pub async fn load_history_without_rollups(
        &self,
        grant: &AdminGrant,
        rows: &[BulkResponse],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.insert_history(grant, rows, now, false).await
    }

    async fn insert_history(
        &self,
        grant: &AdminGrant,
        rows: &[BulkResponse],
        now: OffsetDateTime,
        with_rollups: bool,
    ) -> Result<(), StoreError> {
        let tenant = grant.tenant();
        let mut w = self.begin_write().await?;
        // Their roll-ups go in with them.
        let mut definitions = crate::improve::rollups::Definitions::default();
        let mut headlines = Vec::with_capacity(rows.len());
        for r in rows {
            headlines.push(
                definitions
                    .headline(&mut w.tx, r.version_id, &r.answers)
                    .await?,
            );
        }
        let found = if with_rollups {
            crate::improve::rollups::places(
                &mut w.tx,
                self.backend(),
                rows.iter().map(|r| r.unit_id),
            )
            .await?
        } else {
            sqlx::query("UPDATE tenants SET rollups_stale = 1 WHERE id = $1")
                .bind(tenant.0)
                .execute(&mut *w.tx)
                .await?;
            Default::default()
        };
        let mut delta = crate::improve::rollups::Delta::default();
        for (r, h) in rows.iter().zip(&headlines).filter(|_| with_rollups) {
            let place = found.get(&r.unit_id).ok_or(StoreError::NotFound)?;
            let facts = crate::improve::rollups::Facts {
                tenant,
                unit: r.unit_id,
                touchpoint: r.touchpoint_id,
                survey: r.survey_id,
                person: r.person_id,
                source: r.source.to_owned(),
                language: r.language.code().to_owned(),
                submitted_at: r.submitted_at,
                headline: cumbre_domain::improve::Headline { nps: r.nps, ..*h },
            };
            delta.add(place, &facts, 1);
        }
        for (chunk, chunk_headlines) in rows
            .chunks(ROWS_PER_STATEMENT)
            .zip(headlines.chunks(ROWS_PER_STATEMENT))
        {
            let mut sql = crate::sql::Sql::for_backend(
                "INSERT INTO responses (tenant_id, survey_id, survey_version_id, unit_id, touchpoint_id, person_id, source, \
                 language, answers, nps, submitted_at, received_at, search_text, evaluated_at, csat, ces) VALUES ",
                self.backend(),
            );
            for (i, (r, h)) in chunk.iter().zip(chunk_headlines).enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("(")
                    .int(tenant.0)
                    .push(", ")
                    .int(r.survey_id)
                    .push(", ")
                    .int(r.version_id)
                    .push(", ")
                    .int(r.unit_id);
                sql.push(", ")
                    .int(r.touchpoint_id)
                    .push(", ")
                    .bind(crate::sql::Arg::NullableInt(r.person_id));
                sql.push(", ")
                    .text(r.source)
                    .push(", ")
                    .text(r.language.code())
                    .push(", ")
                    .text(r.answers.to_json());
                sql.push(", ")
                    .bind(crate::sql::Arg::NullableInt(r.nps))
                    .push(", ")
                    .int(to_millis(r.submitted_at));
                sql.push(", ")
                    .int(to_millis(now))
                    .push(", ")
                    .text(r.answers.search_text())
                    .push(", ")
                    .int(to_millis(now))
                    .push(", ")
                    .bind(crate::sql::Arg::NullableInt(h.csat))
                    .push(", ")
                    .bind(crate::sql::Arg::NullableInt(h.ces))
                    .push(")");
            }
            sql.query()?.execute(&mut *w.tx).await?;
        }
        delta.write(&mut w.tx, self.backend()).await?;
        w.commit().await?;
        Ok(())
    }

    /// Unit codes, touchpoint names (folded, both languages) and ids, employee numbers.
    pub async fn response_lookups(&self, tenant: TenantId) -> Result<Lookups, StoreError> {
        let mut l = Lookups::default();
        for r in sqlx::query("SELECT id, code FROM units WHERE tenant_id = $1 AND code IS NOT NULL")
            .bind(tenant.0)
            .fetch_all(self.pool())
            .await?
        {
            l.units.insert(col(&r, "code")?, col(&r, "id")?);
        }
        for t in self.list_touchpoints(tenant).await? {
            l.touchpoints.insert(t.id.to_string(), t.id);
            for name in t.name.0.values() {
                l.touchpoints.insert(fold(name), t.id);
            }
        }
        for r in sqlx::query("SELECT id, employee_number FROM people WHERE tenant_id = $1 AND employee_number IS NOT NULL")
            .bind(tenant.0)
            .fetch_all(self.pool())
            .await?
        {
            l.people.insert(col(&r, "employee_number")?, col(&r, "id")?);
        }
        Ok(l)
    }

    /// The tenant's store of external reviews, created (closed to links) on first use.
    pub async fn review_survey(
        &self,
        grant: &AdminGrant,
        now: OffsetDateTime,
    ) -> Result<Survey, StoreError> {
        let tenant = grant.tenant();
        let scope = Scope::Tenant(tenant);
        let existing =
            sqlx::query("SELECT id FROM surveys WHERE tenant_id = $1 AND kind = 'reviews'")
                .bind(tenant.0)
                .fetch_optional(self.pool())
                .await?;
        if let Some(row) = existing {
            return self.get_survey(&scope, col(&row, "id")?).await;
        }
        let root = self.root_unit(tenant).await?.ok_or(StoreError::NotFound)?;
        let id = self
            .create_survey(
                &scope,
                root.id,
                "Reseñas externas · External reviews",
                &review_definition(),
                "system",
                now,
            )
            .await?;
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE surveys SET kind = 'reviews', status = $1 WHERE id = $2")
            .bind(SurveyStatus::Closed.code())
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        self.get_survey(&scope, id).await
    }

    /// Writes checked lines against `survey` (its current version).
    pub async fn import_responses(
        &self,
        grant: &AdminGrant,
        survey: &Survey,
        rows: &[PlannedResponse],
        actor: &str,
        now: OffsetDateTime,
        mut progress: impl FnMut(usize),
    ) -> Result<ResponseImport, StoreError> {
        let tenant = grant.tenant();
        if survey.tenant != tenant {
            return Err(StoreError::NotFound);
        }
        let mut result = ResponseImport::default();
        let mut w = self.begin_write().await?;
        for (i, row) in rows.iter().enumerate() {
            let seen = sqlx::query(
                "SELECT id FROM responses WHERE tenant_id = $1 AND idempotency_key = $2",
            )
            .bind(tenant.0)
            .bind(&row.key)
            .fetch_optional(&mut *w.tx)
            .await?;
            if seen.is_some() {
                result.skipped += 1;
                continue;
            }
            sqlx::query(
                "INSERT INTO responses (tenant_id, survey_id, survey_version_id, unit_id, touchpoint_id, person_id, link_id, source, \
                 language, answers, nps, idempotency_key, submitted_at, received_at, search_text) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(tenant.0)
            .bind(survey.summary.id)
            .bind(survey.version_id)
            .bind(row.unit_id)
            .bind(row.touchpoint_id)
            .bind(row.person_id)
            .bind(&row.source)
            .bind(row.language.code())
            .bind(row.answers.to_json())
            .bind(row.answers.nps(&survey.definition))
            .bind(&row.key)
            .bind(to_millis(row.submitted_at))
            .bind(to_millis(now))
            .bind(row.answers.search_text())
            .execute(&mut *w.tx)
            .await?;
            result.created += 1;
            progress(i + 1);
        }
        let detail = format!(
            "survey {}: +{} (skipped {})",
            survey.summary.id, result.created, result.skipped
        );
        record(
            &mut w.tx,
            tenant,
            actor,
            "responses.import",
            &format!("survey:{}", survey.summary.id),
            &detail,
            now,
        )
        .await?;
        w.commit().await?;
        Ok(result)
    }
}

//! Writing imported responses and reviews: one transaction, all or nothing, skipping what an
//! earlier import of the same lines already wrote.

use super::responses::NewResponse;
use super::write::{Incoming, Known, Options, Outcome, insert_responses};
use crate::audit::record;
use crate::listen::surveys::Survey;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::listen::SurveyStatus;
use cumbre_domain::listen::import::{Lookups, PlannedResponse, review_definition};
use cumbre_domain::text::fold;
use cumbre_domain::{PersonId, TenantId, UnitId};
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

/// Lines written between two progress reports of an import.
const IMPORT_CHUNK: usize = 1_000;

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
        let news: Vec<NewResponse> = rows
            .iter()
            .map(|r| NewResponse {
                tenant,
                survey_id: r.survey_id,
                version_id: r.version_id,
                unit_id: UnitId(r.unit_id),
                touchpoint_id: r.touchpoint_id,
                person_id: r.person_id.map(PersonId),
                link_id: None,
                source: r.source.into(),
                language: r.language,
                answers: r.answers.clone(),
                nps: r.nps,
                idempotency_key: None,
                submitted_at: r.submitted_at,
            })
            .collect();
        let incoming: Vec<Incoming<'_>> =
            news.iter().map(|new| Incoming::checked(new, now)).collect();
        let opts = Options {
            // All of it is history: alert rules never see it.
            history_before: Some(now + time::Duration::days(1)),
            rollups: with_rollups,
            keyless_ids: false,
        };
        let mut w = self.begin_write().await?;
        let outcomes = insert_responses(
            &mut w.tx,
            self.backend(),
            &incoming,
            &mut Known::default(),
            opts,
        )
        .await?;
        if let Some(Outcome::Refused(e)) = outcomes
            .into_iter()
            .find(|o| matches!(o, Outcome::Refused(_)))
        {
            return Err(e);
        }
        w.commit().await?;
        self.index_new_answers().await?;
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
        let nps_key = survey.definition.clone();
        let news: Vec<NewResponse> = rows
            .iter()
            .map(|row| NewResponse {
                tenant,
                survey_id: survey.summary.id,
                version_id: survey.version_id,
                unit_id: UnitId(row.unit_id),
                touchpoint_id: row.touchpoint_id,
                person_id: row.person_id.map(PersonId),
                link_id: None,
                source: row.source.clone().into(),
                language: row.language,
                answers: row.answers.clone(),
                nps: row.answers.nps(&nps_key),
                idempotency_key: Some(row.key.clone()),
                submitted_at: row.submitted_at,
            })
            .collect();
        let mut w = self.begin_write().await?;
        let mut known = Known::default();
        let mut done = 0;
        for chunk in news.chunks(IMPORT_CHUNK) {
            let incoming: Vec<Incoming<'_>> = chunk
                .iter()
                .map(|new| Incoming::checked(new, now))
                .collect();
            let outcomes = insert_responses(
                &mut w.tx,
                self.backend(),
                &incoming,
                &mut known,
                Options::LIVE,
            )
            .await?;
            for outcome in outcomes {
                match outcome {
                    Outcome::Created(_) => result.created += 1,
                    Outcome::KeyUsed => result.skipped += 1,
                    // The plan resolved every reference in this tenant: nothing can be
                    // refused here but for a unit removed since.
                    Outcome::Refused(e) => return Err(e),
                    // Its rows expect no epoch.
                    Outcome::EpochMoved => {
                        return Err(StoreError::Corrupt(
                            "an import row expected an epoch".into(),
                        ));
                    }
                }
            }
            done += chunk.len();
            progress(done);
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
        self.index_new_answers().await?;
        Ok(result)
    }
}

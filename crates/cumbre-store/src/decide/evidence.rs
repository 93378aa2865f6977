//! One standard seen three ways in a part of the company over a period: what the
//! customers said when a survey question asked about it (the share of favourable
//! answers), what the mystery shoppers saw (its pass rate in published audits), and the
//! cases raised about it (the corrective actions its failed critical items opened, and the
//! customers' cases whose answer to its question was unfavourable). A target is the
//! customers' figure at its moment of truth against the goal.

use super::{AuditResults, Standard};
use crate::improve::metrics::Cells;
use crate::org::Unit;
use crate::store::col;
use crate::{Backend, Store, StoreError};
use cumbre_domain::UnitId;
use cumbre_domain::access::Scope;
use cumbre_domain::clock::to_millis;
use cumbre_domain::decide::standard::Check;
use cumbre_domain::improve::period::utc_bounds;
use cumbre_domain::improve::stats::Metric;
use cumbre_domain::improve::stats::{Estimate, share};
use cumbre_domain::org::UnitPath;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StandardEvidence {
    pub standard_id: i64,
    pub key: String,
    pub name: String,
    pub touchpoint_id: i64,
    pub critical: bool,
    /// The share of customers' answers to its questions that were favourable (top box).
    #[schema(value_type = Object)]
    pub customers: Estimate,
    /// Audits where it applied, those that found it met, and the share.
    pub applied: i64,
    pub met: i64,
    #[schema(value_type = Object)]
    pub audits: Estimate,
    /// Cases raised about it in the period, and those still open.
    pub cases: i64,
    pub open_cases: i64,
    /// For a target: the customers' figure at its moment of truth here, and the goal.
    pub target: Option<TargetResult>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetResult {
    #[schema(value_type = String)]
    pub metric: Metric,
    pub goal: f64,
    #[schema(value_type = Object)]
    pub figure: Estimate,
    /// Whether the figure meets the goal; absent without answers.
    pub met: Option<bool>,
}

/// Favourable and all answers to one standard's questions at one unit.
pub(crate) struct Answered {
    pub standard_id: i64,
    pub unit: UnitId,
    pub path: UnitPath,
    pub met: i64,
    pub n: i64,
}

/// The favourable and all answers about each standard at or under `at`.
pub(crate) fn answers_within<'a>(
    rows: impl IntoIterator<Item = &'a Answered>,
    at: &UnitPath,
) -> HashMap<i64, (i64, i64)> {
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for a in rows.into_iter().filter(|a| a.path.is_within(at)) {
        let e = out.entry(a.standard_id).or_default();
        e.0 += a.met;
        e.1 += a.n;
    }
    out
}

/// The answer to the linked question as a whole number, or NULL when it is not one
/// (unanswered, or skipped by its display condition).
fn score(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "CASE WHEN json_type(r.answers, '$.\"' || q.question_key || '\"') = 'integer' \
             THEN json_extract(r.answers, '$.\"' || q.question_key || '\"') END"
        }
        Backend::Postgres => {
            "CASE WHEN jsonb_typeof(r.answers::jsonb -> q.question_key) = 'number' \
             THEN (r.answers::jsonb ->> q.question_key)::numeric END"
        }
    }
}

impl Store {
    /// The customers' answers about each standard at units at or under `at` that `scope`
    /// sees, submitted in `[from, to)`.
    pub(crate) async fn standard_answers(
        &self,
        scope: &Scope,
        at: &UnitPath,
        (from, to): (OffsetDateTime, OffsetDateTime),
    ) -> Result<Vec<Answered>, StoreError> {
        let score = score(self.backend());
        // The subtree's units named one by one: the responses are then read through their
        // (unit, time) index, a few hundred rows for a hotel's quarter, where a subquery
        // let the planner walk the whole tenant's period.
        let units: Vec<i64> =
            sqlx::query("SELECT id FROM units WHERE tenant_id = $1 AND path LIKE $2")
                .bind(scope.tenant().0)
                .bind(at.subtree_pattern())
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| col(r, "id"))
                .collect::<Result<_, _>>()?;
        let mut rows = Vec::new();
        for list in crate::sql::id_lists(units) {
            rows.extend(
                sqlx::query(&format!(
                    "SELECT s.standard_id, s.unit_id, u.path, COUNT(*) AS n, \
                     CAST(SUM(CASE WHEN s.score BETWEEN s.lo AND s.hi THEN 1 ELSE 0 END) AS BIGINT) AS met \
                     FROM (SELECT q.standard_id, r.unit_id, {score} AS score, q.favourable_from AS lo, \
                     q.favourable_to AS hi FROM responses r \
                     JOIN survey_question_standards q ON q.survey_version_id = r.survey_version_id \
                     WHERE r.unit_id IN ({list}) AND r.submitted_at >= $2 AND r.submitted_at < $3 \
                     AND r.tenant_id = $1 AND q.tenant_id = $1) s JOIN units u ON u.id = s.unit_id \
                     WHERE s.score IS NOT NULL GROUP BY s.standard_id, s.unit_id, u.path"
                ))
                .bind(scope.tenant().0)
                .bind(to_millis(from))
                .bind(to_millis(to))
                .fetch_all(self.pool())
                .await?,
            );
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let path = path_of(r)?;
            let unit = UnitId(col(r, "unit_id")?);
            if !scope.sees_unit(scope.tenant(), unit, &path) {
                continue;
            }
            out.push(Answered {
                standard_id: col(r, "standard_id")?,
                unit,
                path,
                met: col(r, "met")?,
                n: col(r, "n")?,
            });
        }
        Ok(out)
    }

    /// Each standard with any evidence at or under `at` in `[from, to)`: customers,
    /// shoppers (`audits`: the same place and period's [`Store::audit_results`]) and
    /// cases, weakest audit pass rate first, then the least favourable customers.
    /// `known` is the tenant's [`Store::list_standards`], which the caller has read.
    pub async fn standard_evidence(
        &self,
        scope: &Scope,
        unit: &Unit,
        (from, to): (Date, Date),
        (audits, known): (&AuditResults, &[Standard]),
        min_sample: i64,
    ) -> Result<Vec<StandardEvidence>, StoreError> {
        let tenant = scope.tenant();
        let at = &unit.path;
        let zone = self.tenant_clock(tenant).await?.zone;
        let bounds = utc_bounds(&zone, from, to);
        let customers = answers_within(&self.standard_answers(scope, at, bounds).await?, at);
        let cases = self.standard_cases(scope, at, bounds).await?;
        // Targets that apply here are shown whether or not customers answered.
        let targets: Vec<&Standard> = known
            .iter()
            .filter(|s| !s.definition.check.audited())
            .filter(|s| at.ids().contains(&s.unit_id))
            .collect();
        let mut ids: Vec<i64> = audits.standards.iter().map(|s| s.standard_id).collect();
        ids.extend(customers.keys().chain(cases.keys()));
        ids.extend(targets.iter().map(|s| s.id));
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let cells = if targets.is_empty() {
            HashMap::new()
        } else {
            self.metric_cells(scope, &[unit], from, to, Cells::ALL)
                .await?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(s) = known.iter().find(|s| s.id == id) else {
                continue;
            };
            let audited = audits.standards.iter().find(|a| a.standard_id == id);
            let (met, n) = customers.get(&id).copied().unwrap_or_default();
            let (raised, open) = cases.get(&id).copied().unwrap_or_default();
            out.push(StandardEvidence {
                standard_id: id,
                key: s.key.clone(),
                name: s.definition.name.clone(),
                touchpoint_id: s.touchpoint_id,
                critical: s.definition.critical,
                customers: share(met, n, min_sample),
                applied: audited.map_or(0, |a| a.applied),
                met: audited.map_or(0, |a| a.met),
                audits: audited.map_or_else(|| share(0, 0, min_sample), |a| a.passed),
                cases: raised,
                open_cases: open,
                target: match s.definition.check {
                    Check::Target(t) => {
                        let tally = cells
                            .get(&(unit.id, s.touchpoint_id))
                            .copied()
                            .unwrap_or_default();
                        let figure = t.metric.estimate(&tally, min_sample);
                        Some(TargetResult {
                            metric: t.metric,
                            goal: t.value(),
                            met: figure.value.map(|v| t.met_by(v)),
                            figure,
                        })
                    }
                    _ => None,
                },
            });
        }
        let rank = |e: &Estimate| e.value.unwrap_or(f64::INFINITY);
        out.sort_by(|a, b| {
            rank(&a.audits)
                .total_cmp(&rank(&b.audits))
                .then(rank(&a.customers).total_cmp(&rank(&b.customers)))
                .then_with(|| a.key.cmp(&b.key))
        });
        Ok(out)
    }

    /// Cases raised about each standard at or under `at`, opened in `[from, to)`:
    /// standard → (raised, still open).
    async fn standard_cases(
        &self,
        scope: &Scope,
        at: &UnitPath,
        (from, to): (OffsetDateTime, OffsetDateTime),
    ) -> Result<HashMap<i64, (i64, i64)>, StoreError> {
        let score = score(self.backend());
        let within = "c.tenant_id = $1 AND c.created_at >= $2 AND c.created_at < $3 \
                      AND u.path LIKE $4";
        // A case counts once per standard, whichever way it is linked to it.
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT i.standard_id, c.id, c.unit_id, u.path, c.status FROM audit_items i \
             JOIN cases c ON c.id = i.case_id JOIN units u ON u.id = c.unit_id WHERE {within} \
             UNION SELECT DISTINCT q.standard_id, c.id, c.unit_id, u.path, c.status FROM cases c \
             JOIN responses r ON r.id = c.response_id \
             JOIN survey_question_standards q ON q.survey_version_id = r.survey_version_id \
             JOIN units u ON u.id = c.unit_id WHERE {within} \
             AND NOT ({score} BETWEEN q.favourable_from AND q.favourable_to)"
        ))
        .bind(scope.tenant().0)
        .bind(to_millis(from))
        .bind(to_millis(to))
        .bind(at.subtree_pattern())
        .fetch_all(self.pool())
        .await?;
        let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
        for r in &rows {
            if !scope.sees_unit(scope.tenant(), UnitId(col(r, "unit_id")?), &path_of(r)?) {
                continue;
            }
            let status: String = col(r, "status")?;
            let e = out.entry(col(r, "standard_id")?).or_default();
            e.0 += 1;
            if matches!(status.as_str(), "new" | "contacted") {
                e.1 += 1;
            }
        }
        Ok(out)
    }
}

fn path_of(r: &sqlx::any::AnyRow) -> Result<UnitPath, StoreError> {
    UnitPath::from_stored(&col::<String>(r, "path")?)
        .ok_or_else(|| StoreError::Corrupt("unit path".into()))
}

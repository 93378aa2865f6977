//! What the mystery shoppers found in a part of the company over a period: the published
//! audits (calibration visits left out), their mean score with its interval, the score
//! month by month, and each standard's pass rate on what counts after disputes.

use super::programmes::FormItem;
use crate::store::{col, json};
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::improve::period::{Interval, local_day};
use cumbre_domain::improve::stats::{Estimate, mean, share};
use cumbre_domain::org::UnitPath;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// A score's scale in hundredths of a percent, so sums stay whole numbers.
const SCALE: f64 = 100.0;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditResults {
    /// Mean score of the published audits, in percent, with its 95 % interval.
    #[schema(value_type = Object)]
    pub score: Estimate,
    pub critical_failures: i64,
    /// Month by month (the tenant's calendar), oldest first.
    pub months: Vec<MonthScore>,
    /// Each standard audited, weakest first.
    pub standards: Vec<StandardResult>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthScore {
    /// The month's first day.
    pub month: String,
    #[schema(value_type = Object)]
    pub score: Estimate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StandardResult {
    pub standard_id: i64,
    pub key: String,
    pub name: String,
    pub touchpoint_id: i64,
    pub critical: bool,
    /// Audits where it applied, and those that found it met.
    pub applied: i64,
    pub met: i64,
    /// The share of audits where it applied that found it met, with its interval.
    #[schema(value_type = Object)]
    pub passed: Estimate,
}

impl Store {
    /// The published audits of units at or under `at` that `scope` sees, visited in
    /// `[from, to)`; `min_sample` as the dashboards use it.
    pub async fn audit_results(
        &self,
        scope: &Scope,
        at: &UnitPath,
        (from, to): (OffsetDateTime, OffsetDateTime),
        zone: &TimeZone,
        min_sample: i64,
    ) -> Result<AuditResults, StoreError> {
        let rows = sqlx::query(
            "SELECT au.id, au.unit_id, u.path, au.visited_at, au.earned, au.possible, \
             au.critical_failures, a.form FROM audits au \
             JOIN audit_assignments a ON a.id = au.assignment_id JOIN units u ON u.id = au.unit_id \
             WHERE au.tenant_id = $1 AND au.status = 'published' AND a.calibrates IS NULL \
             AND au.visited_at >= $2 AND au.visited_at < $3 ORDER BY au.visited_at",
        )
        .bind(scope.tenant().0)
        .bind(to_millis(from))
        .bind(to_millis(to))
        .fetch_all(self.pool())
        .await?;
        let (mut n, mut sum, mut sumsq, mut critical) = (0i64, 0i64, 0i64, 0i64);
        let mut months: BTreeMap<Date, (i64, i64, i64)> = BTreeMap::new();
        let mut forms: HashMap<i64, Vec<FormItem>> = HashMap::new();
        for r in &rows {
            let path = UnitPath::from_stored(&col::<String>(r, "path")?)
                .ok_or_else(|| StoreError::Corrupt("unit path".into()))?;
            let unit = cumbre_domain::UnitId(col(r, "unit_id")?);
            if !path.is_within(at) || !scope.sees_unit(scope.tenant(), unit, &path) {
                continue;
            }
            let id: i64 = col(r, "id")?;
            forms.insert(id, json(&col::<String>(r, "form")?, "assignment form")?);
            critical += col::<i64>(r, "critical_failures")?;
            let possible: i64 = col(r, "possible")?;
            if possible <= 0 {
                continue;
            }
            // The score in hundredths of a percent, rounded: 0–10,000.
            let s = (col::<i64>(r, "earned")? * 10_000 + possible / 2) / possible;
            n += 1;
            sum += s;
            sumsq += s * s;
            let month =
                Interval::Month.start_of(local_day(zone, from_millis(col(r, "visited_at")?)));
            let m = months.entry(month).or_default();
            m.0 += 1;
            m.1 += s;
            m.2 += s * s;
        }
        let scaled = |e: Estimate| Estimate {
            value: e.value.map(|v| v / SCALE),
            ci_low: e.ci_low.map(|v| v / SCALE),
            ci_high: e.ci_high.map(|v| v / SCALE),
            se: e.se.map(|v| v / SCALE),
            ..e
        };
        let bounds = (0.0, 10_000.0);
        // Per standard (by id: its versions are one standard), on what counts now.
        let mut by_standard: BTreeMap<i64, (String, String, i64, bool, i64, i64)> = BTreeMap::new();
        // Every item of the period's published audits in one read (none when nothing here
        // was audited: the dashboard of an unvisited unit pays one query); those of audits
        // outside the unit's subtree are skipped.
        let items = if forms.is_empty() {
            Vec::new()
        } else {
            sqlx::query(
                "SELECT i.audit_id, i.item_key, i.standard_id, i.touchpoint_id, i.counted \
             FROM audit_items i JOIN audits au ON au.id = i.audit_id \
             WHERE au.tenant_id = $1 AND au.status = 'published' \
             AND au.visited_at >= $2 AND au.visited_at < $3",
            )
            .bind(scope.tenant().0)
            .bind(to_millis(from))
            .bind(to_millis(to))
            .fetch_all(self.pool())
            .await?
        };
        for i in &items {
            let id: i64 = col(i, "audit_id")?;
            let Some(form) = forms.get(&id) else {
                continue;
            };
            let counted: String = col(i, "counted")?;
            if counted == "not_applicable" {
                continue;
            }
            let key: String = col(i, "item_key")?;
            let item = form.iter().find(|x| x.key == key);
            let e = by_standard
                .entry(col(i, "standard_id")?)
                .or_insert_with(|| {
                    (
                        key.clone(),
                        item.map_or(key.clone(), |x| x.standard.name.clone()),
                        0,
                        item.is_some_and(|x| x.standard.critical),
                        0,
                        0,
                    )
                });
            e.2 = col(i, "touchpoint_id")?;
            e.4 += 1;
            if counted == "pass" {
                e.5 += 1;
            }
        }
        let mut standards: Vec<StandardResult> = by_standard
            .into_iter()
            .map(
                |(standard_id, (key, name, touchpoint_id, critical, applied, passed))| {
                    StandardResult {
                        standard_id,
                        key,
                        name,
                        touchpoint_id,
                        critical,
                        applied,
                        met: passed,
                        passed: share(passed, applied, min_sample),
                    }
                },
            )
            .collect();
        standards.sort_by(|a, b| {
            a.passed
                .value
                .partial_cmp(&b.passed.value)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.key.cmp(&b.key))
        });
        Ok(AuditResults {
            score: scaled(mean(n, sum, sumsq, bounds, min_sample)),
            critical_failures: critical,
            months: months
                .into_iter()
                .map(|(month, (n, s, sq))| MonthScore {
                    month: month.to_string(),
                    score: scaled(mean(n, s, sq, bounds, min_sample)),
                })
                .collect(),
            standards,
        })
    }
}

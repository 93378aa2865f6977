//! Standards at risk over a period: for each audited unit the caller sees and each
//! standard its audits checked, the shoppers' pass rate beside the customers' figure at
//! that moment of truth there and in the whole company, and the risk they show together.

use crate::improve::metrics::Cells;
use crate::{Store, StoreError};
use cumbre_domain::UnitId;
use cumbre_domain::access::Scope;
use cumbre_domain::decide::risk::{Evidence, Risk, assess};
use cumbre_domain::improve::Tally;
use cumbre_domain::improve::period::utc_bounds;
use cumbre_domain::improve::stats::{Estimate, Metric, share};
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AtRisk {
    #[schema(value_type = i64)]
    pub unit_id: UnitId,
    pub unit_name: String,
    pub standard_id: i64,
    pub key: String,
    pub name: String,
    pub touchpoint_id: i64,
    pub risk: Risk,
    /// Audits where it applied, and those that found it met.
    pub applied: i64,
    pub passed: i64,
    /// The customers' metric compared at the moment of truth (CSAT where asked, else
    /// NPS); `None` when a survey question asked them about the standard itself, and
    /// `customers` and `company` are the shares of favourable answers to it.
    #[schema(value_type = Option<String>)]
    pub metric: Option<Metric>,
    #[schema(value_type = Object)]
    pub customers: Estimate,
    #[schema(value_type = Object)]
    pub company: Estimate,
}

impl Store {
    /// The standards at risk in `scope` over the local days `from..=to`.
    pub async fn standards_at_risk(
        &self,
        scope: &Scope,
        (from, to): (Date, Date),
        min_sample: i64,
    ) -> Result<Vec<AtRisk>, StoreError> {
        let tenant = scope.tenant();
        let zone = self.tenant_clock(tenant).await?.zone;
        let bounds = utc_bounds(&zone, from, to);
        let audited: Vec<i64> = sqlx::query(
            "SELECT DISTINCT au.unit_id FROM audits au JOIN audit_assignments a \
             ON a.id = au.assignment_id WHERE au.tenant_id = $1 AND au.status = 'published' \
             AND a.calibrates IS NULL AND au.visited_at >= $2 AND au.visited_at < $3",
        )
        .bind(tenant.0)
        .bind(cumbre_domain::clock::to_millis(bounds.0))
        .bind(cumbre_domain::clock::to_millis(bounds.1))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| crate::store::col(r, "unit_id"))
        .collect::<Result<_, _>>()?;
        let Some(root) = self.root_unit(tenant).await? else {
            return Ok(Vec::new());
        };
        // The company's figure at each moment of truth is the comparison, not a record:
        // it is read whole, whoever asks.
        let company = self
            .metric_cells(&Scope::Tenant(tenant), &[&root], from, to, Cells::ALL)
            .await?;
        let units = self.list_units(scope).await?;
        // What customers said of each standard when asked about it: everywhere (read
        // whole, like the company's figure), and of it the units the caller sees.
        let answered = self
            .standard_answers(&Scope::Tenant(tenant), &root.path, bounds)
            .await?;
        let everywhere = super::evidence::answers_within(&answered, &root.path);
        let asked: Vec<&super::evidence::Answered> = answered
            .iter()
            .filter(|a| scope.sees_unit(tenant, a.unit, &a.path))
            .collect();
        let mut out = Vec::new();
        for unit in units.iter().filter(|u| audited.contains(&u.id.0)) {
            let results = self
                .audit_results(scope, &unit.path, bounds, &zone, min_sample)
                .await?;
            let cells = self
                .metric_cells(scope, &[unit], from, to, Cells::ALL)
                .await?;
            let asked_here = super::evidence::answers_within(asked.iter().copied(), &unit.path);
            for s in &results.standards {
                // Their answers about the standard speak for it once there are enough of
                // them here; before that, the moment's overall score does.
                if let (Some(&(met, n)), Some(&(all_met, all))) = (
                    asked_here.get(&s.standard_id),
                    everywhere.get(&s.standard_id),
                ) && n >= min_sample
                {
                    let evidence = Evidence {
                        applied: s.applied,
                        passed: s.met,
                        customers: share(met, n, min_sample),
                        company: share(all_met, all, min_sample),
                        unit: None,
                    };
                    if let Some(risk) = assess(&evidence) {
                        out.push(at_risk(unit, s, risk, None, &evidence));
                    }
                    continue;
                }
                let tally = |cells: &std::collections::HashMap<(UnitId, i64), Tally>, u: UnitId| {
                    cells
                        .get(&(u, s.touchpoint_id))
                        .copied()
                        .unwrap_or_default()
                };
                let (here, there) = (tally(&cells, unit.id), tally(&company, root.id));
                let Some(metric) = [Metric::Csat, Metric::Nps]
                    .into_iter()
                    .find(|m| m.estimate(&here, min_sample).n > 0)
                else {
                    continue;
                };
                let evidence = Evidence {
                    applied: s.applied,
                    passed: s.met,
                    customers: metric.estimate(&here, min_sample),
                    company: metric.estimate(&there, min_sample),
                    unit: Some(metric.estimate(
                        &cells.get(&(unit.id, 0)).copied().unwrap_or_default(),
                        min_sample,
                    )),
                };
                if let Some(risk) = assess(&evidence) {
                    out.push(at_risk(unit, s, risk, Some(metric), &evidence));
                }
            }
        }
        Ok(out)
    }
}

fn at_risk(
    unit: &crate::org::Unit,
    s: &crate::decide::StandardResult,
    risk: Risk,
    metric: Option<Metric>,
    evidence: &Evidence,
) -> AtRisk {
    AtRisk {
        unit_id: unit.id,
        unit_name: unit.name.clone(),
        standard_id: s.standard_id,
        key: s.key.clone(),
        name: s.name.clone(),
        touchpoint_id: s.touchpoint_id,
        risk,
        applied: evidence.applied,
        passed: evidence.passed,
        metric,
        customers: evidence.customers,
        company: evidence.company,
    }
}

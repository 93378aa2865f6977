//! Recovery metrics per unit: how fast cases are contacted and resolved, how often within
//! their deadlines, what compensation cost, and how many customers came back.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::UnitId;
use cumbre_domain::access::Scope;
use cumbre_domain::clock::to_millis;
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Below this many observations a rate is shown as insufficient, not as a fact.
pub const MIN_SAMPLE: usize = 30;

/// A share with its sample: `value` is None when there is nothing to measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub hits: usize,
    pub n: usize,
}

impl Share {
    pub fn value(&self) -> Option<f64> {
        (self.n > 0).then(|| self.hits as f64 / self.n as f64)
    }
    pub fn sufficient(&self) -> bool {
        self.n >= MIN_SAMPLE
    }
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct UnitRecovery {
    pub unit_id: Option<UnitId>,
    pub unit_name: String,
    pub cases: usize,
    pub open: usize,
    /// Median minutes from opening to first contact, over contacted cases.
    pub median_first_contact_minutes: Option<i64>,
    pub median_resolve_minutes: Option<i64>,
    pub first_contact_in_time: Share,
    pub resolved_in_time: Share,
    pub compensation_cents: i64,
    /// Win-back answers scoring 9–10 among win-back answers.
    pub recovered: Share,
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2
    } else {
        v[mid]
    })
}

#[derive(Default)]
struct Acc {
    name: String,
    cases: usize,
    open: usize,
    contact: Vec<i64>,
    resolve: Vec<i64>,
    contact_in_time: Share,
    resolved_in_time: Share,
    compensation: i64,
    recovered: Share,
}

impl Acc {
    fn finish(self, unit: Option<UnitId>) -> UnitRecovery {
        UnitRecovery {
            unit_id: unit,
            unit_name: self.name,
            cases: self.cases,
            open: self.open,
            median_first_contact_minutes: median(self.contact),
            median_resolve_minutes: median(self.resolve),
            first_contact_in_time: self.contact_in_time,
            resolved_in_time: self.resolved_in_time,
            compensation_cents: self.compensation,
            recovered: self.recovered,
        }
    }
}

impl Store {
    /// Per unit with cases opened in [from, to), the scope's units only, and a total first.
    pub async fn recovery_metrics(
        &self,
        scope: &Scope,
        from: OffsetDateTime,
        to: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Vec<UnitRecovery>, StoreError> {
        let mut sql = crate::sql::Sql::new(
            "SELECT c.unit_id, u.name, c.status, c.created_at, c.contacted_at, c.resolved_at, c.first_contact_due_at, \
             c.resolve_due_at, c.compensation_cents, i.answered_at, r.nps FROM cases c JOIN units u ON u.id = c.unit_id \
             LEFT JOIN invitations i ON i.id = c.winback_invitation_id LEFT JOIN responses r ON r.id = i.response_id \
             WHERE 1 = 1",
        );
        crate::recover::cases::push_case_scope(&mut sql, scope);
        sql.push(" AND c.created_at >= ")
            .int(to_millis(from))
            .push(" AND c.created_at < ")
            .int(to_millis(to));
        let rows = sql.query()?.fetch_all(self.report_pool()).await?;
        let now = to_millis(now);
        let mut total = Acc::default();
        let mut units: BTreeMap<i64, Acc> = BTreeMap::new();
        for r in &rows {
            let unit: i64 = col(r, "unit_id")?;
            let status: String = col(r, "status")?;
            let created: i64 = col(r, "created_at")?;
            let contacted: Option<i64> = col(r, "contacted_at")?;
            let resolved: Option<i64> = col(r, "resolved_at")?;
            let first_due: i64 = col(r, "first_contact_due_at")?;
            let resolve_due: i64 = col(r, "resolve_due_at")?;
            let compensation: i64 = col(r, "compensation_cents")?;
            let answered: Option<i64> = col(r, "answered_at")?;
            let nps: Option<i64> = col(r, "nps")?;
            // A case resolved without a recorded contact was handled on the spot.
            let first_touch = contacted.or(resolved);
            let name: String = col(r, "name")?;
            for acc in [&mut total, units.entry(unit).or_default()] {
                acc.name.clone_from(&name);
                acc.cases += 1;
                acc.open += usize::from(status == "new" || status == "contacted");
                if let Some(t) = first_touch {
                    acc.contact.push((t - created) / 60_000);
                }
                if let Some(t) = resolved {
                    acc.resolve.push((t - created) / 60_000);
                }
                // A deadline counts once it passed or was met.
                if first_touch.is_some() || first_due <= now {
                    acc.contact_in_time.n += 1;
                    acc.contact_in_time.hits +=
                        usize::from(first_touch.is_some_and(|t| t <= first_due));
                }
                if resolved.is_some() || resolve_due <= now {
                    acc.resolved_in_time.n += 1;
                    acc.resolved_in_time.hits +=
                        usize::from(resolved.is_some_and(|t| t <= resolve_due));
                }
                acc.compensation += compensation;
                if answered.is_some() {
                    acc.recovered.n += 1;
                    acc.recovered.hits += usize::from(nps.is_some_and(|n| n >= 9));
                }
            }
        }
        total.name = String::new();
        let mut out = vec![total.finish(None)];
        out.extend(
            units
                .into_iter()
                .map(|(id, acc)| acc.finish(Some(UnitId(id)))),
        );
        Ok(out)
    }
}

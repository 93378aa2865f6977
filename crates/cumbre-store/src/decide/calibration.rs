//! How the shoppers grade: each one's published audits, mean score and overturned
//! disputes, and for visits made twice (calibration) how far the two agree, item by item
//! (percent agreement, Cohen's kappa, and who passes what the other fails).

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::TenantId;
use cumbre_domain::UserId;
use cumbre_domain::decide::audit::Outcome;
use cumbre_domain::decide::calibration::agreement;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One shopper's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditorFigures {
    #[schema(value_type = i64)]
    pub auditor_id: UserId,
    pub email: String,
    /// Published audits that count (calibration visits left out).
    pub published: usize,
    /// Their mean score, in percent (audits where something applied).
    pub mean_score: Option<f64>,
    pub disputes: usize,
    pub decided: usize,
    pub overturned: usize,
    /// `overturned / decided`: how often a manager's dispute shows the report wrong.
    pub overturn_rate: Option<f64>,
}

/// Two shoppers compared over the visits both made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditorPair {
    #[schema(value_type = i64)]
    pub first_id: UserId,
    pub first: String,
    #[schema(value_type = i64)]
    pub second_id: UserId,
    pub second: String,
    pub visits: usize,
    pub items: usize,
    pub agreed: usize,
    /// `agreed / items`, 0–1.
    pub observed: f64,
    /// Cohen's kappa over the three grades; absent when both gave one grade throughout.
    pub kappa: Option<f64>,
    /// Items the first passed and the second failed (the first is the more lenient when
    /// this exceeds the reverse).
    pub first_passed_second_failed: usize,
    pub second_passed_first_failed: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Calibration {
    pub auditors: Vec<AuditorFigures>,
    pub pairs: Vec<AuditorPair>,
}

impl Store {
    /// The shoppers' figures and their agreement (reviewers).
    pub async fn calibration(&self, tenant: TenantId) -> Result<Calibration, StoreError> {
        let rows = sqlx::query(
            "SELECT au.auditor_id, s.email, au.status, au.earned, au.possible, a.calibrates \
             FROM audits au JOIN audit_assignments a ON a.id = au.assignment_id \
             JOIN users s ON s.id = au.auditor_id WHERE au.tenant_id = $1",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        let mut figures: BTreeMap<String, (UserId, usize, f64, usize)> = BTreeMap::new();
        for r in &rows {
            let email: String = col(r, "email")?;
            let entry = figures
                .entry(email)
                .or_insert((UserId(col(r, "auditor_id")?), 0, 0.0, 0));
            let counts = col::<String>(r, "status")? == "published"
                && col::<Option<i64>>(r, "calibrates")?.is_none();
            if counts {
                entry.1 += 1;
                let possible: i64 = col(r, "possible")?;
                if possible > 0 {
                    entry.2 += col::<i64>(r, "earned")? as f64 * 100.0 / possible as f64;
                    entry.3 += 1;
                }
            }
        }
        let disputes = sqlx::query(
            "SELECT au.auditor_id, d.decision FROM audit_disputes d \
             JOIN audits au ON au.id = d.audit_id WHERE d.tenant_id = $1",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        let mut by_auditor: HashMap<i64, (usize, usize, usize)> = HashMap::new();
        for r in &disputes {
            let e = by_auditor.entry(col(r, "auditor_id")?).or_default();
            e.0 += 1;
            match col::<Option<String>>(r, "decision")?.as_deref() {
                Some("overturned") => {
                    e.1 += 1;
                    e.2 += 1;
                }
                Some(_) => e.1 += 1,
                None => {}
            }
        }
        let auditors = figures
            .into_iter()
            .map(|(email, (id, published, sum, scored))| {
                let (disputes, decided, overturned) =
                    by_auditor.get(&id.0).copied().unwrap_or_default();
                AuditorFigures {
                    auditor_id: id,
                    email,
                    published,
                    mean_score: (scored > 0).then(|| sum / scored as f64),
                    disputes,
                    decided,
                    overturned,
                    overturn_rate: (decided > 0).then(|| overturned as f64 / decided as f64),
                }
            })
            .collect();
        Ok(Calibration {
            auditors,
            pairs: self.auditor_pairs(tenant).await?,
        })
    }

    /// Every visit made twice where both reports were sent, grouped by the two shoppers.
    async fn auditor_pairs(&self, tenant: TenantId) -> Result<Vec<AuditorPair>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.calibrates AS first_assignment, first.id AS first_audit, \
             first.auditor_id AS first_id, s1.email AS first_email, second.id AS second_audit, \
             second.auditor_id AS second_id, s2.email AS second_email \
             FROM audit_assignments a JOIN audits second ON second.assignment_id = a.id \
             JOIN audits first ON first.assignment_id = a.calibrates \
             JOIN users s1 ON s1.id = first.auditor_id JOIN users s2 ON s2.id = second.auditor_id \
             WHERE a.tenant_id = $1 AND a.calibrates IS NOT NULL ORDER BY a.id",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        // (first, second) in a stable order → (emails, visits, both gradings in item order)
        type Gradings = (String, String, usize, Vec<Outcome>, Vec<Outcome>);
        let mut pairs: BTreeMap<(i64, i64), Gradings> = BTreeMap::new();
        for r in &rows {
            let (mut a, mut b) = (
                (
                    col::<i64>(r, "first_id")?,
                    col::<String>(r, "first_email")?,
                    col::<i64>(r, "first_audit")?,
                ),
                (
                    col::<i64>(r, "second_id")?,
                    col::<String>(r, "second_email")?,
                    col::<i64>(r, "second_audit")?,
                ),
            );
            if a.0 > b.0 {
                std::mem::swap(&mut a, &mut b);
            }
            let first = self.recorded(a.2).await?;
            let second = self.recorded(b.2).await?;
            let entry = pairs
                .entry((a.0, b.0))
                .or_insert_with(|| (a.1.clone(), b.1.clone(), 0, Vec::new(), Vec::new()));
            entry.2 += 1;
            // The same form: items matched by key, those both graded.
            for (key, outcome) in &first {
                if let Some((_, other)) = second.iter().find(|(k, _)| k == key) {
                    entry.3.push(*outcome);
                    entry.4.push(*other);
                }
            }
        }
        Ok(pairs
            .into_iter()
            .filter_map(|((first_id, second_id), (first, second, visits, x, y))| {
                let a = agreement(&x, &y)?;
                Some(AuditorPair {
                    first_id: UserId(first_id),
                    first,
                    second_id: UserId(second_id),
                    second,
                    visits,
                    items: a.items,
                    agreed: a.agreed,
                    observed: a.observed,
                    kappa: a.kappa,
                    first_passed_second_failed: a.first_passed_second_failed,
                    second_passed_first_failed: a.second_passed_first_failed,
                })
            })
            .collect())
    }

    /// What the shopper recorded for each item of an audit (before disputes), by key.
    async fn recorded(&self, audit: i64) -> Result<Vec<(String, Outcome)>, StoreError> {
        sqlx::query(
            "SELECT item_key, outcome FROM audit_items WHERE audit_id = $1 ORDER BY position",
        )
        .bind(audit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let raw: String = col(r, "outcome")?;
            Ok((
                col(r, "item_key")?,
                Outcome::parse(&raw).map_err(|_| StoreError::Corrupt(format!("outcome {raw}")))?,
            ))
        })
        .collect()
    }
}

//! Metric queries over the roll-ups: a subtree's tally per period, per (unit, touchpoint)
//! cell for the map, per person. A range is read as whole months from the month rows, whole
//! dekads from the dekad rows and the rest as days, so three years cost 36 rows per cell,
//! not 1,095, and 90 days to today at most 22.

use crate::improve::rollups::{
    COUNTERS, DAY, DEKAD, MONTH, summed, summed_packed, tally_from_row, tally_of,
};
use crate::improve::running::RunningCells;
use crate::org::Unit;
use crate::sql::Sql;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::improve::period::{day_key, dekad_last, from_day_key};
use cumbre_domain::improve::{Interval, Period, Tally};
use cumbre_domain::{TenantId, UnitId};
use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::HashMap;

/// What to add up: a unit's subtree (the scope's top unit if none), optionally one
/// touchpoint and one survey, over local days `from..=to`.
#[derive(Debug, Clone)]
pub struct MetricQuery {
    pub unit: Option<UnitId>,
    pub touchpoint: Option<i64>,
    pub survey: Option<i64>,
    pub from: Date,
    pub to: Date,
    /// One employee's answers instead of a unit's (the caller checked the scope sees
    /// them); an employee's own scope always reads their own.
    pub person: Option<cumbre_domain::PersonId>,
}

/// The (grain, first key, last key) ranges that cover `from..=to` exactly: whole months
/// from the month rows, whole dekads of partial months from the dekad rows, and the days
/// left from the day rows.
pub(crate) fn cover(from: Date, to: Date) -> Vec<(i64, i64, i64)> {
    let mut out = Vec::new();
    extend_cover(&mut out, from, to);
    out
}

/// Appends the cover of `from..=to` (which must follow what `out` covers). A range of the
/// same grain as the last one continues it: nothing of another grain lies between.
fn extend_cover(out: &mut Vec<(i64, i64, i64)>, from: Date, to: Date) {
    let mut push = |grain: i64, a: Date, b: Date| {
        let (a, b) = (day_key(a), day_key(b));
        match out.last_mut() {
            Some(last) if last.0 == grain => last.2 = b,
            _ => out.push((grain, a, b)),
        }
    };
    let mut month = from.first_of_month();
    while month <= to {
        let last = month.last_of_month();
        if month >= from && last <= to {
            push(MONTH, month, month);
        } else {
            let mut dekad = month;
            while dekad <= last && dekad <= to {
                let end = dekad_last(dekad);
                if dekad >= from && end <= to {
                    push(DEKAD, dekad, dekad);
                } else if end >= from {
                    push(DAY, dekad.max(from), end.min(to));
                }
                // Past jiff's last day there is nothing left to cover.
                let Ok(next) = end.tomorrow() else { return };
                dekad = next;
            }
        }
        let Ok(next) = month.checked_add(1.month()) else {
            return;
        };
        month = next;
    }
}

/// Above this many period rows per cell, a range reads running totals (two rows) instead:
/// at 1 M responses the map of three whole months took 3.4 ms from its month rows and
/// 7 ms from running totals, a rolling quarter (about twenty rows) 8.6 ms against 6.
const RUNNING_FROM_ROWS: i64 = 6;

/// How many rows per cell a cover reads: a range's keys are the first days of its days,
/// dekads or months.
fn period_rows(ranges: &[(i64, i64, i64)]) -> i64 {
    let months =
        |a: Date, b: Date| 12 * i64::from(b.year() - a.year()) + i64::from(b.month() - a.month());
    let dekad = |d: Date| i64::from((d.day() - 1) / 10).min(2);
    ranges
        .iter()
        .map(|(grain, first, last)| {
            let (Some(a), Some(b)) = (from_day_key(*first), from_day_key(*last)) else {
                return 0;
            };
            match *grain {
                DAY => i64::from((b - a).get_days()) + 1,
                DEKAD => 3 * months(a, b) + dekad(b) - dekad(a) + 1,
                _ => months(a, b) + 1,
            }
        })
        .sum()
}

impl Store {
    /// Adds up the roll-up rows that `filter` selects over each (grain, first, last)
    /// range, grouped by the two integer columns `group`; returns ((a, b), tally) per
    /// group. Each range is an exact range of the key (an OR of ranges would scan every
    /// period of the unit), joined with `UNION ALL` under one `GROUP BY`. The groups come
    /// back packed in a single text value ("a,b,responses,…;…"): through the portable
    /// driver each returned row costs a hand-off between threads, which made a map of
    /// 231 cells cost twice what SQLite spent computing it.
    async fn sum_over_ranges(
        &self,
        group: (&str, &str),
        filter: &(dyn Fn(&mut Sql) + Sync),
        ranges: &[(i64, i64, i64)],
    ) -> Result<Vec<((i64, i64), Tally)>, StoreError> {
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        let (a, b) = group;
        let concat = crate::sql::packed_lines(self.backend());
        let mut sql = Sql::new(&format!(
            "SELECT {concat} AS packed FROM (SELECT {a} || ',' || {b} || ',' || {} AS line FROM (",
            summed_packed()
        ));
        for (i, (grain, first, last)) in ranges.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(&format!(
                "SELECT {a}, {b}, {} FROM rollups WHERE ",
                COUNTERS.join(", ")
            ));
            filter(&mut sql);
            sql.push(" AND grain = ")
                .int(*grain)
                .push(" AND day BETWEEN ")
                .int(*first)
                .push(" AND ")
                .int(*last);
        }
        sql.push(&format!(") r GROUP BY {a}, {b}) g"));
        let row = sql.query()?.fetch_one(self.report_pool()).await?;
        let Some(packed) = col::<Option<String>>(&row, "packed")? else {
            return Ok(Vec::new());
        };
        packed.split(';').map(unpack).collect()
    }
}

/// One group of [`Store::sum_over_ranges`]: "a,b,responses,promoters,…".
fn unpack(line: &str) -> Result<((i64, i64), Tally), StoreError> {
    let mut numbers = line.split(',').map(str::parse::<i64>);
    let mut next = || {
        numbers
            .next()
            .and_then(Result::ok)
            .ok_or_else(|| StoreError::Corrupt(format!("roll-up sums {line}")))
    };
    let group = (next()?, next()?);
    let mut v = [0i64; 12];
    for slot in &mut v {
        *slot = next()?;
    }
    Ok((group, tally_of(v)))
}

/// Which cells [`Store::metric_cells`] reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cells {
    /// Only each unit's total (touchpoint 0).
    pub totals_only: bool,
    /// Only the answers to this survey.
    pub survey: Option<i64>,
}

impl Cells {
    pub const ALL: Cells = Cells {
        totals_only: false,
        survey: None,
    };

    /// Every cell, or only the totals, of `survey` (all surveys if none).
    pub fn of(survey: Option<i64>, totals_only: bool) -> Self {
        Cells {
            totals_only,
            survey,
        }
    }
}

/// Whether `scope` sees `unit`'s figures: the tenant, or a manager's subtree.
pub(crate) fn sees(scope: &Scope, unit: &Unit) -> bool {
    match scope {
        Scope::Tenant(_) => true,
        Scope::Subtree { path, .. } => unit.path.is_within(path),
        Scope::Own { .. } => false,
    }
}

/// Which period a row of `grain` starting on `day` belongs to.
fn period_of(periods: &[Period], day: Date) -> Option<usize> {
    let i = periods.partition_point(|p| p.last < day);
    (i < periods.len() && periods[i].start <= day).then_some(i)
}

impl Store {
    /// The unit a dashboard shows: `unit` when given (within the scope), else where the
    /// scope's dashboards start — the tenant's top unit, or the manager's own.
    pub async fn dashboard_unit(
        &self,
        scope: &Scope,
        unit: Option<UnitId>,
    ) -> Result<Unit, StoreError> {
        if let Some(u) = unit {
            return self.get_unit(scope, u).await;
        }
        match scope {
            Scope::Subtree { root, .. } => self.get_unit(scope, *root).await,
            Scope::Tenant(tenant) => {
                let row = sqlx::query(
                    "SELECT id FROM units WHERE tenant_id = $1 AND parent_id IS NULL ORDER BY id LIMIT 1",
                )
                .bind(tenant.0)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound)?;
                self.get_unit(scope, UnitId(col(&row, "id")?)).await
            }
            Scope::Own { .. } => Err(StoreError::NotFound),
        }
    }

    /// The tenant's minimum sample: below it numbers are shown as insufficient.
    pub async fn min_sample(&self, tenant: TenantId) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT min_sample FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_one(self.pool())
            .await?;
        col(&row, "min_sample")
    }

    pub async fn set_min_sample(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        n: i64,
    ) -> Result<(), StoreError> {
        if !(1..=10_000).contains(&n) {
            return Err(cumbre_domain::InvalidInput::OutOfRange {
                field: cumbre_domain::Field::Record,
                min: 1,
                max: 10_000,
                value: n.to_string(),
            }
            .into());
        }
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE tenants SET min_sample = $1 WHERE id = $2")
            .bind(n)
            .bind(grant.tenant().0)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// A subtree's tally for each period of `interval` within the range (one period for
    /// the whole range without an interval). An employee's scope reads their own answers.
    pub async fn metric_series(
        &self,
        scope: &Scope,
        q: &MetricQuery,
        interval: Option<Interval>,
    ) -> Result<Vec<(Period, Tally)>, StoreError> {
        let periods = match interval {
            Some(i) => i.periods(q.from, q.to),
            None => vec![Period {
                start: q.from,
                last: q.to,
                label_start: q.from,
            }],
        };
        let mut tallies = vec![Tally::default(); periods.len()];
        // Days and weeks read day rows; longer periods their whole months and edge days.
        let ranges = match interval {
            Some(Interval::Day | Interval::Week) => {
                vec![(DAY, day_key(q.from), day_key(q.to))]
            }
            _ => {
                let mut out = Vec::new();
                for p in &periods {
                    extend_cover(&mut out, p.start, p.last);
                }
                out
            }
        };
        // What the query names must be within the scope: another tenant's unit or a
        // person outside the subtree is not found, not an empty figure.
        if let Some(u) = q.unit {
            self.get_unit(scope, u).await?;
        }
        if let (Some(p), false) = (q.person, matches!(scope, Scope::Own { .. })) {
            self.get_person(scope, p).await?;
        }
        let person = match scope {
            Scope::Own { person, .. } => Some(person.map_or(-1, |p| p.0)),
            _ => q.person.map(|p| p.0),
        };
        let tenant = scope.tenant().0;
        let unit = match person {
            Some(_) => None,
            None => Some(self.dashboard_unit(scope, q.unit).await?),
        };
        // One period over every survey: two running-total rows.
        if let (None, None, Some(unit), [period]) = (person, q.survey, &unit, periods.as_slice()) {
            let cell = q.touchpoint.unwrap_or(0);
            let cells = match cell {
                0 => RunningCells::Totals,
                tp => RunningCells::Touchpoint(tp),
            };
            let sums = self
                .running_sums(scope, &[unit], cells, &[(period.start, period.last)], None)
                .await?;
            let tally = sums
                .first()
                .and_then(|m| m.get(&(unit.id, cell)))
                .copied()
                .unwrap_or_default();
            return Ok(vec![(*period, tally)]);
        }
        let unit = unit.map(|u| u.id.0);
        let filter = |sql: &mut Sql| {
            sql.push("tenant_id = ").int(tenant);
            if let Some(person) = person {
                sql.push(" AND kind = 'person' AND value = ")
                    .text(person.to_string());
                if let Some(t) = q.touchpoint {
                    sql.push(" AND touchpoint_id = ").int(t);
                }
                return;
            }
            // A unit's totals are rows of their own (kind 'total'); cells add up.
            match (q.touchpoint, q.survey) {
                (None, None) => {
                    sql.push(" AND kind = 'total'");
                }
                (Some(t), None) => {
                    sql.push(" AND kind = '' AND touchpoint_id = ").int(t);
                }
                (None, Some(s)) => {
                    sql.push(" AND kind = '' AND survey_id = ").int(s);
                }
                (Some(t), Some(s)) => {
                    sql.push(" AND kind = '' AND touchpoint_id = ")
                        .int(t)
                        .push(" AND survey_id = ")
                        .int(s);
                }
            }
            sql.push(" AND value = '' AND unit_id = ")
                .int(unit.unwrap_or(-1));
        };
        for ((_, day), t) in self
            .sum_over_ranges(("grain", "day"), &filter, &ranges)
            .await?
        {
            let Some(day) = from_day_key(day) else {
                continue;
            };
            if let Some(i) = period_of(&periods, day) {
                tallies[i].add(&t);
            }
        }
        Ok(periods.into_iter().zip(tallies).collect())
    }

    /// Each (unit, touchpoint) cell's tally over the range, for `units` (each its whole
    /// subtree) that the scope sees; touchpoint 0 is each unit's total. `what` narrows it
    /// to the totals (to rank many units at once) and/or to one survey.
    pub async fn metric_cells(
        &self,
        scope: &Scope,
        units: &[&Unit],
        from: Date,
        to: Date,
        what: Cells,
    ) -> Result<HashMap<(UnitId, i64), Tally>, StoreError> {
        let mut out: HashMap<(UnitId, i64), Tally> = HashMap::new();
        let visible: Vec<i64> = units
            .iter()
            .filter(|u| u.tenant == scope.tenant() && sees(scope, u))
            .map(|u| u.id.0)
            .collect();
        if visible.is_empty() {
            return Ok(out);
        }
        let ranges = cover(from, to);
        // Over every survey, a range of more than a few period rows per cell (a rolling
        // range's days, years of months) reads two running-total rows per cell instead;
        // a few whole months are cheaper from their own rows.
        if what.survey.is_none() && period_rows(&ranges) > RUNNING_FROM_ROWS {
            let cells = match what.totals_only {
                true => RunningCells::Totals,
                false => RunningCells::Touchpoints,
            };
            return Ok(self
                .running_sums(scope, units, cells, &[(from, to)], None)
                .await?
                .pop()
                .unwrap_or_default());
        }
        let list = visible
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let filter = |sql: &mut Sql| {
            sql.push("tenant_id = ").int(scope.tenant().0);
            match (what.survey, what.totals_only) {
                (None, true) => {
                    sql.push(" AND kind = 'total'");
                }
                (None, false) => {
                    sql.push(" AND kind IN ('', 'total')");
                }
                // One survey has no total rows of its own: its cells are added up below.
                (Some(s), _) => {
                    sql.push(" AND kind = '' AND survey_id = ").int(s);
                }
            }
            sql.push(" AND value = '' AND unit_id IN (")
                .push(&list)
                .push(")");
        };
        // Cells add up over surveys; the totals are touchpoint 0.
        for ((unit, tp), t) in self
            .sum_over_ranges(("unit_id", "touchpoint_id"), &filter, &ranges)
            .await?
        {
            let unit = UnitId(unit);
            if what.survey.is_some() {
                out.entry((unit, 0)).or_default().add(&t);
                if what.totals_only {
                    continue;
                }
            }
            out.entry((unit, tp)).or_default().add(&t);
        }
        Ok(out)
    }

    /// Every roll-up row of a tenant, in key order (for checks and the rebuild test).
    pub async fn rollup_rows(&self, tenant: TenantId) -> Result<Vec<(String, Tally)>, StoreError> {
        let mut out = Vec::new();
        for r in sqlx::query(
            "SELECT * FROM rollups WHERE tenant_id = $1 ORDER BY kind, value, unit_id, grain, day, touchpoint_id, survey_id",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?
        {
            let key = format!(
                "{}={} unit {} grain {} day {} tp {} survey {}",
                col::<String>(&r, "kind")?,
                col::<String>(&r, "value")?,
                col::<i64>(&r, "unit_id")?,
                col::<i64>(&r, "grain")?,
                col::<i64>(&r, "day")?,
                col::<i64>(&r, "touchpoint_id")?,
                col::<i64>(&r, "survey_id")?
            );
            out.push((key, tally_from_row(&r)?));
        }
        for r in sqlx::query(
            "SELECT * FROM running_cells WHERE tenant_id = $1 ORDER BY unit_id, touchpoint_id, day",
        )
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?
        {
            let key = format!(
                "running unit {} tp {} through {}",
                col::<i64>(&r, "unit_id")?,
                col::<i64>(&r, "touchpoint_id")?,
                col::<i64>(&r, "day")?
            );
            out.push((key, tally_from_row(&r)?));
        }
        Ok(out)
    }
}

/// A slice the roll-ups keep per unit and month, beside the cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slice {
    /// How the answer came in: link, kiosk, invitation, api, import, review:<site>.
    Channel,
    Language,
}

impl Slice {
    pub fn parse(raw: &str) -> Result<Self, cumbre_domain::InvalidInput> {
        match raw.trim() {
            "channel" => Ok(Slice::Channel),
            "language" => Ok(Slice::Language),
            other => Err(cumbre_domain::InvalidInput::NotOneOf {
                field: cumbre_domain::Field::Breakdown,
                value: other.to_owned(),
                allowed: "channel, language",
            }),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Slice::Channel => "channel",
            Slice::Language => "language",
        }
    }
}

/// A subtree's figures by channel or language. These slices are kept by calendar month,
/// so `from`/`to` are the whole months the asked range touches, said so to the reader.
#[derive(Debug, Clone)]
pub struct SliceTallies {
    pub from: Date,
    pub to: Date,
    /// (channel or language code, tally), largest first.
    pub items: Vec<(String, Tally)>,
}

impl Store {
    /// `unit`'s subtree (a unit read through `scope`) by `slice` over the months that
    /// `from..=to` touches. Employees have no such view.
    pub async fn metric_slices(
        &self,
        scope: &Scope,
        unit: &Unit,
        slice: Slice,
        from: Date,
        to: Date,
    ) -> Result<SliceTallies, StoreError> {
        if matches!(scope, Scope::Own { .. }) {
            return Err(StoreError::NotFound);
        }
        let (from, to) = (from.first_of_month(), to.last_of_month());
        let mut sql = Sql::new(&format!(
            "SELECT value, {} FROM rollups{} WHERE tenant_id = ",
            summed(),
            // SQLite's planner, without statistics, prefers scanning the key by kind.
            match self.backend() {
                crate::Backend::Sqlite => " INDEXED BY rollups_slices",
                crate::Backend::Postgres => "",
            }
        ));
        sql.int(scope.tenant().0)
            // Both terms literally: the second is the condition of the partial index
            // `rollups_slices`, which a planner uses only when the query states it.
            .push(&format!(
                " AND kind = '{}' AND kind IN ('channel', 'language')",
                slice.code()
            ));
        // Slices sit at each answer's own unit: a subtree is its units' rows added up,
        // each unit's months found through the index (the whole tenant's too: a list of
        // seeks reads far fewer rows than every unit's months of every year).
        let units: Vec<String> = self
            .list_units(scope)
            .await?
            .iter()
            .filter(|u| u.path.is_within(&unit.path))
            .map(|u| u.id.0.to_string())
            .collect();
        sql.push(" AND unit_id IN (")
            .push(&units.join(", "))
            .push(")");
        sql.push(" AND grain = ")
            .int(MONTH)
            .push(" AND day BETWEEN ")
            .int(day_key(from))
            .push(" AND ")
            .int(day_key(to))
            .push(" GROUP BY value");
        let mut items = Vec::new();
        for r in sql.query()?.fetch_all(self.report_pool()).await? {
            items.push((col::<String>(&r, "value")?, tally_from_row(&r)?));
        }
        items.sort_by(|a, b| b.1.responses.cmp(&a.1.responses).then(a.0.cmp(&b.0)));
        Ok(SliceTallies { from, to, items })
    }
}

impl Store {
    /// The tenant's targets: (unit, metric) → value. Few rows: read whole.
    pub async fn metric_targets(
        &self,
        tenant: TenantId,
    ) -> Result<HashMap<(UnitId, cumbre_domain::improve::Metric), f64>, StoreError> {
        let mut out = HashMap::new();
        for r in
            sqlx::query("SELECT unit_id, metric, target FROM metric_targets WHERE tenant_id = $1")
                .bind(tenant.0)
                .fetch_all(self.pool())
                .await?
        {
            let metric = cumbre_domain::improve::Metric::parse(&col::<String>(&r, "metric")?)?;
            out.insert((UnitId(col(&r, "unit_id")?), metric), col(&r, "target")?);
        }
        Ok(out)
    }

    /// Sets (or with `None` removes) a unit's target. Administrators and executives set
    /// any unit's; managers those of their subtree.
    pub async fn set_metric_target(
        &self,
        scope: &Scope,
        unit: UnitId,
        metric: cumbre_domain::improve::Metric,
        value: Option<f64>,
        actor: &str,
        now: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        if matches!(scope, Scope::Own { .. }) {
            return Err(StoreError::Forbidden);
        }
        let unit = self.get_unit(scope, unit).await?;
        let value = value
            .map(|v| cumbre_domain::improve::targets::check(metric, v))
            .transpose()?;
        let mut w = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM metric_targets WHERE tenant_id = $1 AND unit_id = $2 AND metric = $3",
        )
        .bind(scope.tenant().0)
        .bind(unit.id.0)
        .bind(metric.code())
        .execute(&mut *w.tx)
        .await?;
        if let Some(v) = value {
            sqlx::query(
                "INSERT INTO metric_targets (tenant_id, unit_id, metric, target) VALUES ($1, $2, $3, $4)",
            )
            .bind(scope.tenant().0)
            .bind(unit.id.0)
            .bind(metric.code())
            .bind(v)
            .execute(&mut *w.tx)
            .await?;
        }
        crate::audit::record(
            &mut w.tx,
            scope.tenant(),
            actor,
            "target.set",
            &format!("{} {}", unit.name, metric.code()),
            &value.map_or("none".to_owned(), |v| v.to_string()),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

impl Store {
    /// The overview's map (the top unit's children × touchpoints) computed the slow way, by
    /// a plain GROUP BY over raw responses in `[from_ms, to_ms)`: the benchmark's baseline.
    pub async fn raw_region_map(
        &self,
        tenant: TenantId,
        root: UnitId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<HashMap<(UnitId, i64), Tally>, StoreError> {
        let children: Vec<(i64, String)> =
            sqlx::query("SELECT id, path FROM units WHERE parent_id = $1")
                .bind(root.0)
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| Ok((col(r, "id")?, col(r, "path")?)))
                .collect::<Result<_, StoreError>>()?;
        let rows = sqlx::query(
            "SELECT u.path, r.touchpoint_id, COUNT(*) AS responses, \
             SUM(CASE WHEN r.nps >= 9 THEN 1 ELSE 0 END) AS promoters, \
             SUM(CASE WHEN r.nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives, \
             SUM(CASE WHEN r.nps <= 6 THEN 1 ELSE 0 END) AS detractors, \
             SUM(CASE WHEN r.csat = 1 THEN 1 ELSE 0 END) AS csat1, SUM(CASE WHEN r.csat = 2 THEN 1 ELSE 0 END) AS csat2, \
             SUM(CASE WHEN r.csat = 3 THEN 1 ELSE 0 END) AS csat3, SUM(CASE WHEN r.csat = 4 THEN 1 ELSE 0 END) AS csat4, \
             SUM(CASE WHEN r.csat = 5 THEN 1 ELSE 0 END) AS csat5, COUNT(r.ces) AS ces_n, \
             CAST(COALESCE(SUM(r.ces), 0) AS BIGINT) AS ces_sum, \
             CAST(COALESCE(SUM(r.ces * r.ces), 0) AS BIGINT) AS ces_sumsq \
             FROM responses r JOIN units u ON u.id = r.unit_id \
             WHERE r.tenant_id = $1 AND r.submitted_at >= $2 AND r.submitted_at < $3 \
             GROUP BY u.path, r.touchpoint_id",
        )
        .bind(tenant.0)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let mut out: HashMap<(UnitId, i64), Tally> = HashMap::new();
        for r in &rows {
            let path: String = col(r, "path")?;
            let Some((child, _)) = children.iter().find(|(_, p)| path.starts_with(p.as_str()))
            else {
                continue;
            };
            // Every sum is cast to BIGINT: PostgreSQL sums BIGINT into NUMERIC, which the
            // portable driver does not read.
            let t = tally_from_row(r)?;
            out.entry((UnitId(*child), col(r, "touchpoint_id")?))
                .or_default()
                .add(&t);
            out.entry((UnitId(*child), 0)).or_default().add(&t);
        }
        Ok(out)
    }

    /// The database's size in bytes (PostgreSQL; SQLite callers read the file).
    pub async fn database_size(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT pg_database_size(current_database()) AS size")
            .fetch_one(self.pool())
            .await?;
        col(&row, "size")
    }

    pub async fn rollup_row_count(&self, tenant: TenantId) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM rollups WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_one(self.pool())
            .await?;
        col(&row, "n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_range_is_whole_months_then_dekads_then_days() {
        assert_eq!(
            cover(date(2026, 1, 15), date(2026, 4, 10)),
            [
                (DAY, 20260115, 20260120),
                (DEKAD, 20260121, 20260121),
                (MONTH, 20260201, 20260301),
                (DEKAD, 20260401, 20260401),
            ]
        );
        assert_eq!(
            cover(date(2026, 3, 1), date(2026, 3, 31)),
            [(MONTH, 20260301, 20260301)]
        );
        assert_eq!(
            cover(date(2026, 3, 5), date(2026, 3, 6)),
            [(DAY, 20260305, 20260306)]
        );
        // 90 days to 2026-11-28: Sep 1 … Nov 28 would be whole months but for the ends.
        assert_eq!(
            cover(date(2026, 8, 31), date(2026, 11, 28)),
            [
                (DAY, 20260831, 20260831),
                (MONTH, 20260901, 20261001),
                (DEKAD, 20261101, 20261111),
                (DAY, 20261121, 20261128),
            ]
        );
        // February's last dekad (21st–29th in a leap year) runs on into March's first.
        assert_eq!(
            cover(date(2024, 2, 19), date(2024, 3, 12)),
            [
                (DAY, 20240219, 20240220),
                (DEKAD, 20240221, 20240301),
                (DAY, 20240311, 20240312),
            ]
        );
    }

    #[test]
    fn every_day_of_a_range_is_covered_exactly_once() {
        let days = |from: Date, to: Date| {
            let mut out = Vec::new();
            for (grain, a, b) in cover(from, to) {
                let (a, b) = (from_day_key(a).expect("key"), from_day_key(b).expect("key"));
                let mut d = a;
                loop {
                    let end = match grain {
                        MONTH => d.last_of_month(),
                        DEKAD => dekad_last(d),
                        _ => d,
                    };
                    let mut x = d;
                    while x <= end {
                        out.push(x);
                        x = x.tomorrow().expect("date");
                    }
                    if d >= b {
                        break;
                    }
                    d = end.tomorrow().expect("date");
                }
            }
            out
        };
        let start = date(2023, 12, 20);
        for offset in 0..70 {
            for len in [0, 1, 9, 10, 11, 29, 45, 89, 400] {
                let from = start.checked_add(offset.days()).expect("date");
                let to = from.checked_add(i64::from(len).days()).expect("date");
                let got = days(from, to);
                assert_eq!(got.len(), len as usize + 1, "{from}..{to}");
                assert_eq!(got.first(), Some(&from));
                assert_eq!(got.last(), Some(&to));
                assert!(got.windows(2).all(|w| w[0] < w[1]), "{from}..{to}");
            }
        }
    }

    #[test]
    fn a_cover_counts_the_rows_each_cell_reads() {
        let rows = |a, b| period_rows(&cover(a, b));
        assert_eq!(rows(date(2026, 9, 1), date(2026, 11, 30)), 3);
        assert_eq!(rows(date(2026, 11, 1), date(2026, 11, 25)), 2 + 5);
        assert_eq!(rows(date(2026, 11, 5), date(2026, 11, 5)), 1);
        // 2025-09-03 … 2025-12-01: 8 days, two dekads, October and November, one day.
        assert_eq!(rows(date(2025, 9, 3), date(2025, 12, 1)), 8 + 2 + 2 + 1);
        assert_eq!(rows(date(2023, 12, 2), date(2026, 12, 1)), 9 + 2 + 35 + 1);
    }
}

//! Running totals (`rollup_running`): each unit's totals from its first answer through
//! each local day it has answers. A range's total is the running total at its last day
//! less the one just before its first (each read as the latest row on or before that day),
//! so ranking a thousand units over any range reads two rows per unit, where the period
//! roll-ups need up to twenty-five for a rolling quarter.
//!
//! They change with the daily `total` rows of every [`Delta`](super::rollups::Delta), in
//! the same transaction: a day's change moves that day's row and every later one, computed
//! from the rows as read — a read a concurrent writer could invalidate, so on PostgreSQL
//! writers take a transaction lock per unit first (in unit order, so two writers cannot
//! deadlock). SQLite has one writer. An answer for today moves one row per unit; one for
//! a day long past moves every later row of its units (imports of history are bulk loads,
//! rebuilt at once).

use crate::improve::metrics::sees;
use crate::improve::rollups::{COUNTERS, counters, tally_from_row, tally_of};
use crate::org::Unit;
use crate::sql::{packed_lines, values};
use crate::store::col;
use crate::{Backend, Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::improve::period::day_key;
use cumbre_domain::improve::{Metric, Tally};
use cumbre_domain::{TenantId, UnitId};
use jiff::civil::Date;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};

/// One unit's change on one day: (tenant, unit, day key) → tally.
pub(crate) type DayChanges = BTreeMap<(i64, i64, i64), Tally>;

/// Locks the units `changes` touches for this transaction (PostgreSQL), in unit order.
/// Called before any roll-up row is written, so every writer takes these first.
pub(crate) async fn lock_units(
    conn: &mut AnyConnection,
    backend: Backend,
    changes: &DayChanges,
) -> Result<(), StoreError> {
    if backend != Backend::Postgres || changes.is_empty() {
        return Ok(());
    }
    let mut units: Vec<i64> = changes.keys().map(|k| k.1).collect();
    units.sort_unstable();
    units.dedup();
    for chunk in units.chunks(500) {
        // The sorted subquery is evaluated before the locks are taken, row by row.
        let sql = format!(
            "SELECT COUNT(*) AS n FROM (SELECT pg_advisory_xact_lock(k) FROM (SELECT k FROM (VALUES {}) v(k) ORDER BY k) s) l",
            values(backend, chunk.len(), 1)
        );
        let mut q = sqlx::query(&sql);
        for u in chunk {
            q = q.bind(*u);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Applies `changes` to the running totals (the caller holds the units' locks): reads
/// each unit's rows from the last one before its earliest change, computes the new totals
/// in memory and writes them back. A day whose running total equals the day before's has
/// no answers (a deletion emptied it) and keeps no row, as a rebuild would not write one.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    backend: Backend,
    changes: &DayChanges,
) -> Result<(), StoreError> {
    // (tenant, unit) → day → change.
    let mut by_unit: BTreeMap<(i64, i64), BTreeMap<i64, Tally>> = BTreeMap::new();
    for ((t, u, d), tally) in changes {
        if !tally.is_empty() {
            by_unit.entry((*t, *u)).or_default().insert(*d, *tally);
        }
    }
    if by_unit.is_empty() {
        return Ok(());
    }
    let units: Vec<(&(i64, i64), i64)> = by_unit
        .iter()
        .filter_map(|(k, days)| days.keys().next().map(|first| (k, *first)))
        .collect();
    // The rows that change: each unit's from its last row before its first changed day.
    let mut stored: BTreeMap<(i64, i64), Vec<(i64, Tally)>> = BTreeMap::new();
    for chunk in units.chunks(300) {
        let sql = format!(
            "WITH v(t, u, d) AS (VALUES {}) SELECT r.tenant_id, r.unit_id, r.day, {} FROM v JOIN rollup_running r              ON r.tenant_id = v.t AND r.unit_id = v.u AND r.day >= COALESCE((SELECT MAX(q.day) FROM rollup_running q              WHERE q.tenant_id = v.t AND q.unit_id = v.u AND q.day < v.d), v.d) ORDER BY r.tenant_id, r.unit_id, r.day",
            values(backend, chunk.len(), 3),
            COUNTERS
                .iter()
                .map(|c| format!("r.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(&sql);
        for ((t, u), first) in chunk {
            q = q.bind(*t).bind(*u).bind(*first);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let key = (col::<i64>(&r, "tenant_id")?, col::<i64>(&r, "unit_id")?);
            stored
                .entry(key)
                .or_default()
                .push((col(&r, "day")?, tally_from_row(&r)?));
        }
    }
    let mut upserts: Vec<(i64, i64, i64, Tally)> = Vec::new();
    let mut deletes: Vec<(i64, i64, i64)> = Vec::new();
    for ((t, u), days) in &by_unit {
        let first = days.keys().next().copied().unwrap_or_default();
        let rows = stored.remove(&(*t, *u)).unwrap_or_default();
        // The running total before the first change, and the stored rows from it on.
        let (mut before, rest): (Tally, Vec<(i64, Tally)>) = match rows.first() {
            Some((d, tally)) if *d < first => (*tally, rows[1..].to_vec()),
            _ => (Tally::default(), rows),
        };
        let mut all: BTreeMap<i64, (Option<Tally>, Tally)> = BTreeMap::new();
        for (d, tally) in rest {
            all.entry(d).or_insert((None, Tally::default())).0 = Some(tally);
        }
        for (d, change) in days {
            all.entry(*d).or_insert((None, Tally::default())).1 = *change;
        }
        // Walking the days in order: `stored_at` is the old running total at the day,
        // `added` what the changes up to it add.
        let (mut stored_at, mut added) = (before, Tally::default());
        for (d, (old, change)) in all {
            if let Some(old) = old {
                stored_at = old;
            }
            added.add(&change);
            let mut now = stored_at;
            now.add(&added);
            if now == before {
                if old.is_some() {
                    deletes.push((*t, *u, d));
                }
            } else {
                upserts.push((*t, *u, d, now));
            }
            before = now;
        }
    }
    let columns = format!("tenant_id, unit_id, day, {}", COUNTERS.join(", "));
    for chunk in upserts.chunks(300) {
        let sql = format!(
            "INSERT INTO rollup_running ({columns}) VALUES {} ON CONFLICT (tenant_id, unit_id, day) DO UPDATE SET {}",
            values(backend, chunk.len(), 3 + COUNTERS.len()),
            COUNTERS
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (t, u, d, tally) in chunk {
            q = q.bind(*t).bind(*u).bind(*d);
            for v in counters(tally) {
                q = q.bind(v);
            }
        }
        q.execute(&mut *conn).await?;
    }
    for (t, u, d) in deletes {
        sqlx::query(
            "DELETE FROM rollup_running WHERE tenant_id = $1 AND unit_id = $2 AND day = $3",
        )
        .bind(t)
        .bind(u)
        .bind(d)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Recomputes a tenant's running totals from its daily `total` roll-ups (after a rebuild).
pub(crate) async fn refill(conn: &mut AnyConnection, tenant: TenantId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM rollup_running WHERE tenant_id = $1")
        .bind(tenant.0)
        .execute(&mut *conn)
        .await?;
    let sums = COUNTERS
        .iter()
        .map(|c| format!("SUM({c}) OVER w"))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "INSERT INTO rollup_running (tenant_id, unit_id, day, {}) SELECT tenant_id, unit_id, day, {sums} \
         FROM rollups WHERE tenant_id = $1 AND kind = 'total' AND value = '' AND grain = 0 \
         WINDOW w AS (PARTITION BY unit_id ORDER BY day ROWS UNBOUNDED PRECEDING)",
        COUNTERS.join(", ")
    ))
    .bind(tenant.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Which counters a figure of `metric` needs (indexes into [`COUNTERS`]); all for none.
fn needed(metric: Option<Metric>) -> Vec<usize> {
    match metric {
        Some(Metric::Nps) => vec![0, 1, 2, 3],
        Some(Metric::Csat) => vec![0, 4, 5, 6, 7, 8],
        Some(Metric::Ces) => vec![0, 9, 10, 11],
        None => (0..COUNTERS.len()).collect(),
    }
}

impl Store {
    /// Each of `units`' totals (those the scope sees) over each of `periods` (local days,
    /// both ends included). Every period is the running total
    /// at its last day less the one before its first, read in one statement for all units
    /// and periods (a period that ends the day before the next starts shares its
    /// boundary), packed into one text value as the roll-up sums are. With `metric`, only
    /// the counters its figure needs are read; the others stay zero.
    pub async fn unit_totals(
        &self,
        scope: &Scope,
        units: &[&Unit],
        periods: &[(Date, Date)],
        metric: Option<Metric>,
    ) -> Result<Vec<HashMap<UnitId, Tally>>, StoreError> {
        let tenant = scope.tenant();
        let units: Vec<i64> = units
            .iter()
            .filter(|u| u.tenant == tenant && sees(scope, u))
            .map(|u| u.id.0)
            .collect();
        let mut out = vec![HashMap::new(); periods.len()];
        if units.is_empty() || periods.is_empty() {
            return Ok(out);
        }
        let before = |d: Date| d.yesterday().map_or(0, day_key);
        let mut bounds: Vec<i64> = periods
            .iter()
            .flat_map(|(from, to)| [before(*from), day_key(*to)])
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let needed = needed(metric);
        let packed_row = needed
            .iter()
            .map(|i| format!("r.{}", COUNTERS[*i]))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let at = |day: i64| {
            format!(
                "COALESCE((SELECT {packed_row} FROM rollup_running r WHERE r.tenant_id = {} AND r.unit_id = u.id \
                 AND r.day <= {day} ORDER BY r.day DESC LIMIT 1), '')",
                tenant.0
            )
        };
        let concat = packed_lines(self.backend());
        let list = units
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {concat} AS packed FROM (SELECT u.id || {} AS line \
             FROM units u WHERE u.tenant_id = {} AND u.id IN ({list})) g",
            bounds
                .iter()
                .map(|b| format!("':' || {}", at(*b)))
                .collect::<Vec<_>>()
                .join(" || "),
            tenant.0
        );
        let row = sqlx::query(&sql).fetch_one(self.pool()).await?;
        let Some(packed) = crate::store::col::<Option<String>>(&row, "packed")? else {
            return Ok(out);
        };
        let corrupt = |line: &str| StoreError::Corrupt(format!("running totals {line}"));
        for line in packed.split(';') {
            let mut parts = line.split(':');
            let unit: i64 = parts
                .next()
                .and_then(|u| u.parse().ok())
                .ok_or_else(|| corrupt(line))?;
            // The running total at each boundary, in `bounds` order.
            let mut at_bound = Vec::with_capacity(bounds.len());
            for part in parts {
                let mut v = [0i64; 12];
                if !part.is_empty() {
                    let mut numbers = part.split(',');
                    for i in &needed {
                        v[*i] = numbers
                            .next()
                            .and_then(|n| n.parse().ok())
                            .ok_or_else(|| corrupt(line))?;
                    }
                }
                at_bound.push(tally_of(v));
            }
            if at_bound.len() != bounds.len() {
                return Err(corrupt(line));
            }
            let running = |day: i64| {
                bounds
                    .binary_search(&day)
                    .map(|i| at_bound[i])
                    .unwrap_or_default()
            };
            for (slot, (from, to)) in out.iter_mut().zip(periods) {
                let total = running(day_key(*to)).without(&running(before(*from)));
                if total.responses != 0 {
                    slot.insert(UnitId(unit), total);
                }
            }
        }
        Ok(out)
    }
}

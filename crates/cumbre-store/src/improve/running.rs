//! Running totals (`running_cells`): for each unit and touchpoint (0: the unit's total over
//! every touchpoint), its totals over every survey from its first answer through each local
//! day it has answers. A range's figure is the running total at its last day less the one
//! just before its first (each read as the latest row on or before that day), so ranking a
//! thousand units, or the map's cells, over any range reads two rows per cell, where the
//! period roll-ups need up to twenty-five for a rolling quarter and forty for three years.
//!
//! They change with the daily rows of every [`Delta`](super::rollups::Delta), in the same
//! transaction: a day's change moves that day's row and every later one of its cell,
//! computed from the rows as read — a read a concurrent writer could invalidate, so on
//! PostgreSQL writers take a transaction lock per unit first (in unit order, so two writers
//! cannot deadlock). SQLite has one writer. An answer for today moves two rows per unit
//! above it (the total and the touchpoint); one for a day long past moves every later row
//! of those cells (imports of history are bulk loads, rebuilt at once).

use crate::improve::metrics::sees;
use crate::improve::rollups::{COUNTERS, counters, tally_from_row, tally_of};
use crate::org::Unit;
use crate::sql::{packed_lines, values};
use crate::store::col;
use crate::{Backend, Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::improve::period::{day_key, from_day_key};
use cumbre_domain::improve::{Metric, Tally};
use cumbre_domain::{TenantId, UnitId};
use jiff::civil::Date;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};

/// One cell's change on one day: (tenant, unit, touchpoint or 0, day key) → tally.
pub(crate) type DayChanges = BTreeMap<(i64, i64, i64, i64), Tally>;

/// (tenant, unit, touchpoint): one cell's running totals.
type Cell = (i64, i64, i64);

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
/// each cell's rows from the last one before its earliest change, computes the new totals
/// in memory and writes them back. A day whose running total equals the day before's has
/// no answers (a deletion emptied it) and keeps no row, as a rebuild would not write one.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    backend: Backend,
    changes: &DayChanges,
) -> Result<(), StoreError> {
    let mut by_cell: BTreeMap<Cell, BTreeMap<i64, Tally>> = BTreeMap::new();
    for ((t, u, tp, d), tally) in changes {
        if !tally.is_empty() {
            by_cell.entry((*t, *u, *tp)).or_default().insert(*d, *tally);
        }
    }
    if by_cell.is_empty() {
        return Ok(());
    }
    let cells: Vec<(&Cell, i64)> = by_cell
        .iter()
        .filter_map(|(k, days)| days.keys().next().map(|first| (k, *first)))
        .collect();
    // The rows that change: each cell's from its last row before its first changed day.
    let mut stored: BTreeMap<Cell, Vec<(i64, Tally)>> = BTreeMap::new();
    for chunk in cells.chunks(250) {
        let sql = format!(
            "WITH v(t, u, c, d) AS (VALUES {}) SELECT r.tenant_id, r.unit_id, r.touchpoint_id, r.day, {} \
             FROM v JOIN running_cells r ON r.tenant_id = v.t AND r.unit_id = v.u AND r.touchpoint_id = v.c \
             AND r.day >= COALESCE((SELECT MAX(q.day) FROM running_cells q WHERE q.tenant_id = v.t \
             AND q.unit_id = v.u AND q.touchpoint_id = v.c AND q.day < v.d), v.d) \
             ORDER BY r.tenant_id, r.unit_id, r.touchpoint_id, r.day",
            values(backend, chunk.len(), 4),
            COUNTERS
                .iter()
                .map(|c| format!("r.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(&sql);
        for ((t, u, tp), first) in chunk {
            q = q.bind(*t).bind(*u).bind(*tp).bind(*first);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let key = (
                col::<i64>(&r, "tenant_id")?,
                col::<i64>(&r, "unit_id")?,
                col::<i64>(&r, "touchpoint_id")?,
            );
            stored
                .entry(key)
                .or_default()
                .push((col(&r, "day")?, tally_from_row(&r)?));
        }
    }
    let mut upserts: Vec<(Cell, i64, Tally)> = Vec::new();
    let mut deletes: Vec<(Cell, i64)> = Vec::new();
    for (cell, days) in &by_cell {
        let first = days.keys().next().copied().unwrap_or_default();
        let rows = stored.remove(cell).unwrap_or_default();
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
                    deletes.push((*cell, d));
                }
            } else {
                upserts.push((*cell, d, now));
            }
            before = now;
        }
    }
    let columns = format!(
        "tenant_id, unit_id, touchpoint_id, day, {}",
        COUNTERS.join(", ")
    );
    for chunk in upserts.chunks(250) {
        let sql = format!(
            "INSERT INTO running_cells ({columns}) VALUES {} \
             ON CONFLICT (tenant_id, unit_id, touchpoint_id, day) DO UPDATE SET {}",
            values(backend, chunk.len(), 4 + COUNTERS.len()),
            COUNTERS
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(&sql);
        for ((t, u, tp), d, tally) in chunk {
            q = q.bind(*t).bind(*u).bind(*tp).bind(*d);
            for v in counters(tally) {
                q = q.bind(v);
            }
        }
        q.execute(&mut *conn).await?;
    }
    for ((t, u, tp), d) in deletes {
        sqlx::query(
            "DELETE FROM running_cells WHERE tenant_id = $1 AND unit_id = $2 AND touchpoint_id = $3 AND day = $4",
        )
        .bind(t)
        .bind(u)
        .bind(tp)
        .bind(d)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Recomputes a tenant's running totals from its daily roll-ups (after a rebuild): the
/// units' totals from their `total` rows, the touchpoints' from their cells added up over
/// surveys.
pub(crate) async fn refill(conn: &mut AnyConnection, tenant: TenantId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM running_cells WHERE tenant_id = $1")
        .bind(tenant.0)
        .execute(&mut *conn)
        .await?;
    let columns = format!(
        "tenant_id, unit_id, touchpoint_id, day, {}",
        COUNTERS.join(", ")
    );
    let totals = COUNTERS
        .iter()
        .map(|c| format!("SUM({c}) OVER w"))
        .collect::<Vec<_>>()
        .join(", ");
    let cells = COUNTERS
        .iter()
        .map(|c| format!("SUM(SUM({c})) OVER w"))
        .collect::<Vec<_>>()
        .join(", ");
    for sql in [
        format!(
            "INSERT INTO running_cells ({columns}) SELECT tenant_id, unit_id, 0, day, {totals} \
             FROM rollups WHERE tenant_id = $1 AND kind = 'total' AND value = '' AND grain = 0 \
             WINDOW w AS (PARTITION BY unit_id ORDER BY day ROWS UNBOUNDED PRECEDING)"
        ),
        format!(
            "INSERT INTO running_cells ({columns}) SELECT tenant_id, unit_id, touchpoint_id, day, {cells} \
             FROM rollups WHERE tenant_id = $1 AND kind = '' AND value = '' AND grain = 0 \
             GROUP BY tenant_id, unit_id, touchpoint_id, day \
             WINDOW w AS (PARTITION BY unit_id, touchpoint_id ORDER BY day ROWS UNBOUNDED PRECEDING)"
        ),
    ] {
        sqlx::query(&sql).bind(tenant.0).execute(&mut *conn).await?;
    }
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

/// Which cells [`Store::running_sums`] reads for each unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunningCells {
    /// The unit's total only (touchpoint 0).
    Totals,
    /// The total and every touchpoint of the tenant.
    Touchpoints,
    /// One touchpoint.
    Touchpoint(i64),
}

/// The statement of [`Store::running_sums`]: the bounds are parameters `$1…$n` (in that
/// order, which SQLite's numbering of named parameters follows) and the units' ids
/// parameter `$n+1` (a JSON array on SQLite, comma-separated on PostgreSQL), so its text
/// is the same from one request to the next and each connection plans it once.
///
/// Each cell's running total at a bound is its latest row on or before it: one index
/// probe per cell and bound. `window` (PostgreSQL, many units' totals: ranking a chain)
/// first reads every unit's rows of the [`WINDOW_DAYS`] days up to each bound in one range
/// of the `running_cells_by_day` index (parameters `$n+2…$2n+1`, each bound's first
/// day) and probes only the units without a row in it: a probe costs PostgreSQL some
/// 15 µs, a row of the range 1 µs, and a busy chain's units have rows most days.
fn running_sql(
    backend: Backend,
    tenant: TenantId,
    cells: RunningCells,
    needed: &[usize],
    bounds: usize,
    window: bool,
) -> String {
    let packed = |prefix: &str| {
        needed
            .iter()
            .map(|i| format!("{prefix}{}", COUNTERS[*i]))
            .collect::<Vec<_>>()
            .join(" || ',' || ")
    };
    let packed_row = packed("r.");
    let probe = |param: usize, unit: &str, tp: &str| {
        format!(
            "(SELECT {packed_row} FROM running_cells r WHERE r.tenant_id = {} AND r.unit_id = {unit} \
             AND r.touchpoint_id = {tp} AND r.day <= ${param} ORDER BY r.day DESC LIMIT 1)",
            tenant.0
        )
    };
    let units = match backend {
        Backend::Sqlite => format!("SELECT value FROM json_each(${})", bounds + 1),
        Backend::Postgres => format!(
            "SELECT CAST(x AS BIGINT) FROM unnest(string_to_array(${}, ',')) x",
            bounds + 1
        ),
    };
    if window {
        let windows = (1..=bounds)
            .map(|b| {
                format!(
                    "w{b} AS (SELECT unit_id, {} AS v FROM (SELECT DISTINCT ON (unit_id) * FROM running_cells \
                     WHERE tenant_id = {} AND touchpoint_id = 0 AND day BETWEEN ${} AND ${b} \
                     ORDER BY unit_id, day DESC) s)",
                    packed(""),
                    tenant.0,
                    bounds + 1 + b
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        return format!(
            "WITH u(id) AS ({units}), {windows} SELECT {} AS packed FROM (SELECT u.id || ',0' || {} AS line \
             FROM u {}) g",
            packed_lines(backend),
            (1..=bounds)
                .map(|b| format!("':' || COALESCE(w{b}.v, {}, '')", probe(b, "u.id", "0")))
                .collect::<Vec<_>>()
                .join(" || "),
            (1..=bounds)
                .map(|b| format!("LEFT JOIN w{b} ON w{b}.unit_id = u.id"))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let touchpoints = match cells {
        RunningCells::Totals => "SELECT 0 AS tp".to_owned(),
        RunningCells::Touchpoint(tp) => format!("SELECT {tp} AS tp"),
        RunningCells::Touchpoints => format!(
            "SELECT 0 AS tp UNION ALL SELECT id FROM touchpoints WHERE tenant_id = {}",
            tenant.0
        ),
    };
    format!(
        "SELECT {} AS packed FROM (SELECT u.id || ',' || c.tp || {} AS line \
         FROM units u CROSS JOIN ({touchpoints}) c WHERE u.tenant_id = {} AND u.id IN ({units})) g",
        packed_lines(backend),
        (1..=bounds)
            .map(|b| format!("':' || COALESCE({}, '')", probe(b, "u.id", "c.tp")))
            .collect::<Vec<_>>()
            .join(" || "),
        tenant.0
    )
}

/// How many days up to a bound the window form of [`running_sql`] reads.
const WINDOW_DAYS: i16 = 3;

/// From how many units a read of their totals on PostgreSQL takes the window form.
const WINDOW_FROM_UNITS: usize = 100;

impl Store {
    /// The cells of `units` (those the scope sees) over each of `periods` (local days,
    /// both ends included), over every survey: per period, (unit, touchpoint) → tally, with
    /// touchpoint 0 the unit's total and only cells with answers. Every period is the
    /// running total at its last day less the one before its first, read in one statement
    /// for all cells and periods (a period that ends the day before the next starts shares
    /// its boundary), packed into one text value as the roll-up sums are. With `metric`,
    /// only the counters its figure needs are read; the others stay zero.
    pub async fn running_sums(
        &self,
        scope: &Scope,
        units: &[&Unit],
        cells: RunningCells,
        periods: &[(Date, Date)],
        metric: Option<Metric>,
    ) -> Result<Vec<HashMap<(UnitId, i64), Tally>>, StoreError> {
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
        let window = self.backend() == Backend::Postgres
            && cells == RunningCells::Totals
            && units.len() >= WINDOW_FROM_UNITS;
        let sql = running_sql(self.backend(), tenant, cells, &needed, bounds.len(), window);
        let list = units
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let list = match self.backend() {
            Backend::Sqlite => format!("[{list}]"),
            Backend::Postgres => list,
        };
        let mut q = sqlx::query(&sql);
        for b in &bounds {
            q = q.bind(*b);
        }
        q = q.bind(list);
        if window {
            for b in &bounds {
                let first = from_day_key(*b)
                    .and_then(|d| d.checked_sub(jiff::Span::new().days(WINDOW_DAYS - 1)).ok())
                    .map_or(0, day_key);
                q = q.bind(first);
            }
        }
        let row = q.fetch_one(self.report_pool()).await?;
        let packed: Option<String> = col(&row, "packed")?;
        let corrupt = |line: &str| StoreError::Corrupt(format!("running totals {line}"));
        for line in packed.iter().flat_map(|packed| packed.split(';')) {
            let mut parts = line.split(':');
            let (unit, tp) = parts
                .next()
                .and_then(|cell| cell.split_once(','))
                .and_then(|(u, tp)| Some((u.parse::<i64>().ok()?, tp.parse::<i64>().ok()?)))
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
                if from > to {
                    continue;
                }
                let total = running(day_key(*to)).without(&running(before(*from)));
                if total.responses != 0 {
                    slot.insert((UnitId(unit), tp), total);
                }
            }
        }
        Ok(out)
    }
}

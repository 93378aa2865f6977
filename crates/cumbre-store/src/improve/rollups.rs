//! Roll-ups: what the responses of each (unit, period, touchpoint, survey) cell add up to.
//!
//! A response counts in its own unit's cells and in those of every unit above it, for its
//! local day, its ten-day stretch (dekad) and its local month, so any subtree over any range is read from a handful of
//! rows. The same [`Delta`] code serves every write path (the response writer, imports,
//! deletions, unit moves) and the rebuild, so incremental and rebuilt roll-ups agree
//! exactly; a test holds them to it.

use crate::improve::running;
use crate::store::col;
use crate::{Backend, Store, StoreError};
use cumbre_domain::TenantId;
use cumbre_domain::clock::from_millis;
use cumbre_domain::improve::period::{day_key, dekad_start, local_day};
use cumbre_domain::improve::{Headline, Tally};
use cumbre_domain::listen::SurveyDefinition;
use cumbre_domain::org::UnitPath;
use jiff::tz::TimeZone;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;

pub(crate) const DAY: i64 = 0;
pub(crate) const MONTH: i64 = 1;
/// Ten days (1st–10th, 11th–20th, 21st–end): a rolling range reads at most nine day rows
/// at each end instead of up to thirty.
pub(crate) const DEKAD: i64 = 2;

/// The counters of a roll-up row, in column order.
pub(crate) const COUNTERS: [&str; 12] = [
    "responses",
    "promoters",
    "passives",
    "detractors",
    "csat1",
    "csat2",
    "csat3",
    "csat4",
    "csat5",
    "ces_n",
    "ces_sum",
    "ces_sumsq",
];

pub(crate) fn counters(t: &Tally) -> [i64; 12] {
    [
        t.responses,
        t.promoters,
        t.passives,
        t.detractors,
        t.csat[0],
        t.csat[1],
        t.csat[2],
        t.csat[3],
        t.csat[4],
        t.ces_n,
        t.ces_sum,
        t.ces_sumsq,
    ]
}

/// Reads the counters of a roll-up row (selected with their own names, or summed `AS` them).
pub(crate) fn tally_from_row(r: &sqlx::any::AnyRow) -> Result<Tally, StoreError> {
    let mut v = [0i64; 12];
    for (slot, name) in v.iter_mut().zip(COUNTERS) {
        *slot = col::<Option<i64>>(r, name)?.unwrap_or(0);
    }
    Ok(tally_of(v))
}

/// The tally whose counters are `v`, in [`COUNTERS`] order.
pub(crate) fn tally_of(v: [i64; 12]) -> Tally {
    Tally {
        responses: v[0],
        promoters: v[1],
        passives: v[2],
        detractors: v[3],
        csat: [v[4], v[5], v[6], v[7], v[8]],
        ces_n: v[9],
        ces_sum: v[10],
        ces_sumsq: v[11],
    }
}

/// `SUM(responses) AS responses, …` for queries that add rows up.
pub(crate) fn summed() -> String {
    COUNTERS
        .iter()
        // PostgreSQL sums BIGINT into NUMERIC; cast back so both read as i64.
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summed counters as one text expression, "responses,promoters,…".
pub(crate) fn summed_packed() -> String {
    COUNTERS
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(" || ',' || ")
}

/// Where a unit sits (its chain from the top unit down to itself) and the calendar its
/// tenant counts days in.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub tenant: i64,
    pub chain: Vec<i64>,
    pub zone: TimeZone,
}

fn zone_of(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// The places of `units`, read inside the caller's transaction. On PostgreSQL the unit rows
/// are share-locked until commit, so a concurrent move of the tree waits for this write
/// (and this write, for a move) instead of crediting the old ancestors after the move
/// transferred their rows.
pub(crate) async fn places(
    conn: &mut AnyConnection,
    backend: Backend,
    units: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Place>, StoreError> {
    let mut out = HashMap::new();
    for list in crate::sql::id_lists(units) {
        let lock = match backend {
            Backend::Postgres => " FOR SHARE OF u",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT u.id, u.tenant_id, u.path, t.time_zone FROM units u JOIN tenants t ON t.id = u.tenant_id WHERE u.id IN ({list}){lock}"
        );
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            let path: String = col(&r, "path")?;
            let path = UnitPath::from_stored(&path)
                .ok_or_else(|| StoreError::Corrupt(format!("unit path {path}")))?;
            out.insert(
                col(&r, "id")?,
                Place {
                    tenant: col(&r, "tenant_id")?,
                    chain: path.ids().into_iter().map(|u| u.0).collect(),
                    zone: zone_of(&col::<String>(&r, "time_zone")?),
                },
            );
        }
    }
    Ok(out)
}

/// Survey versions never change once published: their definitions are cached for good.
#[derive(Default)]
pub(crate) struct Definitions(HashMap<i64, Option<Arc<SurveyDefinition>>>);

impl Definitions {
    pub async fn get(
        &mut self,
        conn: &mut AnyConnection,
        version: i64,
    ) -> Result<Option<Arc<SurveyDefinition>>, StoreError> {
        if let Some(d) = self.0.get(&version) {
            return Ok(d.clone());
        }
        let row = sqlx::query("SELECT definition FROM survey_versions WHERE id = $1")
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?;
        let def = match row {
            Some(r) => Some(Arc::new(crate::store::json::<SurveyDefinition>(
                &col::<String>(&r, "definition")?,
                "survey definition",
            )?)),
            None => None,
        };
        self.0.insert(version, def.clone());
        Ok(def)
    }

    /// The headline scores of `answers` to `version` (none if the version is unknown: the
    /// insert then fails on its foreign key anyway).
    pub async fn headline(
        &mut self,
        conn: &mut AnyConnection,
        version: i64,
        answers: &cumbre_domain::listen::Answers,
    ) -> Result<Headline, StoreError> {
        Ok(self
            .get(conn, version)
            .await?
            .map_or_else(Headline::default, |d| Headline::of(&d, answers)))
    }
}

/// What one response is, as far as roll-ups care.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub tenant: TenantId,
    pub unit: i64,
    pub touchpoint: i64,
    pub survey: i64,
    pub person: Option<i64>,
    pub source: String,
    pub language: String,
    pub submitted_at: OffsetDateTime,
    pub headline: Headline,
}

impl Facts {
    /// From a `responses` row selected with [`FACT_COLUMNS`].
    pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Self, StoreError> {
        Ok(Facts {
            tenant: TenantId(col(r, "tenant_id")?),
            unit: col(r, "unit_id")?,
            touchpoint: col(r, "touchpoint_id")?,
            survey: col(r, "survey_id")?,
            person: col(r, "person_id")?,
            source: col(r, "source")?,
            language: col(r, "language")?,
            submitted_at: from_millis(col(r, "submitted_at")?),
            headline: Headline {
                nps: col(r, "nps")?,
                csat: col(r, "csat")?,
                ces: col(r, "ces")?,
            },
        })
    }
}

pub(crate) const FACT_COLUMNS: &str = "tenant_id, unit_id, touchpoint_id, survey_id, person_id, source, language, submitted_at, nps, csat, ces";

/// (tenant, kind, value, unit, grain, day, touchpoint, survey): a row of `rollups`.
pub(crate) type Key = (i64, &'static str, String, i64, i64, i64, i64, i64);

/// The key columns of `rollups`, in [`Key`] order.
const KEY: [&str; 8] = [
    "tenant_id",
    "kind",
    "value",
    "unit_id",
    "grain",
    "day",
    "touchpoint_id",
    "survey_id",
];

/// Changes to roll-ups gathered in memory, written with multi-row upserts.
#[derive(Default)]
pub(crate) struct Delta {
    rows: HashMap<Key, Tally>,
    /// Something was taken out: rows left at zero are removed, so rebuilt and maintained
    /// roll-ups hold the same rows.
    removed: bool,
}

impl Delta {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Adds (`sign` 1) or takes out (`sign` −1) one response.
    pub fn add(&mut self, place: &Place, f: &Facts, sign: i64) {
        let mut t = Tally::of_response(f.headline);
        if sign < 0 {
            t = t.negated();
            self.removed = true;
        }
        let day = local_day(&place.zone, f.submitted_at);
        let tenant = f.tenant.0;
        for (grain, d) in [
            (DAY, day_key(day)),
            (DEKAD, day_key(dekad_start(day))),
            (MONTH, day_key(day.first_of_month())),
        ] {
            for &unit in &place.chain {
                // The cell, and the unit's total over every touchpoint and survey (kind
                // 'total', touchpoint 0, survey 0), so a unit's figure is one row, not twenty.
                for (kind, touchpoint, survey) in [("", f.touchpoint, f.survey), ("total", 0, 0)] {
                    self.rows
                        .entry((
                            tenant,
                            kind,
                            String::new(),
                            unit,
                            grain,
                            d,
                            touchpoint,
                            survey,
                        ))
                        .or_default()
                        .add(&t);
                }
            }
            let mut slice = |kind: &'static str, value: String, touchpoint: i64| {
                self.rows
                    .entry((tenant, kind, value, f.unit, grain, d, touchpoint, 0))
                    .or_default()
                    .add(&t);
            };
            if let Some(p) = f.person {
                slice("person", p.to_string(), f.touchpoint);
            }
            // Channels and languages are compared over months: monthly rows per unit keep
            // them small (a day × touchpoint cut would hold a row per response).
            if grain == MONTH {
                slice("channel", f.source.clone(), 0);
                slice("language", f.language.clone(), 0);
            }
        }
    }

    /// Adds a whole row's tally (to move a subtree's totals between ancestors).
    pub fn add_row(&mut self, key: Key, t: &Tally) {
        if t.responses < 0 {
            self.removed = true;
        }
        self.rows.entry(key).or_default().add(t);
    }

    /// Writes the changes in the caller's transaction, running totals included.
    pub async fn write(self, conn: &mut AnyConnection, backend: Backend) -> Result<(), StoreError> {
        self.write_with(conn, backend, true).await
    }

    /// `running`: also move the running totals (a rebuild refills them once at its end).
    async fn write_with(
        self,
        conn: &mut AnyConnection,
        backend: Backend,
        running: bool,
    ) -> Result<(), StoreError> {
        let tenants: std::collections::BTreeSet<i64> = self.rows.keys().map(|k| k.0).collect();
        // The daily totals and cells move their running totals too (see `running`): a
        // unit's total is touchpoint 0, a touchpoint's adds up its surveys.
        let mut days = running::DayChanges::new();
        for (k, t) in &self.rows {
            let touchpoint = match k.1 {
                "total" => 0,
                "" => k.6,
                _ => continue,
            };
            if k.4 == DAY && k.2.is_empty() {
                days.entry((k.0, k.3, touchpoint, k.5)).or_default().add(t);
            }
        }
        if running {
            running::lock_units(conn, backend, &days).await?;
        }
        let mut rows: Vec<_> = self
            .rows
            .into_iter()
            .filter(|(_, t)| !t.is_empty())
            .collect();
        // Every writer locks roll-up rows in key order: two concurrent writers on
        // PostgreSQL then wait for each other instead of deadlocking (hash order differs
        // from map to map).
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for chunk in rows.chunks(400) {
            let sql = upsert_sql(chunk.len(), backend);
            let mut q = sqlx::query(&sql);
            for (k, t) in chunk {
                q = q
                    .bind(k.0)
                    .bind(k.1)
                    .bind(k.2.clone())
                    .bind(k.3)
                    .bind(k.4)
                    .bind(k.5)
                    .bind(k.6)
                    .bind(k.7);
                for v in counters(t) {
                    q = q.bind(v);
                }
            }
            q.execute(&mut *conn).await?;
        }
        if self.removed {
            for tenant in tenants {
                sqlx::query("DELETE FROM rollups WHERE tenant_id = $1 AND responses = 0")
                    .bind(tenant)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        if running {
            running::apply(conn, backend, &days).await?;
        }
        Ok(())
    }
}

/// `INSERT … VALUES … ON CONFLICT (key) DO UPDATE SET c = rollups.c + excluded.c, …`.
fn upsert_sql(rows: usize, backend: Backend) -> String {
    let mut columns: Vec<&str> = KEY.to_vec();
    columns.extend(COUNTERS);
    format!(
        "INSERT INTO rollups ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        crate::sql::values(backend, rows, columns.len()),
        KEY.join(", "),
        COUNTERS
            .iter()
            .map(|c| format!("{c} = rollups.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl Store {
    /// Recomputes one tenant's roll-ups from its responses, replacing what was there. Holds
    /// the write lock (SQLite) or blocks new responses (PostgreSQL) until it commits, so no
    /// response lands in between.
    pub async fn rebuild_rollups(&self, tenant: TenantId) -> Result<u64, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        let counted = rebuild_in(&mut w.tx, self.backend(), tenant).await?;
        w.commit().await?;
        Ok(counted)
    }

    /// Every tenant's roll-ups; returns (tenant, responses counted).
    pub async fn rebuild_all_rollups(&self) -> Result<Vec<(TenantId, u64)>, StoreError> {
        let mut out = Vec::new();
        for t in sqlx::query("SELECT id FROM tenants ORDER BY id")
            .fetch_all(self.pool())
            .await?
        {
            let tenant = TenantId(col(&t, "id")?);
            out.push((tenant, self.rebuild_rollups(tenant).await?));
        }
        Ok(out)
    }

    /// Builds the roll-ups of tenants that existed before roll-ups did (marked stale by the
    /// migration), first filling their responses' headline CSAT and CES.
    pub(crate) async fn build_stale_rollups(&self) -> Result<(), StoreError> {
        let stale = sqlx::query("SELECT id FROM tenants WHERE rollups_stale = 1 ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        for t in stale {
            let tenant = TenantId(col(&t, "id")?);
            let mut w = self.begin_quiet_write().await?;
            // Claimed by clearing the mark: every process starts by migrating, and only
            // the first to get here builds; the others find it done once it commits.
            let claimed = sqlx::query(
                "UPDATE tenants SET rollups_stale = 0 WHERE id = $1 AND rollups_stale = 1",
            )
            .bind(tenant.0)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                continue;
            }
            fill_headlines(&mut w.tx, tenant).await?;
            rebuild_in(&mut w.tx, self.backend(), tenant).await?;
            w.commit().await?;
            tracing::info!(tenant = tenant.0, "roll-ups built");
        }
        Ok(())
    }
}

/// After `unit` moved from `old` to `new` in the tree: its subtree's totals (its own rows)
/// leave the ancestors it had and join the ones it has now.
pub(crate) async fn move_subtree(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    unit: cumbre_domain::UnitId,
    old: &UnitPath,
    new: &UnitPath,
) -> Result<(), StoreError> {
    let above = |p: &UnitPath| -> Vec<i64> {
        p.ids()
            .into_iter()
            .map(|u| u.0)
            .filter(|u| *u != unit.0)
            .collect()
    };
    let (was, is) = (above(old), above(new));
    let rows = sqlx::query(
        "SELECT grain, day, touchpoint_id, survey_id, responses, promoters, passives, detractors, csat1, csat2, csat3, \
         csat4, csat5, ces_n, ces_sum, ces_sumsq, kind FROM rollups WHERE tenant_id = $1 AND kind IN ('', 'total') AND value = '' AND unit_id = $2",
    )
    .bind(tenant.0)
    .bind(unit.0)
    .fetch_all(&mut **tx)
    .await?;
    let mut delta = Delta::default();
    for r in &rows {
        let t = tally_from_row(r)?;
        let (grain, day, tp, survey) = (
            col(r, "grain")?,
            col(r, "day")?,
            col(r, "touchpoint_id")?,
            col(r, "survey_id")?,
        );
        let kind = if col::<String>(r, "kind")? == "total" {
            "total"
        } else {
            ""
        };
        for &a in &was {
            delta.add_row(
                (tenant.0, kind, String::new(), a, grain, day, tp, survey),
                &t.negated(),
            );
        }
        for &a in &is {
            delta.add_row(
                (tenant.0, kind, String::new(), a, grain, day, tp, survey),
                &t,
            );
        }
    }
    let backend = if tx.backend_name() == "PostgreSQL" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    delta.write(tx, backend).await
}

/// Fills `csat` and `ces` of a tenant's responses to surveys that ask them.
async fn fill_headlines(conn: &mut AnyConnection, tenant: TenantId) -> Result<(), StoreError> {
    let versions = sqlx::query(
        "SELECT v.id, v.definition FROM survey_versions v JOIN surveys s ON s.id = v.survey_id WHERE s.tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_all(&mut *conn)
    .await?;
    for v in versions {
        let def: SurveyDefinition =
            crate::store::json(&col::<String>(&v, "definition")?, "survey definition")?;
        let asks = def.questions.iter().any(|q| {
            matches!(
                q.kind,
                cumbre_domain::listen::QuestionKind::Csat
                    | cumbre_domain::listen::QuestionKind::Ces
            )
        });
        if !asks {
            continue;
        }
        let version: i64 = col(&v, "id")?;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(
                "SELECT id, answers FROM responses WHERE survey_version_id = $1 AND id > $2 ORDER BY id LIMIT 5000",
            )
            .bind(version)
            .bind(after)
            .fetch_all(&mut *conn)
            .await?;
            let Some(last) = rows.last() else { break };
            after = col(last, "id")?;
            for r in &rows {
                let answers: cumbre_domain::listen::Answers =
                    crate::store::json(&col::<String>(r, "answers")?, "answers")?;
                let h = Headline::of(&def, &answers);
                if h.csat.is_some() || h.ces.is_some() {
                    sqlx::query("UPDATE responses SET csat = $1, ces = $2 WHERE id = $3")
                        .bind(h.csat)
                        .bind(h.ces)
                        .bind(col::<i64>(r, "id")?)
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
    }
    Ok(())
}

/// Most cells kept in memory while rebuilding before they are added to the tables.
const FLUSH_CELLS: usize = 200_000;

/// Recomputes a tenant's roll-ups inside the caller's transaction.
pub(crate) async fn rebuild_in(
    conn: &mut AnyConnection,
    backend: Backend,
    tenant: TenantId,
) -> Result<u64, StoreError> {
    // The tenant's row is the rebuild's claim: a second rebuild of the same tenant (another
    // process starting, the command line beside a server) waits for this one to commit,
    // then deletes what it wrote instead of adding to it. It also settles a stale mark.
    sqlx::query("UPDATE tenants SET rollups_stale = 0 WHERE id = $1")
        .bind(tenant.0)
        .execute(&mut *conn)
        .await?;
    if backend == Backend::Postgres {
        // New responses wait until the rebuild commits (inserts conflict with SHARE).
        sqlx::query("LOCK TABLE responses IN SHARE MODE")
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM rollups WHERE tenant_id = $1")
        .bind(tenant.0)
        .execute(&mut *conn)
        .await?;
    let units: Vec<i64> = sqlx::query("SELECT id FROM units WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| col(r, "id"))
        .collect::<Result<_, _>>()?;
    let places = places(conn, backend, units).await?;
    let mut delta = Delta::default();
    let mut counted = 0u64;
    // In time order, so most cells are complete before a flush and written once. The row
    // comparison lets both databases walk the (tenant, time, id) index from where the
    // last page stopped (PostgreSQL scanned from the start with the equivalent OR).
    let (mut at, mut id) = (i64::MIN, 0i64);
    loop {
        let rows = sqlx::query(&format!(
            "SELECT id, {FACT_COLUMNS} FROM responses WHERE tenant_id = $1 AND (submitted_at, id) > ($2, $3) \
             ORDER BY submitted_at, id LIMIT 20000"
        ))
        .bind(tenant.0)
        .bind(at)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        at = col(last, "submitted_at")?;
        id = col(last, "id")?;
        for r in &rows {
            let f = Facts::from_row(r)?;
            let place = places
                .get(&f.unit)
                .ok_or_else(|| StoreError::Corrupt(format!("unit {} of a response", f.unit)))?;
            delta.add(place, &f, 1);
            counted += 1;
        }
        if delta.len() >= FLUSH_CELLS {
            std::mem::take(&mut delta)
                .write_with(conn, backend, false)
                .await?;
        }
    }
    delta.write_with(conn, backend, false).await?;
    running::refill(conn, tenant).await?;
    sqlx::query("UPDATE tenants SET rollups_stale = 0 WHERE id = $1")
        .bind(tenant.0)
        .execute(&mut *conn)
        .await?;
    Ok(counted)
}

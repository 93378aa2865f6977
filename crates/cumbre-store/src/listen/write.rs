//! The one way a response enters the database, whoever brings it: the response writer's
//! groups (form, kiosk, API, invitation), a response recorded alone, CSV imports of
//! responses and reviews, the demo's history. Each row is checked against its tenant
//! (touchpoint, unit), stored with its NPS, CSAT, CES, search text and what its comments
//! say (`improve::comments`), and its roll-up changes are written in the same transaction.

use super::responses::NewResponse;
use crate::improve::comments::{self, Found, Read};
use crate::improve::rollups::{Definitions, Delta, Facts, Place, places};
use crate::store::col;
use crate::{Backend, StoreError};
use cumbre_domain::clock::to_millis;
use cumbre_domain::improve::Headline;
use cumbre_domain::{Field, InvalidInput};
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// A response to insert, with the instant it arrived.
pub(crate) struct Incoming<'a> {
    pub new: &'a NewResponse,
    pub received: OffsetDateTime,
    /// The cache epoch its checks relied on (a guess, see `cache`): it is written only if
    /// the epoch has not moved.
    pub expects: Option<u64>,
}

impl<'a> Incoming<'a> {
    /// A response whose checks were made on fresh reads.
    pub fn checked(new: &'a NewResponse, received: OffsetDateTime) -> Self {
        Incoming {
            new,
            received,
            expects: None,
        }
    }
}

/// What happened to one row.
#[derive(Debug)]
pub(crate) enum Outcome {
    Created(i64),
    /// Its idempotency key was already used: nothing was written.
    KeyUsed,
    /// It names a touchpoint or unit its tenant does not have: nothing was written.
    Refused(StoreError),
    /// The epoch it expected has moved: nothing was written; check it again.
    EpochMoved,
}

/// How rows are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Rows submitted before this are history: stored as already evaluated, so alert
    /// rules never open cases from them.
    pub history_before: Option<OffsetDateTime>,
    /// Keep the roll-ups (else the tenant is marked stale for one rebuild: bulk loads).
    pub rollups: bool,
    /// Each keyless row's own id is needed (a caller waits for it): one statement each.
    /// Without, keyless rows go in many to a statement.
    pub keyless_ids: bool,
}

impl Options {
    /// As responses arrive (imports included): every one goes to the alert rules, which
    /// decide whether imported ones concern them (`include_imports`).
    pub const LIVE: Options = Options {
        history_before: None,
        rollups: true,
        keyless_ids: true,
    };
}

/// Facts that never change once true, kept between calls by a long-lived writer.
#[derive(Default)]
pub(crate) struct Known {
    /// Touchpoints are never deleted nor moved between tenants: one found stays valid.
    touchpoints: HashSet<(i64, i64)>,
    pub definitions: Definitions,
    /// SQLite only: where units sit, valid while the cache epoch holds (a move or a
    /// time-zone change, by any process, moves it). On PostgreSQL places are read (and
    /// share-locked) anew each time.
    places: HashMap<i64, Place>,
    /// The staff each unit's comments may name, valid while the cache epoch holds (every
    /// change to people moves it, whichever process makes it).
    staff: HashMap<i64, cumbre_text::mentions::Staff>,
    /// How each tenant reads comments (its own model and taxonomy), under the epoch too.
    readers: HashMap<i64, comments::TenantReader>,
    /// The epoch last read here.
    pub epoch: u64,
}

/// Most rows in one INSERT. Each row count is a statement of its own, and 64 of them stay
/// in sqlx's prepared-statement cache (100 per connection).
const ROWS_PER_STATEMENT: usize = 64;

/// The columns a new response fills, in the order [`bind_row`] binds them.
const INSERT_COLUMNS: &str = "INSERT INTO responses (tenant_id, survey_id, survey_version_id, unit_id, touchpoint_id, person_id, \
     link_id, source, language, answers, nps, idempotency_key, submitted_at, received_at, search_text, csat, ces, evaluated_at, \
     sentiment, reading) VALUES ";
const PER_ROW: usize = 20;

/// `INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING …` for `rows` responses: a
/// replayed key gives no row back, so callers match the rows they get by key.
fn insert_sql(rows: usize, backend: Backend) -> String {
    format!(
        "{INSERT_COLUMNS}{} ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id, tenant_id, idempotency_key",
        crate::sql::values(backend, rows, PER_ROW)
    )
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_row<'q>(
    q: AnyQuery<'q>,
    row: &Incoming<'_>,
    headline: Headline,
    read: Option<&Read>,
    opts: Options,
) -> AnyQuery<'q> {
    let new = row.new;
    let history = opts
        .history_before
        .is_some_and(|before| new.submitted_at < before);
    q.bind(new.tenant.0)
        .bind(new.survey_id)
        .bind(new.version_id)
        .bind(new.unit_id.0)
        .bind(new.touchpoint_id)
        .bind(new.person_id.map(|p| p.0))
        .bind(new.link_id)
        .bind(new.source.to_string())
        .bind(new.language.code())
        .bind(new.answers.to_json())
        .bind(new.nps)
        .bind(new.idempotency_key.clone())
        .bind(to_millis(new.submitted_at))
        .bind(to_millis(row.received))
        .bind(new.answers.search_text())
        .bind(headline.csat)
        .bind(headline.ces)
        .bind(history.then(|| to_millis(row.received)))
        .bind(read.map(|r| r.sentiment))
        .bind(read.map(|r| r.json.clone()))
}

/// Writes `rows` in the caller's transaction; one outcome per row, in order. An error
/// means the transaction must not commit. Two rows with the same key in one call: the
/// second finds the key used.
pub(crate) async fn insert_responses(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[Incoming<'_>],
    known: &mut Known,
    opts: Options,
) -> Result<Vec<Outcome>, StoreError> {
    let mut outcomes: Vec<Option<Outcome>> = (0..rows.len()).map(|_| None).collect();
    // Comments are read before the insert (the reading goes in the response's own row),
    // with the staff their units may name: the answers to the free-text questions.
    let mut texts: Vec<String> = Vec::with_capacity(rows.len());
    for r in rows {
        let def = known.definitions.get(conn, r.new.version_id).await?;
        texts.push(def.map_or_else(String::new, |d| d.comment_text(&r.new.answers)));
    }
    let with_text = texts.iter().any(|t| !t.is_empty());
    // Read once, before any check: a row that expects another epoch is not written.
    let places_kept = backend == Backend::Sqlite && opts.rollups;
    if places_kept || with_text || rows.iter().any(|r| r.expects.is_some()) {
        let epoch = crate::store::cache_epoch(&mut *conn).await?;
        if epoch != known.epoch {
            known.places.clear();
            known.staff.clear();
            known.readers.clear();
            known.epoch = epoch;
        }
        for (i, row) in rows.iter().enumerate() {
            if row.expects.is_some_and(|e| e != epoch) {
                outcomes[i] = Some(Outcome::EpochMoved);
            }
        }
    }
    // A touchpoint must be the response's tenant's.
    for (i, row) in rows.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        let pair = (row.new.tenant.0, row.new.touchpoint_id);
        if known.touchpoints.contains(&pair) {
            continue;
        }
        let found = sqlx::query("SELECT id FROM touchpoints WHERE id = $1 AND tenant_id = $2")
            .bind(pair.1)
            .bind(pair.0)
            .fetch_optional(&mut *conn)
            .await?;
        if found.is_some() {
            known.touchpoints.insert(pair);
        } else {
            outcomes[i] = Some(Outcome::Refused(
                InvalidInput::UnknownReference {
                    field: Field::Touchpoint,
                    value: pair.1.to_string(),
                }
                .into(),
            ));
        }
    }
    // So must the unit; where it sits is read (and on PostgreSQL share-locked, so a
    // concurrent move waits) before anything is written.
    let found = if opts.rollups {
        unit_places(conn, backend, rows, known).await?
    } else {
        tenants_of(conn, rows).await?
    };
    for (i, row) in rows.iter().enumerate() {
        if outcomes[i].is_none()
            && found
                .get(&row.new.unit_id.0)
                .is_none_or(|(tenant, _)| *tenant != row.new.tenant.0)
        {
            outcomes[i] = Some(Outcome::Refused(
                InvalidInput::UnknownReference {
                    field: Field::Unit,
                    value: row.new.unit_id.to_string(),
                }
                .into(),
            ));
        }
    }
    let mut headlines = vec![Headline::default(); rows.len()];
    for (i, row) in rows.iter().enumerate() {
        if outcomes[i].is_none() {
            headlines[i] = known
                .definitions
                .headline(conn, row.new.version_id, &row.new.answers)
                .await?;
        }
    }
    let missing: std::collections::BTreeSet<i64> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| outcomes[*i].is_none() && !texts[*i].is_empty())
        .map(|(_, r)| r.new.unit_id.0)
        .filter(|u| !known.staff.contains_key(u))
        .collect();
    if !missing.is_empty() {
        let mut read = comments::staff_of(conn, missing.iter().copied()).await?;
        for unit in missing {
            let staff = read.remove(&unit).unwrap_or_default();
            known.staff.insert(unit, staff);
        }
    }
    let tenants: std::collections::BTreeSet<i64> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| outcomes[*i].is_none() && !texts[*i].is_empty())
        .map(|(_, r)| r.new.tenant.0)
        .filter(|t| !known.readers.contains_key(t))
        .collect();
    for tenant in tenants {
        let reader = comments::reader_of(conn, tenant).await?;
        known.readers.insert(tenant, reader);
    }
    let shipped = comments::TenantReader::default();
    let no_staff = cumbre_text::mentions::Staff::default();
    let reads: Vec<Option<Read>> = rows
        .iter()
        .zip(&texts)
        .enumerate()
        .map(|(i, (row, text))| {
            if outcomes[i].is_some() {
                return None;
            }
            let staff = known.staff.get(&row.new.unit_id.0).unwrap_or(&no_staff);
            let reader = known.readers.get(&row.new.tenant.0).unwrap_or(&shipped);
            comments::read(text, staff, reader)
        })
        .collect();
    // Keyed rows many to a statement (the key tells which returned id is whose); keyless
    // rows one each when their ids are needed.
    let mut first_with_key: HashMap<(i64, &str), usize> = HashMap::new();
    let mut keyed = Vec::new();
    let mut keyless = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        match row.new.idempotency_key.as_deref() {
            Some(key) => match first_with_key.entry((row.new.tenant.0, key)) {
                std::collections::hash_map::Entry::Occupied(_) => {
                    outcomes[i] = Some(Outcome::KeyUsed);
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(i);
                    keyed.push(i);
                }
            },
            None => keyless.push(i),
        }
    }
    let mut statements: Vec<&[usize]> = keyed.chunks(ROWS_PER_STATEMENT).collect();
    if opts.keyless_ids {
        statements.extend(keyless.chunks(1));
    } else {
        statements.extend(keyless.chunks(ROWS_PER_STATEMENT));
    }
    let mut delta = Delta::default();
    let mut found_in_comments = Vec::new();
    for chunk in statements {
        let sql = insert_sql(chunk.len(), backend);
        let mut query = sqlx::query(&sql);
        for &i in chunk {
            query = bind_row(query, &rows[i], headlines[i], reads[i].as_ref(), opts);
        }
        let returned = query.fetch_all(&mut *conn).await?;
        // Keyless rows of one statement take its new ids in order: both databases number
        // a multi-row insert's rows as they are listed.
        let mut unkeyed_ids: Vec<i64> = Vec::new();
        for r in &returned {
            let id: i64 = col(r, "id")?;
            match col::<Option<String>>(r, "idempotency_key")? {
                Some(key) => {
                    if let Some(&i) = first_with_key.get(&(col(r, "tenant_id")?, key.as_str())) {
                        outcomes[i] = Some(Outcome::Created(id));
                    }
                }
                None => unkeyed_ids.push(id),
            }
        }
        unkeyed_ids.sort_unstable();
        let unkeyed_rows = chunk
            .iter()
            .filter(|&&i| rows[i].new.idempotency_key.is_none());
        for (&i, id) in unkeyed_rows.zip(unkeyed_ids) {
            outcomes[i] = Some(Outcome::Created(id));
        }
        for &i in chunk {
            match outcomes[i] {
                Some(Outcome::Created(id)) => {
                    if let Some((_, Some(place))) = found.get(&rows[i].new.unit_id.0) {
                        delta.add(place, &facts(rows[i].new, headlines[i]), 1);
                    }
                    if let Some(read) = &reads[i] {
                        let new = rows[i].new;
                        found_in_comments.push(Found {
                            response: id,
                            tenant: new.tenant.0,
                            unit: new.unit_id.0,
                            touchpoint: new.touchpoint_id,
                            submitted_at: to_millis(new.submitted_at),
                            read,
                        });
                    }
                }
                // Its key was used before this call.
                None => outcomes[i] = Some(Outcome::KeyUsed),
                _ => {}
            }
        }
    }
    comments::write_found(conn, backend, &found_in_comments).await?;
    if opts.rollups {
        delta.write(conn, backend).await?;
    } else {
        let tenants: std::collections::BTreeSet<i64> =
            rows.iter().map(|r| r.new.tenant.0).collect();
        for tenant in tenants {
            sqlx::query("UPDATE tenants SET rollups_stale = 1 WHERE id = $1")
                .bind(tenant)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::KeyUsed))
        .collect())
}

/// Each unit's tenant and place. On SQLite the places are kept while the cache epoch
/// holds: read inside the transaction, under the one writer, no move commits between
/// this read and the roll-ups written from it.
async fn unit_places(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[Incoming<'_>],
    known: &mut Known,
) -> Result<HashMap<i64, (i64, Option<Place>)>, StoreError> {
    let units = rows.iter().map(|r| r.new.unit_id.0);
    let read = match backend {
        Backend::Postgres => places(conn, backend, units).await?,
        // `known.epoch` was read at the start of this transaction.
        Backend::Sqlite => {
            let missing: Vec<i64> = units.filter(|u| !known.places.contains_key(u)).collect();
            if !missing.is_empty() {
                let more = places(conn, backend, missing).await?;
                known.places.extend(more);
            }
            rows.iter()
                .filter_map(|r| {
                    let u = r.new.unit_id.0;
                    known.places.get(&u).map(|p| (u, p.clone()))
                })
                .collect()
        }
    };
    Ok(read
        .into_iter()
        .map(|(u, p)| (u, (p.tenant, Some(p))))
        .collect())
}

/// Each unit's tenant, when roll-ups are left for a rebuild.
async fn tenants_of(
    conn: &mut AnyConnection,
    rows: &[Incoming<'_>],
) -> Result<HashMap<i64, (i64, Option<Place>)>, StoreError> {
    let mut out = HashMap::new();
    for list in crate::sql::id_lists(rows.iter().map(|r| r.new.unit_id.0)) {
        let sql = format!("SELECT id, tenant_id FROM units WHERE id IN ({list})");
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            out.insert(col(&r, "id")?, (col(&r, "tenant_id")?, None));
        }
    }
    Ok(out)
}

/// What roll-ups need of a new response.
fn facts(new: &NewResponse, headline: Headline) -> Facts {
    Facts {
        tenant: new.tenant,
        unit: new.unit_id.0,
        touchpoint: new.touchpoint_id,
        survey: new.survey_id,
        person: new.person_id.map(|p| p.0),
        source: new.source.to_string(),
        language: new.language.code().to_owned(),
        submitted_at: new.submitted_at,
        // The caller's NPS is the stored one; the definition gives CSAT and CES.
        headline: Headline {
            nps: new.nps,
            ..headline
        },
    }
}

//! Responses: written once, durable before acknowledged, idempotent by key.

use super::write::{Incoming, Known, Options, Outcome, insert_responses};
use crate::improve::rollups::{Delta, Facts, places};
use crate::sql::Sql;
use crate::store::col;
use crate::{Backend, Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::listen::Answers;
use cumbre_domain::org::UnitPath;
use cumbre_domain::{Field, InvalidInput, Lang, PersonId, TenantId, UnitId};
use futures_util::FutureExt;
use serde::Serialize;
use sqlx::Any;
use sqlx::pool::PoolConnection;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

#[derive(Debug, Clone)]
pub struct NewResponse {
    pub tenant: TenantId,
    pub survey_id: i64,
    pub version_id: i64,
    pub unit_id: UnitId,
    pub touchpoint_id: i64,
    pub person_id: Option<PersonId>,
    pub link_id: Option<i64>,
    /// `link`, `api`, `kiosk`, `invitation`, `import` or `review:<site>`.
    pub source: std::borrow::Cow<'static, str>,
    pub language: Lang,
    pub answers: Answers,
    pub nps: Option<i64>,
    pub idempotency_key: Option<String>,
    pub submitted_at: OffsetDateTime,
}

/// The outcome of recording: a new response, or the one an earlier call with the same
/// idempotency key created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Created(i64),
    Existing(i64),
}

impl Recorded {
    pub fn id(self) -> i64 {
        match self {
            Recorded::Created(id) | Recorded::Existing(id) => id,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredResponse {
    pub id: i64,
    pub survey_id: i64,
    pub survey_version_id: i64,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub touchpoint_id: i64,
    pub employee_id: Option<PersonId>,
    pub source: String,
    pub language: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub answers: serde_json::Value,
    pub nps: Option<i64>,
    /// The first CSAT (1–5) and CES (1–7) answers, as the metrics count them.
    pub csat: Option<i64>,
    pub ces: Option<i64>,
    /// What the text analyser read in the comments (absent when nothing is written).
    pub reading: Option<cumbre_domain::improve::reading::Reading>,
}

#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    /// This unit and everything under it.
    pub unit: Option<UnitId>,
    pub touchpoint: Option<i64>,
    pub survey: Option<i64>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// NPS band: `detractor` (0–6), `passive` (7–8) or `promoter` (9–10).
    pub band: Option<Band>,
    /// Words in the free-text answers, ignoring case and accents.
    pub text: Option<cumbre_domain::text::Search>,
    pub limit: i64,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Only responses with something written (comments, verbatims).
    pub with_text: bool,
    /// Only the responses that name this person (or came through their link).
    pub person: Option<cumbre_domain::PersonId>,
    /// How the comments read; with `theme`, how they speak of that theme.
    pub sentiment: Option<cumbre_domain::improve::reading::Sentiment>,
    /// Comments about this theme of the taxonomy.
    pub theme: Option<String>,
    /// Comments that name this employee (as the analyser found them).
    pub mentioned: Option<cumbre_domain::PersonId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Band {
    Detractor,
    Passive,
    Promoter,
}

impl Band {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw {
            "detractor" => Ok(Band::Detractor),
            "passive" => Ok(Band::Passive),
            "promoter" => Ok(Band::Promoter),
            other => Err(InvalidInput::NotOneOf {
                field: Field::Answer,
                value: other.to_owned(),
                allowed: "detractor, passive, promoter",
            }),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Band::Detractor => "detractor",
            Band::Passive => "passive",
            Band::Promoter => "promoter",
        }
    }

    fn range(self) -> (i64, i64) {
        match self {
            Band::Detractor => (0, 6),
            Band::Passive => (7, 8),
            Band::Promoter => (9, 10),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResponsePage {
    pub items: Vec<StoredResponse>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

const SELECT_RESPONSE: &str = "SELECT r.id, r.survey_id, r.survey_version_id, r.unit_id, u.name AS unit_name, r.touchpoint_id, \
    r.person_id, r.source, r.language, r.submitted_at, r.answers, r.nps, r.csat, r.ces, r.reading FROM responses r JOIN units u ON u.id = r.unit_id";

/// Managers see their subtree's units; employees the responses that name them.
fn push_response_scope(sql: &mut Sql, scope: &Scope) {
    sql.push(" AND r.tenant_id = ").int(scope.tenant().0);
    match scope {
        Scope::Tenant(_) => {}
        Scope::Subtree { path, .. } => push_subtree(sql, scope.tenant(), path),
        Scope::Own { person, .. } => {
            sql.push(" AND r.person_id = ")
                .int(person.map_or(-1, |p| p.0));
        }
    }
}

/// Responses at `path`'s units: the subtree's unit ids, read once, rather than matching
/// every response's unit path (which made a company-wide export take seven times longer
/// than an unfiltered one, though both return the same rows).
fn push_subtree(sql: &mut Sql, tenant: TenantId, path: &UnitPath) {
    sql.push(" AND r.unit_id IN (SELECT id FROM units WHERE tenant_id = ")
        .int(tenant.0)
        .push(" AND path LIKE ")
        .text(path.subtree_pattern())
        .push(")");
}

/// The rows after a page's last (`at`, `id`), newest first. The bound on the time alone
/// comes first: with bound values the database cannot read a range out of
/// `at < x OR (at = x AND id < y)`, and walked the timeline from its newest row to the
/// cursor on every page (an export of a million answers read half a billion rows).
fn push_after(sql: &mut Sql, at: i64, id: i64) {
    sql.push(" AND r.submitted_at <= ")
        .int(at)
        .push(" AND (r.submitted_at < ")
        .int(at)
        .push(" OR r.id < ")
        .int(id)
        .push(")");
}

fn response_from_row(r: &sqlx::any::AnyRow) -> Result<StoredResponse, StoreError> {
    let answers: String = col(r, "answers")?;
    Ok(StoredResponse {
        id: col(r, "id")?,
        survey_id: col(r, "survey_id")?,
        survey_version_id: col(r, "survey_version_id")?,
        unit_id: UnitId(col(r, "unit_id")?),
        unit_name: col(r, "unit_name")?,
        touchpoint_id: col(r, "touchpoint_id")?,
        employee_id: col::<Option<i64>>(r, "person_id")?.map(PersonId),
        source: col(r, "source")?,
        language: col(r, "language")?,
        submitted_at: from_millis(col(r, "submitted_at")?),
        answers: crate::store::json(&answers, "answers")?,
        nps: col(r, "nps")?,
        csat: col(r, "csat")?,
        ces: col(r, "ces")?,
        reading: col::<Option<String>>(r, "reading")?
            .as_deref()
            .and_then(cumbre_domain::improve::reading::Reading::from_json),
    })
}

fn parse_cursor(raw: &str) -> Result<(i64, i64), InvalidInput> {
    raw.split_once('.')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .ok_or_else(|| InvalidInput::NotOneOf {
            field: Field::Key,
            value: raw.to_owned(),
            allowed: "a next_cursor from a previous page",
        })
}

/// What the writer is asked to do. Nearly every job is a `Record`: boxing it to shrink the
/// rare `Stop` would cost an allocation per submission.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Job {
    Record(Submission),
    /// Give back the connection and end (`Store::close`), then say so.
    Stop(oneshot::Sender<()>),
}

/// A response waiting for the writer, with where to send its outcome.
pub(crate) struct Submission {
    new: NewResponse,
    now: OffsetDateTime,
    expects: Option<u64>,
    reply: oneshot::Sender<Result<Recorded, StoreError>>,
}

/// Most submissions committed together: enough to amortise a commit's fsync, small enough
/// that one transaction stays short.
const GROUP: usize = 256;

/// Starts the response writer. Each loop takes every submission waiting (up to [`GROUP`]) and
/// commits them together, then answers each: while one group's commit is on disk, the next
/// group gathers, so a busy server commits dozens at a time and a quiet one each at once.
/// Nothing is acknowledged before its commit.
///
/// On SQLite the writer runs on a thread of its own: on the shared runtime its every wake-up
/// (one per database round trip) queued behind the HTTP tasks, and the one writer SQLite
/// allows sat idle in between.
pub(crate) fn spawn_writer(store: Store) -> Result<mpsc::Sender<Job>, StoreError> {
    let (tx, mut rx) = mpsc::channel::<Job>(4 * GROUP);
    let on_own_thread = store.backend() == Backend::Sqlite;
    let work = async move {
        let mut jobs = Vec::with_capacity(GROUP);
        let mut group = Vec::with_capacity(GROUP);
        let mut known = Known::default();
        // A connection of its own: SQLite keeps a page cache per connection and empties it
        // when another connection wrote, so taking turns through the pool re-read pages
        // from disk for every group.
        let mut own: Option<PoolConnection<Any>> = None;
        let mut stop = None;
        // Answers reach the text index in batches, at most once a second (SQLite; see
        // `text_search::TextLimits`).
        let mut indexed = std::time::Instant::now();
        while stop.is_none() && rx.recv_many(&mut jobs, GROUP).await > 0 {
            for job in jobs.drain(..) {
                match job {
                    Job::Record(s) => group.push(s),
                    Job::Stop(done) => stop = Some(done),
                }
            }
            if group.is_empty() {
                continue;
            }
            // A panic in one group (a bug) must not stop the writer: that group's
            // outcome is unknown, the next group starts afresh.
            let outcome = std::panic::AssertUnwindSafe(async {
                match own.as_mut() {
                    Some(conn) => store.record_group(conn, &group, &mut known).await,
                    None => match store.pool().acquire().await {
                        Ok(conn) => {
                            store
                                .record_group(own.insert(conn), &group, &mut known)
                                .await
                        }
                        Err(e) => Err(GroupFailure::NothingWritten(e.into())),
                    },
                }
            })
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!(
                    size = group.len(),
                    "the response writer panicked on a group"
                );
                Err(GroupFailure::Unknown(StoreError::Corrupt(
                    "the response writer failed".into(),
                )))
            });
            if outcome.is_err() {
                own = None;
                known = Known::default();
            }
            match outcome {
                Ok(results) => {
                    for (s, result) in group.drain(..).zip(results) {
                        let _ = s.reply.send(result);
                    }
                }
                // One bad apple (or a lost race with another process) must not spoil the
                // group: record each on its own.
                Err(GroupFailure::NothingWritten(e)) => {
                    tracing::warn!(error = ?e, size = group.len(), "group commit failed; recording one by one");
                    for s in group.drain(..) {
                        let _ = s
                            .reply
                            .send(store.record_response_alone(&s.new, s.now, s.expects).await);
                    }
                }
                // The commit may have happened: a keyed response is safe to record again
                // (its key finds it), a keyless one would be stored twice, so it is
                // reported failed instead.
                Err(GroupFailure::Unknown(e)) => {
                    tracing::error!(error = ?e, size = group.len(), "group outcome unknown; keyed responses recorded again");
                    for s in group.drain(..) {
                        let result = match s.new.idempotency_key {
                            Some(_) => store.record_response_alone(&s.new, s.now, s.expects).await,
                            None => Err(StoreError::Corrupt(
                                "the response may not have been saved".into(),
                            )),
                        };
                        let _ = s.reply.send(result);
                    }
                }
            }
            if on_own_thread && indexed.elapsed() >= store.text_limits().index_every {
                indexed = std::time::Instant::now();
                if let Err(e) = store.index_new_answers().await {
                    tracing::warn!(error = ?e, "indexing new answers for search failed; searches read them directly meanwhile");
                }
            }
        }
        drop(own);
        if let Some(done) = stop {
            let _ = done.send(());
        }
    };
    if on_own_thread {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Corrupt(format!("cannot start the response writer: {e}")))?;
        std::thread::Builder::new()
            .name("cumbre-writer".into())
            .spawn(move || runtime.block_on(work))
            .map_err(|e| StoreError::Corrupt(format!("cannot start the response writer: {e}")))?;
    } else {
        tokio::spawn(work);
    }
    Ok(tx)
}

/// Why a group was not recorded, and whether any of it may have been.
pub(crate) enum GroupFailure {
    /// Failed before its commit: nothing of it is in the database.
    NothingWritten(StoreError),
    /// Failed in or after its commit: some or all of it may be in the database.
    Unknown(StoreError),
}

impl From<StoreError> for GroupFailure {
    fn from(e: StoreError) -> Self {
        GroupFailure::NothingWritten(e)
    }
}

impl From<sqlx::Error> for GroupFailure {
    fn from(e: sqlx::Error) -> Self {
        GroupFailure::NothingWritten(e.into())
    }
}

impl Store {
    /// Records a response durably: it returns once the response is committed. With an
    /// idempotency key already used in this tenant, nothing is written and the earlier
    /// response's id is returned.
    pub async fn record_response(
        &self,
        new: NewResponse,
        now: OffsetDateTime,
    ) -> Result<Recorded, StoreError> {
        self.record_response_as_of(new, now, None).await
    }

    /// [`Store::record_response`] for a response checked against reads kept under `epoch`
    /// (a guess, see `cache`): `EpochMoved`, and nothing written, when the epoch has moved
    /// since. The check and the write are one transaction. `None`: checked on fresh reads.
    pub async fn record_response_as_of(
        &self,
        new: NewResponse,
        now: OffsetDateTime,
        epoch: Option<crate::Epoch>,
    ) -> Result<Recorded, StoreError> {
        let expects = epoch.map(|e| e.0);
        let Some(writer) = &self.responses else {
            return self.record_response_alone(&new, now, expects).await;
        };
        let (reply, outcome) = oneshot::channel();
        let submission = Submission {
            new,
            now,
            expects,
            reply,
        };
        writer
            .send(Job::Record(submission))
            .await
            .map_err(|_| StoreError::Corrupt("the response writer has stopped".into()))?;
        outcome
            .await
            .map_err(|_| StoreError::Corrupt("the response writer has stopped".into()))?
    }

    /// Commits a group at once; per-item refusals are per-item results. The cost that limits
    /// a busy writer is per statement, not per row, so keyed responses go in with multi-row
    /// statements, and a group that fits one statement runs it in a short transaction.
    /// Keyless responses (rare: API calls without `Idempotency-Key`) go one per statement,
    /// since only a key tells which returned id is whose.
    async fn record_group(
        &self,
        conn: &mut PoolConnection<Any>,
        group: &[Submission],
        known: &mut Known,
    ) -> Result<Vec<Result<Recorded, StoreError>>, GroupFailure> {
        let rows: Vec<Incoming<'_>> = group
            .iter()
            .map(|s| Incoming {
                new: &s.new,
                received: s.now,
                expects: s.expects,
            })
            .collect();
        let outcomes = {
            // The responses and their roll-ups commit together.
            let _writer = self.writer_lock().await;
            let mut tx = crate::store::begin_write_on(self.backend(), conn).await?;
            let outcomes =
                insert_responses(&mut tx, self.backend(), &rows, known, Options::LIVE).await?;
            tx.commit()
                .await
                .map_err(|e| GroupFailure::Unknown(e.into()))?;
            self.cache.saw(known.epoch);
            outcomes
        };
        // Committed: from here on a failure is one submission's, never the group's.
        let mut results = Vec::with_capacity(group.len());
        for (s, outcome) in group.iter().zip(outcomes) {
            results.push(match outcome {
                Outcome::Created(id) => Ok(Recorded::Created(id)),
                // The key was used before (or earlier in this group): that one is committed.
                Outcome::KeyUsed => existing_id(self.pool(), &s.new)
                    .await
                    .map(Recorded::Existing),
                Outcome::Refused(e) => Err(e),
                Outcome::EpochMoved => Err(StoreError::EpochMoved),
            });
        }
        Ok(results)
    }

    /// Records one response in its own transaction (the writer's fallback).
    pub(crate) async fn record_response_alone(
        &self,
        new: &NewResponse,
        now: OffsetDateTime,
        expects: Option<u64>,
    ) -> Result<Recorded, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        let row = [Incoming {
            new,
            received: now,
            expects,
        }];
        let outcome = insert_responses(
            &mut w.tx,
            self.backend(),
            &row,
            &mut Known::default(),
            Options::LIVE,
        )
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a response got no outcome".into()))?;
        // With ON CONFLICT DO NOTHING a key already used (also by a concurrent request that
        // committed first) gives no row: answer with the earlier response.
        let recorded = match outcome {
            Outcome::Created(id) => Recorded::Created(id),
            Outcome::KeyUsed => Recorded::Existing(existing_id(&mut *w.tx, new).await?),
            Outcome::Refused(e) => return Err(e),
            Outcome::EpochMoved => return Err(StoreError::EpochMoved),
        };
        w.commit().await?;
        Ok(recorded)
    }

    async fn has_subunits(&self, unit: UnitId) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 FROM units WHERE parent_id = $1 LIMIT 1")
                .bind(unit.0)
                .fetch_optional(self.pool())
                .await?
                .is_some(),
        )
    }

    /// Erases a response (a guest's request, spam, a test entry): it leaves the roll-ups in
    /// the same transaction, and a case opened from it keeps its own record but loses the
    /// link. Administrators only; recorded in the audit trail.
    pub async fn delete_response(
        &self,
        grant: &cumbre_domain::access::AdminGrant,
        id: i64,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let tenant = grant.tenant();
        let mut w = self.begin_quiet_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {} FROM responses WHERE id = $1 AND tenant_id = $2",
            crate::improve::rollups::FACT_COLUMNS
        ))
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let f = Facts::from_row(&row)?;
        crate::improve::comments::forget(&mut w.tx, id).await?;
        for sql in [
            "UPDATE cases SET response_id = NULL WHERE response_id = $1",
            "UPDATE invitations SET response_id = NULL WHERE response_id = $1",
            "DELETE FROM responses WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *w.tx).await?;
        }
        let found = places(&mut w.tx, self.backend(), [f.unit]).await?;
        let place = found.get(&f.unit).ok_or(StoreError::NotFound)?;
        let mut delta = Delta::default();
        delta.add(place, &f, -1);
        delta.write(&mut w.tx, self.backend()).await?;
        crate::audit::record(
            &mut w.tx,
            tenant,
            actor,
            "response.delete",
            &id.to_string(),
            "",
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// One response the scope sees, with the definition of the version it answered.
    pub async fn get_response(&self, scope: &Scope, id: i64) -> Result<StoredResponse, StoreError> {
        let mut sql = Sql::new(&format!("{SELECT_RESPONSE} WHERE r.id = "));
        sql.int(id);
        push_response_scope(&mut sql, scope);
        let row = sql
            .query()?
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        response_from_row(&row)
    }

    /// Newest first, in pages, of the responses the scope sees: managers their subtree's
    /// units, employees the responses that name them.
    pub async fn list_responses(
        &self,
        scope: &Scope,
        filter: &ResponseFilter,
    ) -> Result<ResponsePage, StoreError> {
        if let Some(theme) = &filter.theme {
            self.check_theme(scope.tenant(), theme).await?;
        }
        // The conditions, for the page and for a search's walk.
        let mut sql = Sql::new(" WHERE 1 = 1");
        push_response_scope(&mut sql, scope);
        if let Some(unit) = filter.unit {
            match self.get_unit(scope, unit).await {
                // A unit with nothing under it: its own index (unit, time) finds the newest
                // directly, where a path match would walk the whole tenant's timeline.
                Ok(u) if !self.has_subunits(u.id).await? => {
                    sql.push(" AND r.unit_id = ").int(u.id.0);
                }
                Ok(u) => push_subtree(&mut sql, scope.tenant(), &u.path),
                Err(StoreError::NotFound) => {
                    sql.push(" AND 1 = 0");
                }
                Err(e) => return Err(e),
            }
        }
        if filter.with_text {
            sql.push(" AND r.search_text <> ''");
        }
        if let Some(person) = filter.person {
            sql.push(" AND r.person_id = ").int(person.0);
        }
        if let Some(t) = filter.touchpoint {
            sql.push(" AND r.touchpoint_id = ").int(t);
        }
        if let Some(s) = filter.survey {
            sql.push(" AND r.survey_id = ").int(s);
        }
        if let Some(from) = filter.from {
            sql.push(" AND r.submitted_at >= ").int(to_millis(from));
        }
        if let Some(to) = filter.to {
            sql.push(" AND r.submitted_at < ").int(to_millis(to));
        }
        if let Some(band) = filter.band {
            let (lo, hi) = band.range();
            sql.push(" AND r.nps >= ")
                .int(lo)
                .push(" AND r.nps <= ")
                .int(hi);
        }
        match (&filter.theme, filter.sentiment) {
            (Some(theme), sentiment) => {
                // Checked row by row as the timeline is walked: a common theme's set of
                // responses would be built anew for every page.
                sql.push(
                    " AND EXISTS (SELECT 1 FROM response_themes t WHERE t.response_id = r.id AND t.theme = ",
                )
                .text(theme.clone());
                if let Some(s) = sentiment {
                    sql.push(" AND t.sentiment = ").int(s.value());
                }
                sql.push(")");
            }
            (None, Some(s)) => {
                sql.push(" AND r.sentiment = ").int(s.value());
            }
            (None, None) => {}
        }
        if let Some(person) = filter.mentioned {
            sql.push(
                " AND EXISTS (SELECT 1 FROM response_mentions m WHERE m.response_id = r.id AND m.person_id = ",
            )
            .int(person.0)
            .push(")");
        }
        if let Some(cursor) = &filter.cursor {
            let (at, id) = parse_cursor(cursor)?;
            push_after(&mut sql, at, id);
        }
        let limit = filter.limit.clamp(1, 1000);
        let text = match &filter.text {
            Some(search) => Some(self.newest_text_match(search, &sql, limit + 1).await?),
            None => None,
        };
        let mut sql = sql.after(SELECT_RESPONSE);
        if let Some(text) = &text {
            text.push(&mut sql, "r");
        }
        sql.push(" ORDER BY r.submitted_at DESC, r.id DESC LIMIT ")
            .int(limit + 1);
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        let mut items = rows
            .iter()
            .map(response_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items
                .last()
                .map(|last| format!("{}.{}", to_millis(last.submitted_at), last.id))
        } else {
            None
        };
        Ok(ResponsePage { items, next_cursor })
    }
}

/// The response an earlier submission with `new`'s key created.
async fn existing_id<'c, E>(exec: E, new: &NewResponse) -> Result<i64, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT id FROM responses WHERE tenant_id = $1 AND idempotency_key = $2")
        .bind(new.tenant.0)
        .bind(new.idempotency_key.clone())
        .fetch_one(exec)
        .await?;
    col(&row, "id")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A later page starts where the last one ended: the plan reads a range of the
    /// (tenant, time) index up to the cursor, not the timeline from its newest row.
    #[tokio::test]
    async fn a_later_page_reads_from_the_cursor_on() {
        let (_dir, store) = Store::scratch().await;
        let mut sql = Sql::new(&format!("{SELECT_RESPONSE} WHERE 1 = 1"));
        push_response_scope(&mut sql, &Scope::Tenant(TenantId(1)));
        push_after(&mut sql, 1_700_000_000_000, 42);
        sql.push(" ORDER BY r.submitted_at DESC, r.id DESC LIMIT ")
            .int(51);
        let plan = sql.plan(store.pool()).await;
        assert!(
            plan.iter()
                .any(|d| d.contains("responses_tenant_time") && d.contains("submitted_at<")),
            "{plan:?}"
        );
    }
}

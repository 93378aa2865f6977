//! Responses: written once, durable before acknowledged, idempotent by key.

use crate::sql::Sql;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::listen::Answers;
use cumbre_domain::{Field, InvalidInput, Lang, PersonId, TenantId, UnitId};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
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
    /// `link`, `api`, `kiosk`, `invitation` or `import`.
    pub source: &'static str,
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

#[derive(Debug, Clone, Serialize)]
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
    pub text: Option<String>,
    pub limit: i64,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, Serialize)]
pub struct ResponsePage {
    pub items: Vec<StoredResponse>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn insert_response(
    new: &NewResponse,
    now: OffsetDateTime,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(
        "INSERT INTO responses (tenant_id, survey_id, survey_version_id, unit_id, touchpoint_id, person_id, link_id, source, \
         language, answers, nps, idempotency_key, submitted_at, received_at, search_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(new.tenant.0)
    .bind(new.survey_id)
    .bind(new.version_id)
    .bind(new.unit_id.0)
    .bind(new.touchpoint_id)
    .bind(new.person_id.map(|p| p.0))
    .bind(new.link_id)
    .bind(new.source)
    .bind(new.language.code())
    .bind(new.answers.to_json())
    .bind(new.nps)
    .bind(new.idempotency_key.clone())
    .bind(to_millis(new.submitted_at))
    .bind(to_millis(now))
    .bind(new.answers.search_text())
}

const SELECT_RESPONSE: &str = "SELECT r.id, r.survey_id, r.survey_version_id, r.unit_id, u.name AS unit_name, r.touchpoint_id, \
    r.person_id, r.source, r.language, r.submitted_at, r.answers, r.nps FROM responses r JOIN units u ON u.id = r.unit_id";

/// Managers see their subtree's units; employees the responses that name them.
fn push_response_scope(sql: &mut Sql, scope: &Scope) {
    sql.push(" AND r.tenant_id = ").int(scope.tenant().0);
    match scope {
        Scope::Tenant(_) => {}
        Scope::Subtree { path, .. } => {
            sql.push(" AND u.path LIKE ").text(path.subtree_pattern());
        }
        Scope::Own { person, .. } => {
            sql.push(" AND r.person_id = ")
                .int(person.map_or(-1, |p| p.0));
        }
    }
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

/// A response waiting for the writer, with where to send its outcome.
pub(crate) type Submission = (
    NewResponse,
    OffsetDateTime,
    oneshot::Sender<Result<Recorded, StoreError>>,
);

/// Most submissions committed together: enough to amortise a commit's fsync, small enough
/// that one transaction stays short.
const GROUP: usize = 256;

/// Starts the response writer. Each loop takes every submission waiting (up to [`GROUP`]) and
/// commits them in one transaction, then answers each: while one group's commit is on disk,
/// the next group gathers, so a busy server commits often-hundreds at a time and a quiet one
/// commits each at once. Nothing is acknowledged before its commit.
pub(crate) fn spawn_writer(store: Store) -> mpsc::Sender<Submission> {
    let (tx, mut rx) = mpsc::channel::<Submission>(4 * GROUP);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut group = vec![first];
            while group.len() < GROUP {
                match rx.try_recv() {
                    Ok(next) => group.push(next),
                    Err(_) => break,
                }
            }
            let items: Vec<(NewResponse, OffsetDateTime)> =
                group.iter().map(|(n, t, _)| (n.clone(), *t)).collect();
            match store.record_group(&items).await {
                Ok(results) => {
                    for ((_, _, reply), result) in group.into_iter().zip(results) {
                        let _ = reply.send(result);
                    }
                }
                // One bad apple (or a lost race with another process) must not spoil the
                // group: record each on its own.
                Err(e) => {
                    tracing::warn!(error = ?e, size = group.len(), "group commit failed; recording one by one");
                    for (new, now, reply) in group {
                        let _ = reply.send(store.record_response_alone(&new, now).await);
                    }
                }
            }
        }
    });
    tx
}

impl Store {
    /// Records a response durably: it returns once the response is committed. With an
    /// idempotency key already used in this tenant, nothing is written and the earlier
    /// response's id is returned.
    pub async fn record_response(
        &self,
        new: &NewResponse,
        now: OffsetDateTime,
    ) -> Result<Recorded, StoreError> {
        let Some(writer) = &self.responses else {
            return self.record_response_alone(new, now).await;
        };
        let (reply, outcome) = oneshot::channel();
        writer
            .send((new.clone(), now, reply))
            .await
            .map_err(|_| StoreError::Corrupt("the response writer has stopped".into()))?;
        outcome
            .await
            .map_err(|_| StoreError::Corrupt("the response writer has stopped".into()))?
    }

    /// Commits a group in one transaction; per-item refusals are per-item results.
    async fn record_group(
        &self,
        items: &[(NewResponse, OffsetDateTime)],
    ) -> Result<Vec<Result<Recorded, StoreError>>, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        let mut results = Vec::with_capacity(items.len());
        let mut keys: HashMap<(i64, String), i64> = HashMap::new();
        let mut touchpoints: HashSet<(i64, i64)> = HashSet::new();
        for (new, now) in items {
            if let Some(key) = &new.idempotency_key
                && let Some(id) = keys.get(&(new.tenant.0, key.clone()))
            {
                results.push(Ok(Recorded::Existing(*id)));
                continue;
            }
            if !touchpoints.contains(&(new.tenant.0, new.touchpoint_id)) {
                if !touchpoint_exists(&mut w.tx, new).await? {
                    results.push(Err(unknown_touchpoint(new)));
                    continue;
                }
                touchpoints.insert((new.tenant.0, new.touchpoint_id));
            }
            // One statement in the common case: the key's unique index turns a replay into
            // "no row", and only then do we look the earlier response up.
            let recorded = match insert_response(new, *now)
                .fetch_optional(&mut *w.tx)
                .await?
            {
                Some(row) => Recorded::Created(col(&row, "id")?),
                None => Recorded::Existing(existing_id(&mut w.tx, new).await?),
            };
            if let Some(key) = &new.idempotency_key {
                keys.insert((new.tenant.0, key.clone()), recorded.id());
            }
            results.push(Ok(recorded));
        }
        w.commit().await?;
        Ok(results)
    }

    /// Records one response in its own transaction (the writer's fallback).
    pub(crate) async fn record_response_alone(
        &self,
        new: &NewResponse,
        now: OffsetDateTime,
    ) -> Result<Recorded, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        if !touchpoint_exists(&mut w.tx, new).await? {
            return Err(unknown_touchpoint(new));
        }
        // With ON CONFLICT DO NOTHING a key already used (also by a concurrent request that
        // committed first) gives no row: answer with the earlier response.
        let recorded = match insert_response(new, now).fetch_optional(&mut *w.tx).await? {
            Some(row) => Recorded::Created(col(&row, "id")?),
            None => Recorded::Existing(existing_id(&mut w.tx, new).await?),
        };
        w.commit().await?;
        Ok(recorded)
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
        let mut sql = Sql::new(&format!("{SELECT_RESPONSE} WHERE 1 = 1"));
        push_response_scope(&mut sql, scope);
        if let Some(unit) = filter.unit {
            let pattern = match self.get_unit(scope, unit).await {
                Ok(u) => u.path.subtree_pattern(),
                Err(StoreError::NotFound) => "-".into(),
                Err(e) => return Err(e),
            };
            sql.push(" AND u.path LIKE ").text(pattern);
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
        if let Some(text) = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let pattern = format!(
                "%{}%",
                cumbre_domain::text::like_literal(&cumbre_domain::text::fold(text))
            );
            sql.push(" AND r.search_text LIKE ")
                .text(pattern)
                .push(" ESCAPE '\\'");
        }
        if let Some(cursor) = &filter.cursor {
            let (at, id) = parse_cursor(cursor)?;
            sql.push(" AND (r.submitted_at < ")
                .int(at)
                .push(" OR (r.submitted_at = ")
                .int(at)
                .push(" AND r.id < ")
                .int(id)
                .push("))");
        }
        let limit = filter.limit.clamp(1, 1000);
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
async fn existing_id(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    new: &NewResponse,
) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT id FROM responses WHERE tenant_id = $1 AND idempotency_key = $2")
        .bind(new.tenant.0)
        .bind(new.idempotency_key.clone())
        .fetch_one(&mut **tx)
        .await?;
    col(&row, "id")
}

/// Whether the response's touchpoint is its tenant's.
async fn touchpoint_exists(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    new: &NewResponse,
) -> Result<bool, StoreError> {
    let found = sqlx::query("SELECT id FROM touchpoints WHERE id = $1 AND tenant_id = $2")
        .bind(new.touchpoint_id)
        .bind(new.tenant.0)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}

fn unknown_touchpoint(new: &NewResponse) -> StoreError {
    InvalidInput::UnknownReference {
        field: Field::Touchpoint,
        value: new.touchpoint_id.to_string(),
    }
    .into()
}

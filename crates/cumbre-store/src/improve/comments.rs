//! What customers' comments say, read once, as each response is written (whoever brings
//! it: the response writer, imports, the demo): the analyser (`cumbre-text`) runs in the
//! writing transaction, so a response is never stored unread and no job has to catch up
//! after a restart or share the work between servers. The reading is stored on the
//! response; its themes and the employees it names also go to rows of their own
//! (migration 0022), which the dashboards and the filters read.

use crate::store::col;
use crate::{Backend, StoreError};
use cumbre_domain::PersonId;
use cumbre_domain::improve::reading::{
    Cue, MentionReading, Reading, Rule, Sentiment, ThemeReading,
};
use cumbre_text::mentions::{Person, Staff};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// What one response's comments came to, ready to be written.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub sentiment: i64,
    /// The stored reading (JSON).
    pub json: String,
    themes: Vec<(String, i64)>,
    /// Settled mentions only: an ambiguous one names no one.
    mentions: Vec<(i64, i64)>,
}

/// Reads `text` (a response's free-text answers) as its tenant reads comments, looking for
/// the names of `staff`; `None` when nothing is written.
pub(crate) fn read(text: &str, staff: &Staff, reader: &TenantReader) -> Option<Read> {
    if text.trim().is_empty() {
        return None;
    }
    let analysis = reader.reader().read(text, staff);
    let reading = reading_of(&analysis);
    let mut mentions: Vec<(i64, i64)> = reading
        .mentions
        .iter()
        .filter_map(|m| m.employee_id.map(|p| (p.0, m.sentiment.value())))
        .collect();
    // One row a person: their first mention's sentiment.
    let mut seen = std::collections::HashSet::new();
    mentions.retain(|(p, _)| seen.insert(*p));
    Some(Read {
        sentiment: reading.sentiment.value(),
        themes: reading
            .themes
            .iter()
            .map(|t| (t.theme.clone(), t.sentiment.value()))
            .collect(),
        mentions,
        json: reading.to_json(),
    })
}

fn rounded(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// The analyser's findings as Cumbre keeps and shows them.
pub(crate) fn reading_of(a: &cumbre_text::Analysis) -> Reading {
    use cumbre_text::Label;
    use cumbre_text::sentiment::Rule as R;
    let sentiment_of = |l: Label| match l {
        Label::Positive => Sentiment::Positive,
        Label::Neutral => Sentiment::Neutral,
        Label::Negative => Sentiment::Negative,
    };
    let rule = |r: &R| match r {
        R::Negated => Rule::Negated,
        R::Intensified => Rule::Intensified,
        R::Softened => Rule::Softened,
        R::Capitals => Rule::Capitals,
        R::Elongated => Rule::Elongated,
        R::AfterContrast => Rule::AfterContrast,
        R::BeforeContrast => Rule::BeforeContrast,
        R::Exclaimed => Rule::Exclaimed,
    };
    Reading {
        language: a.language.code().to_owned(),
        sentiment: sentiment_of(a.label),
        score: rounded(a.score),
        cues: a
            .evidence
            .iter()
            .map(|e| Cue {
                term: e.term.clone(),
                strength: rounded(e.base),
                counted: rounded(e.counted),
                rules: e.rules.iter().map(rule).collect(),
            })
            .collect(),
        themes: a
            .themes
            .iter()
            .map(|t| ThemeReading {
                theme: t.theme.to_owned(),
                sentiment: sentiment_of(t.label),
                score: rounded(t.score),
                terms: t.terms.clone(),
            })
            .collect(),
        mentions: a
            .mentions
            .iter()
            .map(|m| MentionReading {
                employee_id: m.person.map(PersonId),
                candidates: m.candidates.iter().copied().map(PersonId).collect(),
                words: m.words.clone(),
                sentiment: sentiment_of(m.label),
            })
            .collect(),
    }
}

/// The people each unit's comments may name: the active staff of the unit and of the
/// units under it (a hotel's guests name its receptionists, who sit in its front desk).
pub(crate) async fn staff_of(
    conn: &mut AnyConnection,
    units: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Staff>, StoreError> {
    let mut people: HashMap<i64, Vec<Person>> = HashMap::new();
    for list in crate::sql::id_lists(units) {
        let sql = format!(
            "SELECT u.id AS at, p.id AS person, p.name AS name FROM units u \
             JOIN units pu ON pu.tenant_id = u.tenant_id AND pu.path LIKE u.path || '%' \
             JOIN people p ON p.unit_id = pu.id AND p.active = 1 WHERE u.id IN ({list})"
        );
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            people.entry(col(&r, "at")?).or_default().push(Person {
                id: col(&r, "person")?,
                name: col(&r, "name")?,
            });
        }
    }
    Ok(people
        .into_iter()
        .map(|(unit, list)| (unit, Staff::new(&list)))
        .collect())
}

/// A written response whose comments were read.
pub(crate) struct Found<'a> {
    pub response: i64,
    pub tenant: i64,
    pub unit: i64,
    pub touchpoint: i64,
    pub submitted_at: i64,
    pub read: &'a Read,
}

/// Rows in one INSERT (each row count is a prepared statement of its own).
const ROWS_PER_STATEMENT: usize = 64;

/// Writes the themes and mentions of responses just inserted, in the caller's transaction.
pub(crate) async fn write_found(
    conn: &mut AnyConnection,
    backend: Backend,
    found: &[Found<'_>],
) -> Result<(), StoreError> {
    let themes: Vec<(&Found, &(String, i64))> = found
        .iter()
        .flat_map(|f| f.read.themes.iter().map(move |t| (f, t)))
        .collect();
    for chunk in themes.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO response_themes (response_id, tenant_id, unit_id, touchpoint_id, submitted_at, theme, sentiment) VALUES {}",
            crate::sql::values(backend, chunk.len(), 7)
        );
        let mut q = sqlx::query(&sql);
        for (f, (theme, sentiment)) in chunk {
            q = q
                .bind(f.response)
                .bind(f.tenant)
                .bind(f.unit)
                .bind(f.touchpoint)
                .bind(f.submitted_at)
                .bind(theme.clone())
                .bind(*sentiment);
        }
        q.execute(&mut *conn).await?;
    }
    let mentions: Vec<(&Found, &(i64, i64))> = found
        .iter()
        .flat_map(|f| f.read.mentions.iter().map(move |m| (f, m)))
        .collect();
    for chunk in mentions.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO response_mentions (response_id, tenant_id, person_id, submitted_at, sentiment) VALUES {}",
            crate::sql::values(backend, chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for (f, (person, sentiment)) in chunk {
            q = q
                .bind(f.response)
                .bind(f.tenant)
                .bind(*person)
                .bind(f.submitted_at)
                .bind(*sentiment);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Forgets what was read in `response` (before it is erased or read again).
pub(crate) async fn forget(conn: &mut AnyConnection, response: i64) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM response_themes WHERE response_id = $1",
        "DELETE FROM response_mentions WHERE response_id = $1",
    ] {
        sqlx::query(sql).bind(response).execute(&mut *conn).await?;
    }
    Ok(())
}

/// What one pass of [`Store::reanalyse_comments`] did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reanalysed {
    /// Responses read again.
    pub read: u64,
    /// The last response id of the pass (the next pass starts after it); `None`: done.
    pub last: Option<i64>,
}

impl crate::Store {
    /// How many responses hold comments (of `tenant`, or of every tenant).
    pub async fn count_comments(
        &self,
        tenant: Option<cumbre_domain::TenantId>,
    ) -> Result<u64, StoreError> {
        let mut sql =
            crate::sql::Sql::new("SELECT count(*) AS n FROM responses WHERE search_text <> ''");
        if let Some(t) = tenant {
            sql.push(" AND tenant_id = ").int(t.0);
        }
        let row = sql.query()?.fetch_one(self.pool()).await?;
        Ok(col::<i64>(&row, "n")?.max(0) as u64)
    }

    /// Reads the comments of up to `batch` responses after id `after` again (of `tenant`,
    /// or of every tenant), with the model and lexicons of this build: after an upgrade
    /// of the analyser, `cumbre text reanalyse` calls it until it says it is done. Each
    /// pass is one short transaction, so a server keeps taking answers meanwhile, and
    /// answers written meanwhile are read at once by the server itself.
    pub async fn reanalyse_comments(
        &self,
        tenant: Option<cumbre_domain::TenantId>,
        after: i64,
        batch: i64,
    ) -> Result<Reanalysed, StoreError> {
        let backend = self.backend();
        let mut w = self.begin_quiet_write().await?;
        // Numbers only, so the subquery may stand in the statements' text.
        let of_tenant = tenant.map_or(String::new(), |t| format!(" AND tenant_id = {}", t.0));
        let pick = format!(
            "SELECT id FROM responses WHERE search_text <> '' AND id > {after}{of_tenant} \
             ORDER BY id LIMIT {}",
            batch.clamp(1, 10_000)
        );
        // The responses read are locked (on SQLite the whole database is, from the start
        // of the transaction), so none is erased before its new rows are written.
        let lock = match backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "SELECT id, tenant_id, unit_id, touchpoint_id, submitted_at, survey_version_id, answers \
             FROM responses WHERE id IN ({pick}) ORDER BY id{lock}"
        ))
        .fetch_all(&mut *w.tx)
        .await?;
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            ids.push(col::<i64>(r, "id")?);
        }
        for list in crate::sql::id_lists(ids) {
            for table in ["response_themes", "response_mentions"] {
                sqlx::query(&format!(
                    "DELETE FROM {table} WHERE response_id IN ({list})"
                ))
                .execute(&mut *w.tx)
                .await?;
            }
        }
        let Some(last) = rows.last().map(|r| col::<i64>(r, "id")).transpose()? else {
            return Ok(Reanalysed::default());
        };
        let mut units = Vec::with_capacity(rows.len());
        for r in &rows {
            units.push(col::<i64>(r, "unit_id")?);
        }
        let staff = staff_of(&mut w.tx, units).await?;
        let no_staff = Staff::default();
        let mut definitions = crate::improve::rollups::Definitions::default();
        let mut readers: HashMap<i64, TenantReader> = HashMap::new();
        let mut read_rows = Vec::with_capacity(rows.len());
        for r in &rows {
            let answers: cumbre_domain::listen::Answers =
                crate::store::json(&col::<String>(r, "answers")?, "answers")?;
            let unit: i64 = col(r, "unit_id")?;
            let text = definitions
                .get(&mut w.tx, col(r, "survey_version_id")?)
                .await?
                .map_or_else(String::new, |d| d.comment_text(&answers));
            let tenant: i64 = col(r, "tenant_id")?;
            if let std::collections::hash_map::Entry::Vacant(e) = readers.entry(tenant) {
                e.insert(reader_of(&mut w.tx, tenant).await?);
            }
            let got = read(
                &text,
                staff.get(&unit).unwrap_or(&no_staff),
                &readers[&tenant],
            );
            let id: i64 = col(r, "id")?;
            sqlx::query("UPDATE responses SET sentiment = $1, reading = $2 WHERE id = $3")
                .bind(got.as_ref().map(|g| g.sentiment))
                .bind(got.as_ref().map(|g| g.json.clone()))
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
            read_rows.push((
                id,
                col::<i64>(r, "tenant_id")?,
                unit,
                col::<i64>(r, "touchpoint_id")?,
                col::<i64>(r, "submitted_at")?,
                got,
            ));
        }
        let found: Vec<Found> = read_rows
            .iter()
            .filter_map(|(id, tenant, unit, touchpoint, at, got)| {
                got.as_ref().map(|read| Found {
                    response: *id,
                    tenant: *tenant,
                    unit: *unit,
                    touchpoint: *touchpoint,
                    submitted_at: *at,
                    read,
                })
            })
            .collect();
        write_found(&mut w.tx, backend, &found).await?;
        w.commit().await?;
        Ok(Reanalysed {
            read: rows.len() as u64,
            last: Some(last),
        })
    }
}

/// How often comments named someone, and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mentioned {
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
}

impl crate::Store {
    /// The comments that named `person` in `[from, to)`, by how they spoke of them. The
    /// caller has read the person through its scope.
    pub async fn mentions_of(
        &self,
        tenant: cumbre_domain::TenantId,
        person: PersonId,
        (from, to): (time::OffsetDateTime, time::OffsetDateTime),
    ) -> Result<Mentioned, StoreError> {
        use cumbre_domain::clock::to_millis;
        let row = sqlx::query(
            "SELECT CAST(coalesce(sum(CASE WHEN sentiment > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS pos, \
             CAST(coalesce(sum(CASE WHEN sentiment = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS neu, \
             CAST(coalesce(sum(CASE WHEN sentiment < 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS neg \
             FROM response_mentions WHERE person_id = $1 AND tenant_id = $2 \
             AND submitted_at >= $3 AND submitted_at < $4",
        )
        .bind(person.0)
        .bind(tenant.0)
        .bind(to_millis(from))
        .bind(to_millis(to))
        .fetch_one(self.pool())
        .await?;
        Ok(Mentioned {
            positive: col(&row, "pos")?,
            neutral: col(&row, "neu")?,
            negative: col(&row, "neg")?,
        })
    }
}

/// How a tenant's comments are read, as the writer and the reanalysis keep it: its own
/// model and taxonomy, where it has them.
#[derive(Debug, Clone, Default)]
pub(crate) struct TenantReader {
    model: Option<std::sync::Arc<cumbre_text::model::Model>>,
    taxonomy: Option<std::sync::Arc<cumbre_text::themes::Taxonomy>>,
}

impl TenantReader {
    fn reader(&self) -> cumbre_text::Reader<'_> {
        cumbre_text::Reader {
            model: self.model.as_deref().or(cumbre_text::shipped()),
            taxonomy: self
                .taxonomy
                .as_deref()
                .unwrap_or(cumbre_text::themes::Taxonomy::shipped()),
        }
    }
}

/// How `tenant` reads comments (read in the caller's transaction).
pub(crate) async fn reader_of(
    conn: &mut AnyConnection,
    tenant: i64,
) -> Result<TenantReader, StoreError> {
    let taxonomy = crate::improve::taxonomy::taxonomy_of(conn, tenant).await?;
    Ok(TenantReader {
        model: model_of(conn, tenant).await?,
        taxonomy: (!taxonomy.is_shipped()).then(|| std::sync::Arc::new(taxonomy.taxonomy())),
    })
}

/// `tenant`'s own model, if it trained one: `Some(None)` when an earlier version trained
/// it (its weights would misread this version's features), and the tenant then reads with
/// the shipped model until it trains again.
async fn own_model_of(
    conn: &mut AnyConnection,
    tenant: i64,
) -> Result<Option<Option<std::sync::Arc<cumbre_text::model::Model>>>, StoreError> {
    use base64::Engine;
    let row = sqlx::query("SELECT weights FROM text_models WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(col::<String>(&row, "weights")?)
        .map_err(|_| StoreError::Corrupt("text model".into()))?;
    match cumbre_text::model::Model::from_bytes(&bytes) {
        Ok(m) => Ok(Some(Some(std::sync::Arc::new(m)))),
        Err(cumbre_text::model::Unreadable::Outdated) => Ok(Some(None)),
        Err(cumbre_text::model::Unreadable::NotAModel) => {
            Err(StoreError::Corrupt("text model".into()))
        }
    }
}

/// The model `tenant`'s comments are read with, when it is its own (none: the shipped).
async fn model_of(
    conn: &mut AnyConnection,
    tenant: i64,
) -> Result<Option<std::sync::Arc<cumbre_text::model::Model>>, StoreError> {
    Ok(own_model_of(conn, tenant).await?.flatten())
}

/// A tenant's own model, described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// How many labelled comments it learnt from.
    pub comments: i64,
    pub trained_at: time::OffsetDateTime,
    /// Trained by an earlier version of the analyser, which this one cannot read: the
    /// shipped model reads the tenant's comments until it trains again.
    pub outdated: bool,
}

impl crate::Store {
    /// Stores `weights` (as `cumbre text train` writes them) as `tenant`'s model, in place
    /// of the shipped one: every process's writer reads new comments with it from its next
    /// write on (the change moves the cache epoch). Refuses weights that do not read back.
    pub async fn save_text_model(
        &self,
        tenant: cumbre_domain::TenantId,
        weights: &[u8],
        comments: i64,
        now: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        use base64::Engine;
        if cumbre_text::model::Model::from_bytes(weights).is_err() {
            return Err(StoreError::Corrupt("text model".into()));
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(weights);
        let mut w = self.begin_write().await?;
        sqlx::query("DELETE FROM text_models WHERE tenant_id = $1")
            .bind(tenant.0)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO text_models (tenant_id, weights, comments, trained_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant.0)
        .bind(encoded)
        .bind(comments)
        .bind(cumbre_domain::clock::to_millis(now))
        .execute(&mut *w.tx)
        .await?;
        crate::improve::taxonomy::request_reread(&mut w.tx, tenant.0).await?;
        w.commit().await?;
        Ok(())
    }

    /// Goes back to the shipped model for `tenant`; whether it had one of its own.
    pub async fn forget_text_model(
        &self,
        tenant: cumbre_domain::TenantId,
    ) -> Result<bool, StoreError> {
        let mut w = self.begin_write().await?;
        let gone = sqlx::query("DELETE FROM text_models WHERE tenant_id = $1")
            .bind(tenant.0)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if gone > 0 {
            crate::improve::taxonomy::request_reread(&mut w.tx, tenant.0).await?;
        }
        w.commit().await?;
        Ok(gone > 0)
    }

    /// `tenant`'s own model, if it has one: its weights (none when outdated) and what
    /// they are.
    pub async fn text_model(
        &self,
        tenant: cumbre_domain::TenantId,
    ) -> Result<Option<(Option<cumbre_text::model::Model>, ModelInfo)>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let Some(model) = own_model_of(&mut conn, tenant.0).await? else {
            return Ok(None);
        };
        let row = sqlx::query("SELECT comments, trained_at FROM text_models WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_one(&mut *conn)
            .await?;
        Ok(Some((
            model.as_deref().cloned(),
            ModelInfo {
                comments: col(&row, "comments")?,
                trained_at: cumbre_domain::clock::from_millis(col(&row, "trained_at")?),
                outdated: model.is_none(),
            },
        )))
    }
}

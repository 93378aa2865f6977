//! Finding the rows whose folded text holds every word of a search, through the text
//! indexes of migration 0015 (FTS5 trigram tables on SQLite, pg_trgm on PostgreSQL), so no
//! search reads every answer ever given.
//!
//! On SQLite the store first reads the matches' ids, up to `few` ([`TextLimits`]). Few: the
//! query joins those ids and sorts their rows. Many: a page of answers reads the newest
//! `walk` rows under its filters for the words (a common word fills the page there), and
//! otherwise the query checks each row of the timeline against the index's set of every
//! match. On PostgreSQL the planner chooses from the search's own words: the statement is
//! planned for each search, never from a cached generic plan, which walked the timeline for
//! a rare word.

use cumbre_domain::text::Search;
use sqlx::Row;

use crate::sql::Sql;
use crate::{Backend, Store, StoreError};

/// Where a search looks: each table with a `search_text` column has its own index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TextTable {
    Responses,
    Cases,
}

/// Answers after this id are not in `responses_text` yet (migration 0016): read directly.
const NOT_INDEXED: &str = "(SELECT up_to FROM text_indexed WHERE name = 'responses')";

impl TextTable {
    fn table(self) -> &'static str {
        match self {
            TextTable::Responses => "responses",
            TextTable::Cases => "cases",
        }
    }

    fn index(self) -> &'static str {
        match self {
            TextTable::Responses => "responses_text",
            TextTable::Cases => "cases_text",
        }
    }

    /// Whether new rows reach the index in batches (answers) rather than by a trigger.
    fn batched(self) -> bool {
        matches!(self, TextTable::Responses)
    }
}

/// Where a search changes how it reads (SQLite).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextLimits {
    /// Up to this many matches, their ids are read and the rows looked up one by one
    /// (about 1.4 µs a row on SQLite, docs/BENCHMARKS.md); beyond, the matches are a set.
    pub few: i64,
    /// How many of the newest rows a page of answers reads for a common word before it
    /// asks the index for the set of every match (about 6 µs a row).
    pub walk: i64,
    /// How often the response writer adds new answers to the index: a flush of the FTS5
    /// index per group commit cost a quarter of the durable submissions at 64 clients.
    pub index_every: std::time::Duration,
}

impl Default for TextLimits {
    fn default() -> Self {
        TextLimits {
            few: 5_000,
            walk: 2_000,
            index_every: std::time::Duration::from_secs(1),
        }
    }
}

/// How one search is written into a query on `alias` (the table's alias).
#[derive(Debug, Clone)]
pub(crate) struct TextMatch {
    kind: Kind,
    search: Search,
}

#[derive(Debug, Clone)]
enum Kind {
    /// SQLite, few matches: their ids (digits and commas), read once by the count.
    Ids { table: TextTable, ids: String },
    /// SQLite, many matches: the FTS5 query, answered again as a set.
    Many { table: TextTable, query: String },
    /// PostgreSQL: every word as a LIKE the trigram index answers; `partial` when the
    /// index leaves the rows without text out.
    Likes { partial: bool },
}

impl Store {
    /// How `search` finds its rows in `table`, for [`TextMatch::push`].
    pub(crate) async fn text_match(
        &self,
        table: TextTable,
        search: &Search,
    ) -> Result<TextMatch, StoreError> {
        let kind = match self.backend() {
            // Only the responses' index leaves the rows without text out.
            Backend::Postgres => Kind::Likes {
                partial: matches!(table, TextTable::Responses),
            },
            Backend::Sqlite => {
                let query = fts_query(search);
                let few = self.text_limits().few;
                // The matches up to one past `few`, packed in one value (a phrase of
                // common pieces costs tens of milliseconds: it is answered once), with the
                // answers not indexed yet read directly, in the same snapshot.
                let mut probe = Sql::new(&format!(
                    "SELECT count(*), group_concat(id, ',') FROM \
                     (SELECT rowid AS id FROM {0} WHERE {0} MATCH ",
                    table.index()
                ));
                probe.text(query.clone());
                if table.batched() {
                    probe.push(&format!(
                        " UNION ALL SELECT r.id FROM responses r WHERE r.id > {NOT_INDEXED}"
                    ));
                    push_likes(&mut probe, "r", search.words());
                }
                probe.push(" LIMIT ").int(few + 1).push(")");
                let row = probe.query()?.fetch_one(self.pool()).await?;
                let (found, ids): (i64, Option<String>) = (row.try_get(0)?, row.try_get(1)?);
                if found > few {
                    Kind::Many { table, query }
                } else {
                    Kind::Ids {
                        table,
                        ids: parse_ids(ids, table)?.join(","),
                    }
                }
            }
        };
        Ok(TextMatch {
            kind,
            search: search.clone(),
        })
    }
}

impl Store {
    /// [`Store::text_match`] for a page of answers, newest first, under `conditions` (a
    /// `WHERE` on `responses r` joined to `units u`): with many matches, the newest `walk`
    /// rows are read for the words first. A common word fills the page there in a
    /// millisecond, where the set of every match took 70 ms at a million answers; when it
    /// does not, the set is still the answer.
    pub(crate) async fn newest_text_match(
        &self,
        search: &Search,
        conditions: &Sql,
        limit: i64,
    ) -> Result<TextMatch, StoreError> {
        let mut text = self.text_match(TextTable::Responses, search).await?;
        if !matches!(text.kind, Kind::Many { .. }) {
            return Ok(text);
        }
        let mut walk = conditions.after(
            "SELECT group_concat(id, ',') FROM (SELECT w.id FROM \
             (SELECT r.id, r.search_text FROM responses r JOIN units u ON u.id = r.unit_id",
        );
        let most = self.text_limits().walk;
        walk.push(" ORDER BY r.submitted_at DESC, r.id DESC LIMIT ")
            .int(most)
            .push(") AS w WHERE 1 = 1");
        push_likes(&mut walk, "w", search.words());
        walk.push(" LIMIT ").int(limit).push(")");
        let found: Option<String> = walk.query()?.fetch_one(self.pool()).await?.try_get(0)?;
        let ids = parse_ids(found, TextTable::Responses)?;
        let settled = ids.len() as i64 >= limit || {
            // Fewer than a page: the walk is the answer if it read every row there is.
            let mut rows = conditions.after(
                "SELECT count(*) FROM (SELECT 1 FROM responses r JOIN units u ON u.id = r.unit_id",
            );
            rows.push(" LIMIT ").int(most).push(")");
            let n: i64 = rows.query()?.fetch_one(self.pool()).await?.try_get(0)?;
            n < most
        };
        if settled {
            text.kind = Kind::Ids {
                table: TextTable::Responses,
                ids: ids.join(","),
            };
        }
        Ok(text)
    }
}

/// At most this many answers are indexed in one transaction (SQLite).
const INDEX_BATCH: i64 = 20_000;

impl Store {
    /// SQLite: adds the answers written since the last call to the text index, in
    /// batches; the number added. The response writer calls it at most once a second and
    /// an import when it is done; until then a search reads those answers directly.
    /// Nothing to do on PostgreSQL, whose index takes every row as it is written.
    pub async fn index_new_answers(&self) -> Result<u64, StoreError> {
        if self.backend() != Backend::Sqlite {
            return Ok(0);
        }
        let mut added = 0;
        loop {
            let mut w = self.begin_quiet_write().await?;
            // Written first, so another process's write cannot come between the read
            // and the write of this transaction.
            let up_to: i64 = sqlx::query_scalar(
                "UPDATE text_indexed SET up_to = up_to WHERE name = 'responses' RETURNING up_to",
            )
            .fetch_one(&mut *w.tx)
            .await?;
            let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM responses")
                .fetch_one(&mut *w.tx)
                .await?;
            let to = newest.min(up_to + INDEX_BATCH);
            if to <= up_to {
                return Ok(added);
            }
            let done = sqlx::query(
                "INSERT INTO responses_text (rowid, search_text) SELECT id, search_text FROM responses \
                 WHERE id > $1 AND id <= $2 AND search_text <> ''",
            )
            .bind(up_to)
            .bind(to)
            .execute(&mut *w.tx)
            .await?;
            sqlx::query("UPDATE text_indexed SET up_to = $1 WHERE name = 'responses'")
                .bind(to)
                .execute(&mut *w.tx)
                .await?;
            w.commit().await?;
            added += done.rows_affected();
        }
    }
}

/// Ids read back as `1,2,3`, checked to be numbers so that they may stand in a query's text.
fn parse_ids(packed: Option<String>, table: TextTable) -> Result<Vec<String>, StoreError> {
    let mut ids = packed
        .unwrap_or_default()
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| id.parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| StoreError::Corrupt(format!("{} ids", table.index())))?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids.into_iter().map(|n| n.to_string()).collect())
}

impl TextMatch {
    /// Appends the search's conditions on `alias`, which must be named in the query's
    /// text as `FROM <table> <alias> ` (the few matches' ids join there).
    pub fn push(&self, sql: &mut Sql, alias: &str) {
        match &self.kind {
            Kind::Ids { table, ids } => {
                // The ids lead and each row is looked up by its key: CROSS JOIN fixes that
                // order whatever the planner's statistics say.
                let from = format!("FROM {} {alias} ", table.table());
                let joined = format!(
                    "FROM json_each('[{ids}]') AS text_ids CROSS JOIN {} {alias} \
                     ON {alias}.id = text_ids.value ",
                    table.table()
                );
                if !sql.replace_from(&from, &joined) {
                    sql.push(" AND ")
                        .push(alias)
                        .push(".id IN (SELECT value FROM json_each('[")
                        .push(ids)
                        .push("]'))");
                }
                push_likes(sql, alias, self.search.short());
            }
            Kind::Many { table, query } => {
                // `+` keeps SQLite from looking the ids up one by one: it walks the
                // timeline's index and checks each id against the set, to the page's end.
                let index = table.index();
                sql.push(" AND (+")
                    .push(alias)
                    .push(".id IN (SELECT rowid FROM ")
                    .push(index)
                    .push(" WHERE ")
                    .push(index)
                    .push(" MATCH ")
                    .text(query.clone())
                    .push(")");
                if table.batched() {
                    sql.push(&format!(" OR (+{alias}.id > {NOT_INDEXED}"));
                    push_likes(sql, alias, self.search.words());
                    sql.push(")");
                }
                sql.push(")");
                push_likes(sql, alias, self.search.short());
            }
            Kind::Likes { partial } => {
                if *partial {
                    sql.push(" AND ").push(alias).push(".search_text <> ''");
                }
                push_likes(sql, alias, self.search.words());
            }
        }
        sql.one_shot();
    }
}

fn push_likes<W: AsRef<str>>(sql: &mut Sql, alias: &str, words: impl IntoIterator<Item = W>) {
    let column = format!("{alias}.search_text");
    for word in words {
        sql.like(&column, word.as_ref());
    }
}

/// Every indexed word as an FTS5 phrase (a phrase of trigrams is a substring), all of
/// them required; `"` is doubled inside a phrase, so no input is FTS5 syntax.
fn fts_query(search: &Search) -> String {
    search
        .indexed()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn plan(store: &Store, text: &TextMatch) -> Vec<String> {
        let mut sql = Sql::new("SELECT r.* FROM responses r WHERE r.tenant_id = 1");
        text.push(&mut sql, "r");
        sql.push(" ORDER BY r.submitted_at DESC, r.id DESC LIMIT 51");
        sql.plan(store.pool()).await
    }

    /// Few matches are read by id from the count's list; many send the query down the
    /// timeline, which stops at the page's end, checking ids against the index's set.
    #[tokio::test]
    async fn few_matches_are_read_by_id_and_many_walk_the_timeline() {
        let (_dir, store) = Store::scratch().await;
        let search = Search::parse("piscina la").expect("valid").expect("words");
        let few = store
            .text_match(TextTable::Responses, &search)
            .await
            .expect("match");
        let by_id = plan(&store, &few).await;
        assert!(
            by_id[0].contains("text_ids VIRTUAL TABLE") && by_id[1].contains("INTEGER PRIMARY KEY"),
            "{by_id:?}"
        );
        let many = TextMatch {
            kind: Kind::Many {
                table: TextTable::Responses,
                query: fts_query(&search),
            },
            search: search.clone(),
        };
        let walk = plan(&store, &many).await;
        assert!(
            walk.iter().any(|d| d.contains("responses_tenant_time"))
                && !walk.iter().any(|d| d.contains("TEMP B-TREE")),
            "{walk:?}"
        );
    }
}

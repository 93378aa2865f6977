//! A tiny builder for portable SQL with numbered `$n` parameters, which both SQLite and
//! PostgreSQL accept, so dynamic filters (scope, search) need no per-backend code.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments};

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
    one_shot: bool,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
            one_shot: false,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Replaces the first occurrence of `from` in the text (before any parameter refers to
    /// it, so numbering is unaffected); false when the text has none.
    pub fn replace_from(&mut self, from: &str, to: &str) -> bool {
        let found = self.text.contains(from);
        self.text = self.text.replacen(from, to, 1);
        found
    }

    /// This statement with `prefix` before it: conditions built once, for statements that
    /// differ in what they select. `prefix` holds no parameter, so the numbers stay.
    pub fn after(&self, prefix: &str) -> Sql {
        let mut sql = self.clone();
        sql.text.insert_str(0, prefix);
        sql
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    pub fn int(&mut self, v: i64) -> &mut Self {
        self.bind(Arg::Int(v))
    }

    pub fn text(&mut self, v: impl Into<String>) -> &mut Self {
        self.bind(Arg::Text(v.into()))
    }

    /// One `column LIKE` per word of a search (`cumbre_domain::text::words`), so every
    /// word must appear in the folded text (accents and case ignored), read row by row: for
    /// small tables (people's names), whose words may be short. Answers and cases have
    /// text indexes (`text_search`).
    pub fn words(&mut self, column: &str, search: Option<&str>) -> &mut Self {
        let Some(search) = search else { return self };
        for word in cumbre_domain::text::words(search) {
            self.like(column, &word);
        }
        self
    }

    /// `AND column LIKE '%word%'`, the word taken literally.
    pub fn like(&mut self, column: &str, word: &str) -> &mut Self {
        self.push(" AND ")
            .push(column)
            .push(" LIKE ")
            .text(format!("%{}%", cumbre_domain::text::like_literal(word)))
            .push(" ESCAPE '\\'")
    }

    /// Plans the statement for its values each time instead of caching it: PostgreSQL
    /// switches a cached statement to a generic plan, blind to what a search looks for.
    pub fn one_shot(&mut self) -> &mut Self {
        self.one_shot = true;
        self
    }

    pub fn query(&self) -> Result<sqlx::query::Query<'_, Any, AnyArguments<'_>>, sqlx::Error> {
        let mut args = AnyArguments::default();
        for a in &self.args {
            match a {
                Arg::Int(v) => args.add(*v).map_err(sqlx::Error::Encode)?,
                Arg::Text(v) => args.add(v.clone()).map_err(sqlx::Error::Encode)?,
            }
        }
        Ok(sqlx::query_with(&self.text, args).persistent(!self.one_shot))
    }
}

#[cfg(test)]
impl Sql {
    /// What SQLite's planner does with this statement, one line a step
    /// (`EXPLAIN QUERY PLAN`).
    pub async fn plan(&self, pool: &sqlx::AnyPool) -> Vec<String> {
        self.after("EXPLAIN QUERY PLAN ")
            .query()
            .expect("query")
            .fetch_all(pool)
            .await
            .expect("plan")
            .iter()
            .map(|r| crate::store::col::<String>(r, "detail").expect("detail"))
            .collect()
    }
}

/// The aggregate that joins a query's `line` column into one text value, `;` between
/// lines: through sqlx's portable driver every returned row costs a hand-off between
/// threads, so queries that return many small rows pack them into one.
pub(crate) fn packed_lines(backend: crate::Backend) -> &'static str {
    match backend {
        crate::Backend::Sqlite => "group_concat(line, ';')",
        crate::Backend::Postgres => "string_agg(line, ';')",
    }
}

/// `(?, ?), (?, ?)` (SQLite) or `($1, $2), ($3, $4)` (PostgreSQL) for `rows` rows of
/// `per_row` values. SQLite gets anonymous placeholders: it finds a numbered one's name by
/// a linear scan, which makes binding a long statement quadratic.
pub(crate) fn values(backend: crate::Backend, rows: usize, per_row: usize) -> String {
    let mut sql = String::with_capacity(rows * per_row * 4);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..per_row {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                crate::Backend::Sqlite => sql.push('?'),
                crate::Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(r * per_row + c + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// Distinct `ids`, sorted, as `IN (…)` lists of at most 500 (integers, so inlined safely).
pub(crate) fn id_lists(ids: impl IntoIterator<Item = i64>) -> Vec<String> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids.chunks(500)
        .map(|chunk| {
            chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

//! What customers talk about, from the themes the analyser found in their comments
//! (`response_themes`, written with each response): how often each theme comes up at a
//! place and how, its trend, the series the emerging-problem detector compares, and
//! example comments. Managers only: an employee's scope reads none of it.

use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::improve::emerging::Window;
use cumbre_domain::org::UnitPath;
use time::OffsetDateTime;

/// Where and when: a place (the caller read it through the scope; else the scope's whole
/// tree), an optional touchpoint, and an interval of instants.
#[derive(Debug, Clone)]
pub struct ThemeScope<'a> {
    pub scope: &'a Scope,
    pub place: Option<&'a UnitPath>,
    pub touchpoint: Option<i64>,
}

/// How often a theme came up, and how.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ThemeCount {
    pub theme: String,
    pub mentions: i64,
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
}

/// One unit's theme in the two windows the detector compares: `n` is the unit's comments,
/// `negative` those negative about the theme (an empty theme: a unit with comments and no
/// complaint, which still counts in the whole place).
#[derive(Debug, Clone)]
pub struct ThemeSeries {
    pub theme: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub recent: Window,
    pub baseline: Window,
}

/// A comment that speaks of a theme.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ThemeExample {
    pub response_id: i64,
    pub unit_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// The free-text answers, as written.
    pub text: String,
}

impl ThemeScope<'_> {
    /// `AND <the theme rows of this place>` on `response_themes t`.
    fn push(&self, sql: &mut crate::sql::Sql) -> Result<(), StoreError> {
        let tenant = self.scope.tenant();
        sql.push(" AND t.tenant_id = ").int(tenant.0);
        let path = match (self.place, self.scope) {
            (_, Scope::Own { .. }) => return Err(StoreError::Forbidden),
            (Some(p), _) => Some(p),
            (None, Scope::Tenant(_)) => None,
            (None, Scope::Subtree { path, .. }) => Some(path),
        };
        if let Some(path) = path {
            sql.push(" AND t.unit_id IN (SELECT id FROM units WHERE tenant_id = ")
                .int(tenant.0)
                .push(" AND path LIKE ")
                .text(path.subtree_pattern())
                .push(")");
        }
        if let Some(tp) = self.touchpoint {
            sql.push(" AND t.touchpoint_id = ").int(tp);
        }
        Ok(())
    }
}

fn push_between(sql: &mut crate::sql::Sql, (from, to): (OffsetDateTime, OffsetDateTime)) {
    sql.push(" AND t.submitted_at >= ")
        .int(to_millis(from))
        .push(" AND t.submitted_at < ")
        .int(to_millis(to));
}

impl Store {
    /// Each theme's mentions in `[from, to)`, most mentioned first.
    pub async fn theme_counts(
        &self,
        place: &ThemeScope<'_>,
        between: (OffsetDateTime, OffsetDateTime),
    ) -> Result<Vec<ThemeCount>, StoreError> {
        let mut sql = crate::sql::Sql::new(
            "SELECT t.theme, count(*) AS n, \
             sum(CASE WHEN t.sentiment > 0 THEN 1 ELSE 0 END) AS pos, \
             sum(CASE WHEN t.sentiment = 0 THEN 1 ELSE 0 END) AS neu, \
             sum(CASE WHEN t.sentiment < 0 THEN 1 ELSE 0 END) AS neg \
             FROM response_themes t WHERE 1 = 1",
        );
        place.push(&mut sql)?;
        push_between(&mut sql, between);
        sql.push(" GROUP BY t.theme ORDER BY n DESC, t.theme");
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(ThemeCount {
                    theme: col(r, "theme")?,
                    mentions: col(r, "n")?,
                    positive: col(r, "pos")?,
                    neutral: col(r, "neu")?,
                    negative: col(r, "neg")?,
                })
            })
            .collect()
    }

    /// Each (unit, theme)'s mentions and negative mentions in `[from, to)`, at the units
    /// the answers were given at.
    pub async fn themes_by_unit(
        &self,
        place: &ThemeScope<'_>,
        between: (OffsetDateTime, OffsetDateTime),
    ) -> Result<Vec<(i64, String, Window)>, StoreError> {
        let mut sql = crate::sql::Sql::new(
            "SELECT t.unit_id, t.theme, count(*) AS n, \
             sum(CASE WHEN t.sentiment < 0 THEN 1 ELSE 0 END) AS neg \
             FROM response_themes t WHERE 1 = 1",
        );
        place.push(&mut sql)?;
        push_between(&mut sql, between);
        sql.push(" GROUP BY t.unit_id, t.theme");
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    col(r, "unit_id")?,
                    col(r, "theme")?,
                    Window {
                        n: col(r, "n")?,
                        negative: col(r, "neg")?,
                    },
                ))
            })
            .collect()
    }

    /// Each theme's mentions and negative mentions in each period between consecutive
    /// `edges` (instants, ascending): (theme, period index, window).
    pub async fn theme_trend(
        &self,
        place: &ThemeScope<'_>,
        edges: &[OffsetDateTime],
    ) -> Result<Vec<(String, usize, Window)>, StoreError> {
        let (Some(first), Some(last)) = (edges.first(), edges.last()) else {
            return Ok(Vec::new());
        };
        if edges.len() < 2 || edges.len() > 400 {
            return Ok(Vec::new());
        }
        // The period of each row, by its instant: a CASE the database evaluates once.
        let mut bucket = String::from("CASE");
        for (i, edge) in edges.iter().enumerate().skip(1) {
            bucket.push_str(&format!(
                " WHEN t.submitted_at < {} THEN {}",
                to_millis(*edge),
                i - 1
            ));
        }
        bucket.push_str(" END");
        let mut sql = crate::sql::Sql::new(&format!(
            "SELECT t.theme, {bucket} AS bucket, count(*) AS n, \
             sum(CASE WHEN t.sentiment < 0 THEN 1 ELSE 0 END) AS neg \
             FROM response_themes t WHERE 1 = 1"
        ));
        place.push(&mut sql)?;
        push_between(&mut sql, (*first, *last));
        sql.push(" GROUP BY t.theme, bucket");
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let bucket: i64 = col(r, "bucket")?;
                Ok((
                    col(r, "theme")?,
                    usize::try_from(bucket).unwrap_or_default(),
                    Window {
                        n: col(r, "n")?,
                        negative: col(r, "neg")?,
                    },
                ))
            })
            .collect()
    }

    /// Each (theme, unit) in the two windows `[baseline_from, recent_from)` and
    /// `[recent_from, to)`, for the emerging-problem detector: of the unit's comments in
    /// each window (`n`), how many were negative about the theme. Against every comment,
    /// not against the theme's own mentions: a theme guests only ever raise to complain
    /// (a slow check-in) grows by being raised more often, not by reading worse. The
    /// units are those the answers were given at.
    pub async fn theme_series(
        &self,
        place: &ThemeScope<'_>,
        (baseline_from, recent_from, to): (OffsetDateTime, OffsetDateTime, OffsetDateTime),
    ) -> Result<Vec<ThemeSeries>, StoreError> {
        let recent = to_millis(recent_from);
        let mut sql = crate::sql::Sql::new(&format!(
            "SELECT t.theme, t.unit_id, \
             sum(CASE WHEN t.submitted_at >= {recent} THEN 1 ELSE 0 END) AS rneg, \
             sum(CASE WHEN t.submitted_at < {recent} THEN 1 ELSE 0 END) AS bneg \
             FROM response_themes t WHERE t.sentiment < 0"
        ));
        place.push(&mut sql)?;
        push_between(&mut sql, (baseline_from, to));
        sql.push(" GROUP BY t.theme, t.unit_id");
        let negatives = sql.query()?.fetch_all(self.pool()).await?;
        // Every unit's comments in the two windows (the partial index of answers with text).
        let mut sql = crate::sql::Sql::new(&format!(
            "SELECT t.unit_id, u.name AS unit_name, \
             sum(CASE WHEN t.submitted_at >= {recent} THEN 1 ELSE 0 END) AS rn, \
             sum(CASE WHEN t.submitted_at < {recent} THEN 1 ELSE 0 END) AS bn \
             FROM responses t JOIN units u ON u.id = t.unit_id \
             WHERE t.search_text <> '' AND t.sentiment IS NOT NULL"
        ));
        place.push(&mut sql)?;
        push_between(&mut sql, (baseline_from, to));
        sql.push(" GROUP BY t.unit_id, u.name");
        let mut comments = std::collections::HashMap::new();
        for r in sql.query()?.fetch_all(self.pool()).await? {
            comments.insert(
                col::<i64>(&r, "unit_id")?,
                (
                    col::<String>(&r, "unit_name")?,
                    col::<i64>(&r, "rn")?,
                    col::<i64>(&r, "bn")?,
                ),
            );
        }
        let mut out = Vec::new();
        for r in &negatives {
            let unit: i64 = col(r, "unit_id")?;
            let Some((name, rn, bn)) = comments.get(&unit) else {
                continue;
            };
            out.push(ThemeSeries {
                theme: col(r, "theme")?,
                unit_id: unit,
                unit_name: name.clone(),
                recent: Window {
                    n: *rn,
                    negative: col(r, "rneg")?,
                },
                baseline: Window {
                    n: *bn,
                    negative: col(r, "bneg")?,
                },
            });
        }
        // Units whose comments never faulted a theme still count in the whole place.
        for (unit, (name, rn, bn)) in comments {
            if !out.iter().any(|s| s.unit_id == unit) {
                out.push(ThemeSeries {
                    theme: String::new(),
                    unit_id: unit,
                    unit_name: name,
                    recent: Window { n: rn, negative: 0 },
                    baseline: Window { n: bn, negative: 0 },
                });
            }
        }
        Ok(out)
    }

    /// The newest comments about `theme` that read `sentiment` (given as 1, 0, −1) at
    /// the place (or at `unit` alone), in `[from, to)`.
    pub async fn theme_examples(
        &self,
        place: &ThemeScope<'_>,
        theme: &str,
        sentiment: Option<i64>,
        between: (OffsetDateTime, OffsetDateTime),
        limit: i64,
    ) -> Result<Vec<ThemeExample>, StoreError> {
        let mut sql = crate::sql::Sql::new(
            "SELECT r.id, u.name AS unit_name, r.submitted_at, r.survey_version_id, r.answers FROM response_themes t \
             JOIN responses r ON r.id = t.response_id JOIN units u ON u.id = t.unit_id WHERE t.theme = ",
        );
        sql.text(theme.to_owned());
        if let Some(s) = sentiment {
            sql.push(" AND t.sentiment = ").int(s);
        }
        place.push(&mut sql)?;
        push_between(&mut sql, between);
        sql.push(" ORDER BY t.submitted_at DESC, t.response_id DESC LIMIT ")
            .int(limit.clamp(1, 50));
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        let mut definitions = crate::improve::rollups::Definitions::default();
        let mut conn = self.pool().acquire().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let answers: cumbre_domain::listen::Answers =
                crate::store::json(&col::<String>(r, "answers")?, "answers")?;
            let text = definitions
                .get(&mut conn, col(r, "survey_version_id")?)
                .await?
                .map_or_else(String::new, |d| d.comment_text(&answers));
            out.push(ThemeExample {
                response_id: col(r, "id")?,
                unit_name: col(r, "unit_name")?,
                submitted_at: from_millis(col(r, "submitted_at")?),
                text,
            });
        }
        Ok(out)
    }
}

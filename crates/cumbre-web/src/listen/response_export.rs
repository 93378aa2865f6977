//! The filtered responses as CSV, streamed a batch at a time so it works for millions of
//! rows. Every cell is what a person reads: survey, unit and touchpoint by name, the
//! channel in the reader's language, local times with their offset, scores as numbers.
//! Filtered to one survey, each of its questions (in any of its versions) is a column of
//! its own headed by its prompt; otherwise one column holds each answer as
//! "question: answer".

use crate::listen::filters::ResponsesQuery;
use crate::listen::responses::{answer_text, learn_versions, names};
use crate::platform::auth::PageCtx;
use crate::platform::export::{CsvWriter, slug};
use crate::platform::extract::Query;
use crate::platform::i18n::Tr;
use crate::{AppError, AppState};
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cumbre_domain::Lang;
use cumbre_domain::listen::answers::Answer;
use cumbre_domain::listen::{Answers, QuestionKind, SurveyDefinition};
use cumbre_domain::recover::TenantClock;
use cumbre_store::listen::{ResponseFilter, StoredResponse};
use std::collections::HashMap;

/// Rows fetched per step of the export.
const BATCH: i64 = 1000;

/// The columns every export has, before the answers. Stable names in every language, so
/// a script that reads the file keeps working.
const FIXED: [&str; 12] = [
    "id",
    "submitted_at",
    "survey",
    "survey_version",
    "unit",
    "touchpoint",
    "employee_id",
    "language",
    "channel",
    "nps",
    "csat",
    "ces",
];

/// What the rows need besides the responses: names, the clock, the survey's questions.
struct Layout {
    tr: Tr,
    lang: Lang,
    clock: TenantClock,
    touchpoints: HashMap<i64, String>,
    surveys: HashMap<i64, String>,
    /// One survey's questions in column order (its newest version's order, then what
    /// only older versions asked); `None` for the one-column answers.
    questions: Option<Vec<String>>,
    /// Each version's definition and number, read once when first met.
    versions: HashMap<i64, (i64, SurveyDefinition)>,
    tenant: cumbre_domain::TenantId,
}

impl Layout {
    async fn new(
        state: &AppState,
        ctx: &crate::platform::auth::Ctx,
        survey: Option<i64>,
    ) -> Result<Self, AppError> {
        let tenant = ctx.user.tenant;
        let (touchpoints, surveys) = names(state, ctx).await?;
        let touchpoints = touchpoints.into_iter().collect();
        let surveys = surveys.into_iter().map(|s| (s.id, s.name)).collect();
        let mut versions = HashMap::new();
        let questions = match survey {
            Some(s) => {
                let mut keys: Vec<String> = Vec::new();
                for (id, number, def) in state.store.survey_versions(&ctx.scope, s).await? {
                    for q in &def.questions {
                        if !keys.contains(&q.key) {
                            keys.push(q.key.clone());
                        }
                    }
                    versions.insert(id, (number, def));
                }
                Some(keys)
            }
            None => None,
        };
        Ok(Layout {
            tr: Tr::new(ctx.lang),
            lang: ctx.lang,
            clock: state.store.tenant_clock(tenant).await?,
            touchpoints,
            surveys,
            questions,
            versions,
            tenant,
        })
    }

    /// The header: the fixed columns, then a column per question (its prompt in the
    /// reader's language from the newest version that asks it, and its key) or `answers`.
    fn header(&self) -> Vec<String> {
        let mut out: Vec<String> = FIXED.iter().map(|c| (*c).to_owned()).collect();
        match &self.questions {
            Some(keys) => {
                let mut newest: Vec<&(i64, SurveyDefinition)> = self.versions.values().collect();
                newest.sort_by_key(|(number, _)| -number);
                for key in keys {
                    let prompt = newest
                        .iter()
                        .find_map(|(_, d)| d.questions.iter().find(|q| &q.key == key))
                        .map(|q| q.prompt.get(self.lang).to_owned())
                        .unwrap_or_default();
                    out.push(format!("{prompt} [{key}]"));
                }
            }
            None => out.push("answers".to_owned()),
        }
        out
    }

    /// `items` as CSV rows (no header, no byte-order mark).
    fn rows(&self, items: &[StoredResponse]) -> String {
        let mut w = CsvWriter::new();
        let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        for r in items {
            let version = self.versions.get(&r.survey_version_id);
            let answers: Answers = serde_json::from_value(r.answers.clone()).unwrap_or_default();
            let mut cells = vec![
                r.id.to_string(),
                self.clock.offset_time(r.submitted_at),
                self.surveys.get(&r.survey_id).cloned().unwrap_or_default(),
                version.map(|(n, _)| n.to_string()).unwrap_or_default(),
                r.unit_name.clone(),
                self.touchpoints
                    .get(&r.touchpoint_id)
                    .cloned()
                    .unwrap_or_default(),
                r.employee_id.map(|p| p.to_string()).unwrap_or_default(),
                self.tr.name_of("language", &r.language),
                self.tr.name_of("channel", &r.source),
                number(r.nps),
                number(r.csat),
                number(r.ces),
            ];
            let kind_of = |key: &str| -> Option<&QuestionKind> {
                version
                    .and_then(|(_, d)| d.questions.iter().find(|q| q.key == key).map(|q| &q.kind))
            };
            let cell = |key: &str, a: &Answer| match (a, kind_of(key)) {
                (Answer::Score(n), _) => n.to_string(),
                (a, Some(kind)) => answer_text(a, kind, self.lang),
                (a, None) => serde_json::to_string(a).unwrap_or_default(),
            };
            match &self.questions {
                Some(keys) => cells.extend(
                    keys.iter()
                        .map(|k| answers.0.get(k).map(|a| cell(k, a)).unwrap_or_default()),
                ),
                None => {
                    // In the order the survey asks them, each named by its prompt.
                    let asked = version.map(|(_, d)| d.questions.as_slice()).unwrap_or(&[]);
                    let text: Vec<String> = asked
                        .iter()
                        .filter_map(|q| {
                            answers.0.get(&q.key).map(|a| {
                                format!("{}: {}", q.prompt.get(self.lang), cell(&q.key, a))
                            })
                        })
                        .collect();
                    cells.push(text.join(" | "));
                }
            }
            let _ = w.write_record(cells);
        }
        String::from_utf8(w.into_rows().unwrap_or_default()).unwrap_or_default()
    }
}

/// The export's file name: what it holds and the day it was taken.
fn filename(layout: &Layout, survey: Option<i64>, today: jiff::civil::Date) -> String {
    match survey.and_then(|s| layout.surveys.get(&s)) {
        Some(name) => format!("responses-{}-{today}.csv", slug(name)),
        None => format!("responses-{today}.csv"),
    }
}

/// The batch after the cursor in `filter`, with its versions' definitions known.
async fn next_page(
    state: &AppState,
    ctx: &crate::platform::auth::Ctx,
    filter: &ResponseFilter,
    layout: &mut Layout,
) -> Result<cumbre_store::listen::ResponsePage, AppError> {
    let page = state.store.list_responses(&ctx.scope, filter).await?;
    learn_versions(state, layout.tenant, &page.items, &mut layout.versions).await?;
    Ok(page)
}

/// `GET /responses.csv`: the responses the list's filters select, newest first.
pub async fn export(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ResponsesQuery>,
) -> Result<Response, AppError> {
    let mut filter: ResponseFilter = q.filter(BATCH)?;
    filter.limit = BATCH;
    filter.cursor = None;
    // Fail before the first byte on a bad filter; later failures can only end the stream.
    let first = state.store.list_responses(&ctx.scope, &filter).await?;
    let mut layout = Layout::new(&state, &ctx, filter.survey).await?;
    learn_versions(&state, layout.tenant, &first.items, &mut layout.versions).await?;
    let today = layout.clock.local_date(state.clock.now());
    let name = filename(&layout, filter.survey, today);
    let mut head = CsvWriter::new();
    let _ = head.write_record(layout.header());
    // The header opens the file: the byte-order mark comes with it, once.
    let head = String::from_utf8(head.into_inner().unwrap_or_default()).unwrap_or_default();
    let stream = futures_util::stream::unfold(
        (Some(first), Some(head), state, ctx, filter, layout),
        |(page, head, state, ctx, mut filter, mut layout)| async move {
            if let Some(head) = head {
                return Some((
                    Ok::<_, std::io::Error>(head),
                    (page, None, state, ctx, filter, layout),
                ));
            }
            let page = page?;
            let chunk = layout.rows(&page.items);
            let next = match page.next_cursor {
                Some(cursor) => {
                    filter.cursor = Some(cursor);
                    match next_page(&state, &ctx, &filter, &mut layout).await {
                        Ok(p) => Some(p),
                        Err(e) => {
                            tracing::error!(error = ?e, "export stopped");
                            None
                        }
                    }
                }
                None => None,
            };
            Some((Ok(chunk), (next, None, state, ctx, filter, layout)))
        },
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

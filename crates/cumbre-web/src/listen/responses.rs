//! The response browser: the responses a manager's scope sees, filtered by unit subtree,
//! touchpoint, survey, period, NPS band and words; one response as it was asked (the
//! filtered set as CSV is `response_export`).

use crate::listen::filters::ResponsesQuery;
use crate::platform::auth::PageCtx;
use crate::platform::extract::{Path, Query};
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::Lang;
use cumbre_domain::listen::QuestionKind;
use cumbre_domain::listen::answers::Answer;
use cumbre_store::listen::{StoredResponse, SurveySummary};
use cumbre_store::org::Unit;

const PAGE: i64 = 50;

pub struct Row {
    pub response: StoredResponse,
    pub when: String,
    pub touchpoint: String,
    pub survey: String,
    pub excerpt: String,
    /// The headline score the response gave, whichever the survey asks: (metric, text,
    /// class), "NPS 3", "CSAT 4/5", "CES 6/7".
    pub score: Option<(&'static str, String, String)>,
    /// How its comments read (name, colour class), when it has any.
    pub tone: Option<(String, &'static str)>,
}

/// The response's headline score, whichever the survey asks.
fn score_of(r: &StoredResponse) -> Option<(&'static str, String, String)> {
    match (r.nps, r.csat, r.ces) {
        (Some(n), _, _) => Some(("NPS", n.to_string(), format!("score score-{n}"))),
        (None, Some(c), _) => Some(("CSAT", format!("{c}/5"), format!("score csat-{c}"))),
        (None, None, Some(c)) => Some(("CES", format!("{c}/7"), format!("score ces-{c}"))),
        (None, None, None) => None,
    }
}

#[derive(Template)]
#[template(path = "listen/responses.html")]
struct ResponsesPage {
    chrome: Chrome,
    q: ResponsesQuery,
    rows: Vec<Row>,
    units: Vec<Unit>,
    touchpoints: Vec<(i64, String)>,
    surveys: Vec<SurveySummary>,
    next_query: Option<String>,
    export_query: String,
    /// (key, name) of every theme, for the filter.
    themes: Vec<(String, String)>,
    sentiments: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "listen/response.html")]
struct ResponsePage {
    chrome: Chrome,
    row: Row,
    version: i64,
    /// (prompt, answer as text)
    answers: Vec<(String, String)>,
    /// What the analyser read in the comments, explained.
    reading: Option<crate::improve::reading::ReadingView>,
}

/// The first text answer, shortened for the list.
fn excerpt(
    r: &StoredResponse,
    definition: Option<&cumbre_domain::listen::SurveyDefinition>,
) -> String {
    let text = definition
        .and_then(|d| d.comments(&r.answers).first().copied())
        .unwrap_or_default();
    let mut out: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// The definitions of the versions `items` answered (each read once; a version never
/// changes), to tell what a respondent wrote from what they chose.
pub(crate) async fn definitions(
    state: &AppState,
    tenant: cumbre_domain::TenantId,
    items: &[StoredResponse],
) -> Result<std::collections::HashMap<i64, cumbre_domain::listen::SurveyDefinition>, AppError> {
    let mut known = std::collections::HashMap::new();
    learn_versions(state, tenant, items, &mut known).await?;
    Ok(known.into_iter().map(|(id, (_, d))| (id, d)).collect())
}

/// Adds to `known` (version id → (number, definition)) the versions `items` answered
/// that it lacks, for a caller that keeps them across pages.
pub(crate) async fn learn_versions(
    state: &AppState,
    tenant: cumbre_domain::TenantId,
    items: &[StoredResponse],
    known: &mut std::collections::HashMap<i64, (i64, cumbre_domain::listen::SurveyDefinition)>,
) -> Result<(), AppError> {
    for r in items {
        if let std::collections::hash_map::Entry::Vacant(e) = known.entry(r.survey_version_id) {
            e.insert(
                state
                    .store
                    .survey_version(tenant, r.survey_version_id)
                    .await?,
            );
        }
    }
    Ok(())
}

pub(crate) async fn names(
    state: &AppState,
    ctx: &crate::platform::auth::Ctx,
) -> Result<(Vec<(i64, String)>, Vec<SurveySummary>), AppError> {
    let touchpoints = state
        .store
        .list_touchpoints(ctx.user.tenant)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name.get(ctx.lang).to_owned()))
        .collect();
    Ok((touchpoints, state.store.list_surveys(&ctx.scope).await?))
}

fn row(
    r: StoredResponse,
    touchpoints: &[(i64, String)],
    surveys: &[SurveySummary],
    definition: Option<&cumbre_domain::listen::SurveyDefinition>,
    clock: &cumbre_domain::recover::TenantClock,
    tr: &crate::platform::i18n::Tr,
) -> Row {
    Row {
        tone: r
            .reading
            .as_ref()
            .map(|reading| crate::improve::reading::sentiment_label(tr, reading.sentiment)),
        when: clock.local(r.submitted_at),
        touchpoint: touchpoints
            .iter()
            .find(|(id, _)| *id == r.touchpoint_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
        survey: surveys
            .iter()
            .find(|s| s.id == r.survey_id)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        excerpt: excerpt(&r, definition),
        score: score_of(&r),
        response: r,
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ResponsesQuery>,
) -> Result<Response, AppError> {
    let filter = q.filter(PAGE)?;
    let found = state.store.list_responses(&ctx.scope, &filter).await?;
    let (touchpoints, surveys) = names(&state, &ctx).await?;
    let without_cursor = ResponsesQuery {
        cursor: String::new(),
        limit: String::new(),
        ..q.clone()
    };
    let export_query = serde_urlencoded::to_string([
        ("unit", &without_cursor.unit),
        ("touchpoint", &without_cursor.touchpoint),
        ("survey", &without_cursor.survey),
        ("from", &without_cursor.from),
        ("to", &without_cursor.to),
        ("band", &without_cursor.band),
        ("q", &without_cursor.q),
        ("sentiment", &without_cursor.sentiment),
        ("theme", &without_cursor.theme),
        ("employee", &without_cursor.employee),
    ])
    .unwrap_or_default();
    let next_query = found
        .next_cursor
        .as_ref()
        .map(|c| format!("{export_query}&cursor={c}"));
    let units = match ctx.scope {
        cumbre_domain::access::Scope::Own { .. } => Vec::new(),
        _ => state.store.list_units(&ctx.scope).await?,
    };
    let definitions = definitions(&state, ctx.user.tenant, &found.items).await?;
    let clock = state.store.tenant_clock(ctx.user.tenant).await?;
    let tr = crate::platform::i18n::Tr::new(ctx.lang);
    let rows = found
        .items
        .into_iter()
        .map(|r| {
            let d = definitions.get(&r.survey_version_id);
            row(r, &touchpoints, &surveys, d, &clock, &tr)
        })
        .collect();
    let themes = crate::improve::reading::ThemeNames::load(&state, ctx.user.tenant, &tr)
        .await?
        .all();
    page(&ResponsesPage {
        chrome: Chrome::for_user(&ctx, "responses"),
        q,
        rows,
        units,
        touchpoints,
        surveys,
        next_query,
        export_query,
        themes,
        sentiments: cumbre_domain::improve::reading::Sentiment::ALL
            .iter()
            .map(|s| (s.code(), tr.name_of("sentiment", s.code())))
            .collect(),
    })
}

pub(crate) fn answer_text(answer: &Answer, kind: &QuestionKind, lang: Lang) -> String {
    let label = |value: &str| {
        kind.options()
            .iter()
            .find(|o| o.value == value)
            .map_or(value.to_owned(), |o| o.label.get(lang).to_owned())
    };
    match answer {
        Answer::Score(n) => match kind.score_range() {
            Some((_, max)) => format!("{n} / {max}"),
            None => n.to_string(),
        },
        Answer::Text(t) => match kind {
            QuestionKind::SingleChoice { .. } => label(t),
            _ => t.clone(),
        },
        Answer::Choices(list) => list.iter().map(|v| label(v)).collect::<Vec<_>>().join(", "),
        Answer::Contact(c) => [c.name.as_deref(), c.email.as_deref(), c.phone.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

/// Each answer with the prompt of the version it answered: (version, [(prompt, answer)]).
pub(crate) async fn asked_answers(
    state: &AppState,
    ctx: &crate::platform::auth::Ctx,
    response: &cumbre_store::listen::StoredResponse,
) -> Result<(i64, Vec<(String, String)>), AppError> {
    let (version, definition) = state
        .store
        .survey_version(ctx.user.tenant, response.survey_version_id)
        .await?;
    let answers_map: cumbre_domain::listen::Answers =
        serde_json::from_value(response.answers.clone()).unwrap_or_default();
    let answers = definition
        .questions
        .iter()
        .filter_map(|q| {
            answers_map.0.get(&q.key).map(|a| {
                (
                    q.prompt.get(ctx.lang).to_owned(),
                    answer_text(a, &q.kind, ctx.lang),
                )
            })
        })
        .collect();
    Ok((version, answers))
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let response = state.store.get_response(&ctx.scope, id).await?;
    let (version, answers) = asked_answers(&state, &ctx, &response).await?;
    let (touchpoints, surveys) = names(&state, &ctx).await?;
    let reading = match &response.reading {
        Some(r) => Some(crate::improve::reading::view(&state, &ctx, r).await?),
        None => None,
    };
    page(&ResponsePage {
        chrome: Chrome::for_user(&ctx, "responses"),
        row: row(
            response,
            &touchpoints,
            &surveys,
            None,
            &state.store.tenant_clock(ctx.user.tenant).await?,
            &crate::platform::i18n::Tr::new(ctx.lang),
        ),
        version,
        answers,
        reading,
    })
}

//! Organisation import page: upload a CSV, see every bad line, or the counts of what the
//! import created and updated. A dry run checks the file and writes nothing.

use crate::platform::auth::PageCtx;
use crate::platform::page::{Chrome, page};
use crate::platform::upload;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use cumbre_domain::InvalidInput;
use cumbre_domain::org::import::{HEADER, plan};
use cumbre_store::org::ImportSummary;

#[derive(Template)]
#[template(path = "org/import.html")]
struct ImportPage {
    chrome: Chrome,
    header: String,
    /// (line, reason) of every refused line.
    errors: Vec<(usize, String)>,
    /// Lines checked by a dry run that found no problem.
    checked: Option<(usize, usize)>,
    applied: Option<ImportSummary>,
    /// Surveys responses can be imported into.
    surveys: Vec<cumbre_store::listen::SurveySummary>,
    /// Lines checked by a dry run of a responses file.
    responses_checked: Option<usize>,
    responses_applied: Option<cumbre_store::listen::imports::ResponseImport>,
    standards_header: &'static str,
    /// Standards checked by a dry run; (new, changed, unchanged) saved.
    standards_checked: Option<usize>,
    standards_applied: Option<(usize, usize, usize)>,
}

fn blank(chrome: Chrome, surveys: Vec<cumbre_store::listen::SurveySummary>) -> ImportPage {
    ImportPage {
        chrome,
        header: HEADER.join(","),
        errors: Vec::new(),
        checked: None,
        applied: None,
        surveys,
        responses_checked: None,
        responses_applied: None,
        standards_header: cumbre_domain::decide::import::HEADER_TEXT,
        standards_checked: None,
        standards_applied: None,
    }
}

async fn importable_surveys(
    state: &AppState,
    ctx: &crate::platform::auth::Ctx,
) -> Result<Vec<cumbre_store::listen::SurveySummary>, AppError> {
    Ok(state.store.list_surveys(&ctx.scope).await?)
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
) -> Result<Response, AppError> {
    ctx.admin()?;
    let surveys = importable_surveys(&state, &ctx).await?;
    page(&blank(Chrome::for_user(&ctx, "import"), surveys))
}

pub async fn submit(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let upload = upload::read(&ctx, multipart).await?;
    let text = &upload.text;
    let now = state.clock.now();
    let existing = state.store.existing_org(grant.tenant()).await?;
    let mut view = blank(
        Chrome::for_user(&ctx, "import"),
        importable_surveys(&state, &ctx).await?,
    );
    // Checking a file of tens of thousands of lines is CPU work: off the async runtime.
    let checked = {
        let text = text.clone();
        tokio::task::spawn_blocking(move || plan(&text, &existing, now.date()))
            .await
            .map_err(AppError::internal)?
    };
    match checked {
        Err(errors) => return refused(view, errors, ctx.lang),
        Ok(p) if upload.dry_run => view.checked = Some((p.units.len(), p.people.len())),
        Ok(p) => {
            view.applied = Some(
                state
                    .store
                    .apply_import(&grant, &p, &ctx.actor(), now, |_| {})
                    .await?,
            )
        }
    }
    page(&view)
}

fn refused(
    mut view: ImportPage,
    errors: Vec<cumbre_domain::org::import::LineError>,
    lang: cumbre_domain::Lang,
) -> Result<Response, AppError> {
    view.errors = errors
        .into_iter()
        .map(|e| (e.line, e.error.message(lang)))
        .collect();
    let mut response = page(&view)?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// Historical responses (into the chosen survey) or external reviews (a file whose header
/// starts with `source`).
pub async fn submit_responses(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    use cumbre_domain::listen::import::{FileKind, file_kind, plan as response_plan};
    let grant = ctx.admin()?;
    let upload = upload::read(&ctx, multipart).await?;
    let text = &upload.text;
    let now = state.clock.now();
    let survey =
        crate::platform::input::optional_id(upload.field("survey"), cumbre_domain::Field::Survey)?;
    let target = match (file_kind(text), survey) {
        (Some(FileKind::Reviews), _) => state.store.review_survey(&grant, now).await?,
        (_, Some(id)) => state.store.get_survey(&ctx.scope, id).await?,
        (_, None) => return Err(InvalidInput::Required(cumbre_domain::Field::Survey).into()),
    };
    let lookups = state.store.response_lookups(grant.tenant()).await?;
    let mut view = blank(
        Chrome::for_user(&ctx, "import"),
        importable_surveys(&state, &ctx).await?,
    );
    let checked = {
        let (text, definition) = (text.clone(), target.definition.clone());
        tokio::task::spawn_blocking(move || response_plan(&text, &definition, &lookups, now))
            .await
            .map_err(AppError::internal)?
    };
    match checked {
        Err(errors) => return refused(view, errors, ctx.lang),
        Ok((_, rows)) if upload.dry_run => view.responses_checked = Some(rows.len()),
        Ok((_, rows)) => {
            view.responses_applied = Some(
                state
                    .store
                    .import_responses(&grant, &target, &rows, &ctx.actor(), now, |_| {})
                    .await?,
            )
        }
    }
    page(&view)
}

/// The standards of the moments of truth, as `cumbre import standards` reads them: all or
/// none, a changed one saved as its next version, an unchanged one left as it is.
pub async fn submit_standards(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    use cumbre_store::decide::{NewStandard, Saved};
    let grant = ctx.admin()?;
    let upload = upload::read(&ctx, multipart).await?;
    let lookups = state.store.standard_lookups(grant.tenant()).await?;
    let mut view = blank(
        Chrome::for_user(&ctx, "import"),
        importable_surveys(&state, &ctx).await?,
    );
    let checked = {
        let text = upload.text.clone();
        tokio::task::spawn_blocking(move || cumbre_domain::decide::import::plan(&text, &lookups))
            .await
            .map_err(AppError::internal)?
    };
    match checked {
        Err(errors) => return refused(view, errors, ctx.lang),
        Ok(planned) if upload.dry_run => view.standards_checked = Some(planned.len()),
        Ok(planned) => {
            let inputs: Vec<NewStandard> = planned.into_iter().map(NewStandard::from).collect();
            let saved = state
                .store
                .save_standards(&grant, &inputs, &ctx.actor(), state.clock.now())
                .await?;
            let count = |what: Saved| saved.iter().filter(|(_, _, s)| *s == what).count();
            view.standards_applied = Some((
                count(Saved::Created),
                count(Saved::NewVersion),
                count(Saved::Unchanged),
            ));
        }
    }
    page(&view)
}

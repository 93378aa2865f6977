//! Organisation import page: upload a CSV, see every bad line, or the counts of what the
//! import created and updated. A dry run checks the file and writes nothing.

use crate::auth::PageCtx;
use crate::auth::csrf::tokens_match;
use crate::views::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use cumbre_domain::InvalidInput;
use cumbre_domain::org::import::{HEADER, plan};
use cumbre_store::org::ImportSummary;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    header: String,
    /// (line, reason) of every refused line.
    errors: Vec<(usize, String)>,
    /// Lines checked by a dry run that found no problem.
    checked: Option<(usize, usize)>,
    applied: Option<ImportSummary>,
}

fn blank(chrome: Chrome) -> ImportPage {
    ImportPage {
        chrome,
        header: HEADER.join(","),
        errors: Vec::new(),
        checked: None,
        applied: None,
    }
}

pub async fn show(PageCtx(ctx): PageCtx) -> Result<Response, AppError> {
    ctx.admin()?;
    page(&blank(Chrome::for_user(&ctx, "import")))
}

pub async fn submit(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let (mut csrf, mut text, mut dry_run) = (String::new(), None, false);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| InvalidInput::BadForm)?
    {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|_| InvalidInput::BadForm)?,
            Some("dry_run") => dry_run = true,
            Some("file") => {
                let bytes = field.bytes().await.map_err(|_| InvalidInput::BadForm)?;
                text = Some(
                    String::from_utf8(bytes.to_vec()).map_err(|_| InvalidInput::Csv {
                        detail: "not UTF-8 text".into(),
                    })?,
                );
            }
            _ => {}
        }
    }
    if !tokens_match(&ctx.csrf, &csrf) {
        return Err(AppError::Csrf);
    }
    let text = text.ok_or(InvalidInput::EmptyFile)?;
    let now = state.clock.now();
    let existing = state.store.existing_org(grant.tenant()).await?;
    let mut view = blank(Chrome::for_user(&ctx, "import"));
    match plan(&text, &existing, now.date()) {
        Err(errors) => {
            view.errors = errors
                .into_iter()
                .map(|e| (e.line, e.error.message(ctx.lang)))
                .collect();
            let mut response = page(&view)?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
        Ok(p) if dry_run => view.checked = Some((p.units.len(), p.people.len())),
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

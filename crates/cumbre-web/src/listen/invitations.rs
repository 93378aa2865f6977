//! E-mail invitations from the survey page: upload recipients (checked completely; a dry run
//! writes nothing), then follow each batch and each recipient's status.

use crate::platform::auth::PageCtx;
use crate::platform::auth::secret::random_token;
use crate::platform::extract::Path;
use crate::platform::page::{Chrome, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use cumbre_domain::listen::invitations::plan;
use cumbre_domain::{Field, InvalidInput};
use cumbre_store::listen::invitations::RecipientStatus;

#[derive(Template)]
#[template(path = "listen/invitations.html")]
struct RecipientsPage {
    chrome: Chrome,
    survey_id: i64,
    survey_name: String,
    recipients: Vec<RecipientStatus>,
}

pub async fn upload(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::platform::upload::read(&ctx, multipart).await?;
    // Access before the file's contents: a survey the caller does not see is a 404,
    // whatever the file says. Visibility and status are checked even for a dry run.
    let survey = state.store.get_survey(&ctx.scope, id).await?;
    let reminder_days =
        crate::platform::input::optional_id(upload.field("reminder_days"), Field::Position)?;
    let now = state.clock.now();
    let mut lookups = state.store.response_lookups(ctx.user.tenant).await?;
    // Recipients may only be attributed to units the manager sees.
    let visible: std::collections::HashSet<i64> = state
        .store
        .list_units(&ctx.scope)
        .await?
        .iter()
        .map(|u| u.id.0)
        .collect();
    lookups.units.retain(|_, id| visible.contains(id));
    let recipients = plan(&upload.text, &lookups, now.date()).map_err(|errors| {
        AppError::InvalidFields(
            errors
                .into_iter()
                .map(|e| (format!("{} {}", ctx_line(ctx.lang), e.line), e.error))
                .collect(),
        )
    })?;
    if upload.dry_run {
        if survey.summary.status != cumbre_domain::listen::SurveyStatus::Published {
            return Err(InvalidInput::SurveyClosed.into());
        }
        return Ok(done(&format!("/surveys/{id}"), "checked"));
    }
    let tokens = recipients
        .iter()
        .map(|_| random_token().map_err(AppError::internal))
        .collect::<Result<Vec<_>, _>>()?;
    state
        .store
        .create_invitations(
            &ctx.scope,
            id,
            reminder_days,
            &recipients,
            &tokens,
            &ctx.actor(),
            now,
        )
        .await?;
    Ok(done(&format!("/surveys/{id}"), "queued"))
}

fn ctx_line(lang: cumbre_domain::Lang) -> &'static str {
    match lang {
        cumbre_domain::Lang::Es => "línea",
        cumbre_domain::Lang::En => "line",
    }
}

pub async fn recipients(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path((id, batch)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let survey = state.store.get_survey(&ctx.scope, id).await?;
    if !state
        .store
        .invitation_batches(&ctx.scope, id)
        .await?
        .iter()
        .any(|b| b.id == batch)
    {
        return Err(AppError::NotFound);
    }
    page(&RecipientsPage {
        chrome: Chrome::for_user(&ctx, "surveys"),
        survey_id: id,
        survey_name: survey.summary.name,
        recipients: state.store.invitation_recipients(&ctx.scope, batch).await?,
    })
}

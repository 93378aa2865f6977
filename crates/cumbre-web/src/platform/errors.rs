//! Error bodies: JSON for the API, a small page for browsers, both in the caller's language.

use crate::AppError;
use crate::platform::i18n::Tr;
use crate::platform::page::Chrome;
use askama::Template;
use axum::Json;
use axum::response::{Html, IntoResponse, Response};
use cumbre_domain::Lang;

#[derive(Template)]
#[template(path = "platform/error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    title: &'a str,
    message: String,
}

/// The user-facing message; internal errors say only that something failed.
pub fn message(err: &AppError, lang: Lang) -> String {
    let tr = Tr::new(lang);
    match err {
        AppError::Invalid(i) => i.message(lang),
        AppError::InvalidFields(list) => list
            .iter()
            .map(|(field, e)| {
                if field.is_empty() {
                    e.message(lang)
                } else {
                    format!("{field}: {}", e.message(lang))
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        AppError::NotFound => tr.t("error.not_found").to_owned(),
        AppError::Gone => tr.t("respond.closed").to_owned(),
        AppError::Unauthorized => tr.t("error.unauthorized").to_owned(),
        AppError::NoToken => tr.t("error.no_token").to_owned(),
        AppError::Forbidden => tr.t("error.forbidden").to_owned(),
        AppError::Csrf => tr.t("error.csrf").to_owned(),
        AppError::Throttled { retry_after_secs } => {
            tr.f("error.throttled", retry_after_secs.div_ceil(60))
        }
        AppError::TooLarge => tr.t("error.too_large").to_owned(),
        AppError::Internal(_) => tr.t("error.internal").to_owned(),
    }
}

pub fn render_error(err: &AppError, lang: Lang, api: bool) -> Response {
    let status = err.status();
    let message = message(err, lang);
    if api {
        let mut body = serde_json::json!({ "error": err.code(), "message": message });
        if let AppError::InvalidFields(list) = err {
            let fields: serde_json::Map<String, serde_json::Value> = list
                .iter()
                .map(|(f, e)| (f.clone(), serde_json::Value::String(e.message(lang))))
                .collect();
            body["fields"] = serde_json::Value::Object(fields);
        }
        return (status, Json(body)).into_response();
    }
    let tr = Tr::new(lang);
    let title = match err {
        AppError::Invalid(_) | AppError::InvalidFields(_) => tr.t("error.invalid_title"),
        AppError::NotFound => tr.t("error.not_found_title"),
        _ => tr.t("error.title"),
    };
    let page = ErrorPage {
        chrome: Chrome::anonymous(lang),
        title,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            status.into_response()
        }
    }
}

//! The stylesheet and scripts, compiled into the binary: one file to deploy.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub async fn css() -> Response {
    asset(CSS, include_str!("../../static/app.css"))
}

pub async fn js() -> Response {
    asset(JS, include_str!("../../static/app.js"))
}

pub async fn survey_js() -> Response {
    asset(JS, include_str!("../../static/survey.js"))
}

pub async fn kiosk_js() -> Response {
    asset(JS, include_str!("../../static/kiosk.js"))
}

pub async fn audit_js() -> Response {
    asset(JS, include_str!("../../static/audit.js"))
}

pub async fn builder_js() -> Response {
    asset(JS, include_str!("../../static/builder.js"))
}

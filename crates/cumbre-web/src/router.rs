//! All routes and the layers around them.

use crate::AppState;
use crate::decide::{assignments, audits, standards, vision};
use crate::improve;
use crate::listen::{
    builder, invitations, respond, response_export, responses, surveys, touchpoints,
};
use crate::org::{import, people, units};
use crate::platform::auth::context::resolve;
use crate::platform::{admin, api, assets, audit, home, profile, session, tokens, users};
use crate::recover::{cases, inbox, lessons, notifications, rules, settings};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The CSP allows only our own scripts and styles: no inline script can run even if some
/// user text escaped the templates' escaping.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The public survey pages may be embedded in any website (the embed snippet). They hold no
/// signed-in state, so framing them risks nothing; browsers ignore X-Frame-Options when a
/// CSP `frame-ancestors` is present.
const PUBLIC_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors *; base-uri 'none'; object-src 'none'";

/// The survey pages customers open from links, QR codes, kiosks and embeds.
fn public_survey_routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}", get(respond::show).post(respond::submit))
        .route(
            "/s/{token}/kiosk",
            get(respond::kiosk).post(respond::kiosk_submit),
        )
        .route("/s/{token}/thanks", get(respond::thanks))
        .route(
            "/u/{token}",
            get(respond::unsubscribe_page).post(respond::unsubscribe),
        )
        .route(
            "/p/{token}",
            get(crate::lead::answer::show).post(crate::lead::answer::submit),
        )
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PUBLIC_CSP),
        ))
}

pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(home::show))
        .route("/login", get(session::show).post(session::submit))
        .route("/logout", post(session::logout))
        .route("/vision", get(vision::show).post(vision::publish))
        .route("/vision/read", post(vision::acknowledge))
        .route("/standards", post(standards::save))
        .route("/standards/{key}", get(standards::show))
        .route("/audits", get(audits::list))
        .route("/audits/{id}", get(audits::show))
        .route("/audits/{id}/photos/{photo}", get(audits::photo))
        .route("/audits/{id}/review", post(audits::review))
        .route("/audits/{id}/disputes", post(audits::dispute))
        .route("/disputes/{id}", post(audits::decide))
        .route(
            "/assignments/{id}",
            get(assignments::show)
                .post(assignments::submit)
                .layer(DefaultBodyLimit::max(audits::REPORT_LIMIT)),
        )
        .route("/org", get(units::tree))
        .route("/org/units", post(units::create))
        .route("/org/units/{id}", get(units::show).post(units::update))
        .route("/org/units/{id}/move", post(units::move_unit))
        .route("/people", get(people::list).post(people::create))
        .route("/people/new", get(people::new))
        .route("/people/{id}", get(people::show).post(people::update))
        .route("/people/{id}/active", post(people::set_active))
        .route("/admin", get(admin::show))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/{id}", get(users::show).post(users::update))
        .route(
            "/admin/import/responses",
            post(import::submit_responses).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route(
            "/admin/import/standards",
            post(import::submit_standards).layer(DefaultBodyLimit::max(8 * 1024 * 1024)),
        )
        .route(
            "/admin/import",
            get(import::show)
                .post(import::submit)
                .layer(DefaultBodyLimit::max(8 * 1024 * 1024)),
        )
        .route("/admin/audit", get(audit::show))
        .route("/admin/recovery", get(settings::show))
        .route("/admin/recovery/clock", post(settings::save_clock))
        .route("/admin/recovery/currency", post(settings::save_currency))
        .route("/admin/recovery/sla", post(settings::save_sla))
        .route("/admin/recovery/limit", post(settings::save_limit))
        .route("/admin/recovery/causes", post(settings::add_cause))
        .route(
            "/admin/recovery/min-sample",
            post(settings::save_min_sample),
        )
        .route("/admin/recovery/winback", post(settings::save_winback))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .route("/surveys", get(surveys::list).post(surveys::create))
        .route("/surveys/{id}", get(surveys::show))
        .route("/surveys/{id}/status", post(surveys::set_status))
        .route("/surveys/{id}/definition", post(surveys::save_definition))
        .route("/surveys/{id}/edit", get(builder::edit))
        .route("/surveys/{id}/check", post(builder::check))
        .route("/surveys/{id}/preview", post(builder::preview))
        .route(
            "/surveys/{id}/invitations",
            post(invitations::upload).layer(DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route(
            "/surveys/{id}/invitations/{batch}",
            get(invitations::recipients),
        )
        .route("/surveys/{id}/links", post(surveys::create_link))
        .route("/surveys/{id}/links/{link}/qr.svg", get(surveys::qr_svg))
        .route("/surveys/{id}/links/{link}/qr.png", get(surveys::qr_png))
        .route("/surveys/{id}/links/{link}/card", get(surveys::card))
        .route("/responses", get(responses::list))
        .route("/cases", get(cases::list))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/status", post(cases::set_status))
        .route("/cases/{id}/notes", post(cases::add_note))
        .route("/cases/{id}/promises", post(cases::add_promise))
        .route(
            "/cases/{id}/promises/{promise}/kept",
            post(cases::keep_promise),
        )
        .route("/cases/{id}/approvals/{approval}", post(cases::decide))
        .route("/promises", get(cases::promises))
        .route("/inbox", get(inbox::show))
        .route("/cases/{id}/winback", post(cases::winback))
        .route("/cases/{id}/owner", post(cases::reassign))
        .route("/recovery", get(cases::recovery))
        .route("/rules", get(rules::list).post(rules::create))
        .route("/lessons", get(lessons::list))
        .route(
            "/pulses",
            get(crate::lead::pages::list).post(crate::lead::pages::create),
        )
        .route("/pulses/{id}", get(crate::lead::pages::show))
        .route("/pulses/{id}/results.csv", get(crate::lead::pages::csv))
        .route(
            "/pulses/thresholds",
            post(crate::lead::pages::save_thresholds),
        )
        .merge(
            Router::new()
                .route("/overview", get(improve::overview::show))
                .route("/overview.csv", get(improve::overview::csv))
                .route("/dashboard/units/{id}", get(improve::unit::show))
                .route(
                    "/dashboard/touchpoints/{id}",
                    get(improve::touchpoint::show),
                )
                .route("/dashboard/people/{id}", get(improve::person::show))
                .route("/dashboard/themes", get(improve::themes::show))
                .route("/dashboard/me", get(improve::person::me))
                .route_layer(middleware::from_fn(server_timing)),
        )
        .route(
            "/dashboard/units/{id}/targets",
            post(improve::unit::set_target),
        )
        .route(
            "/admin/themes",
            get(improve::taxonomy::show).post(improve::taxonomy::add),
        )
        .route("/admin/themes/{key}", post(improve::taxonomy::update))
        .route("/admin/terms", post(improve::taxonomy::term))
        .route("/admin/notifications", get(notifications::list))
        .route(
            "/admin/notifications/{id}/retry",
            post(notifications::retry),
        )
        .route("/rules/{id}", get(rules::show).post(rules::update))
        .route("/rules/{id}/active", post(rules::set_active))
        .route("/responses.csv", get(response_export::export))
        .route("/responses/{id}", get(responses::show))
        .route(
            "/touchpoints",
            get(touchpoints::list).post(touchpoints::create),
        )
        .merge(public_survey_routes())
        .route("/profile", get(profile::show))
        .route("/profile/language", post(profile::set_language))
        .route("/profile/password", post(profile::change_password));

    Router::new()
        .merge(pages)
        .merge(api::routes())
        .fallback(|| async { crate::AppError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), resolve))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .route("/static/survey.js", get(assets::survey_js))
        .route("/static/kiosk.js", get(assets::kiosk_js))
        .route("/static/builder.js", get(assets::builder_js))
        .route("/static/audit.js", get(assets::audit_js))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Says how long the page took to compute (`Server-Timing: app;dur=…` in ms), so the
/// browser's dev tools and the dashboard benchmark see the server's share of a request.
async fn server_timing(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
        response.headers_mut().insert("server-timing", v);
    }
    response
}

/// Ready when the database answers.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.store.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

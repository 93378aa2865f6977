//! Hostile and absurd input: refused with a reason, never a crash, a hang or a flood.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode};

both!(extreme_dates_are_refused_with_a_reason_everywhere,);

/// Dates at the end of the calendar once looped forever, allocated gigabytes or
/// overflowed; every page, export and API that takes a date refuses them in the caller's
/// language and stays up.
async fn extreme_dates_are_refused_with_a_reason_everywhere(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let auditor = app.token("auditor@demo.test").await;
    let admin = app.token("admin@demo.test").await;
    let browser = app.login("admin@demo.test").await;
    let unit = app.unit_id("CUN").await;
    let touchpoints = app.store.list_touchpoints(app.tenant).await.expect("tps");
    let touchpoint = touchpoints[0].id;
    let ranges = [
        "to=9999-12-31",
        "from=9999-12-01&to=9999-12-31",
        "from=0001-01-01&to=2026-01-01",
        "from=1970-01-01&to=2199-12-31",
        "from=2026-02-01&to=2026-01-01",
        "to=2026-13-45",
    ];
    for range in ranges {
        for token in [&auditor, &admin] {
            for path in [
                format!("/api/v1/metrics?interval=month&{range}"),
                format!("/api/v1/metrics?interval=day&{range}"),
                format!("/api/v1/metrics/breakdown?by=channel&{range}"),
                format!("/api/v1/metrics/response-rate?{range}"),
                format!("/api/v1/responses?{range}"),
                format!("/api/v1/recovery?{range}"),
            ] {
                let reply = app.api(token, Method::GET, &path, None).await;
                // Listings page through any span of the supported calendar.
                if wide_listing(&path) && reply.status == StatusCode::OK {
                    continue;
                }
                assert!(
                    reply.status == StatusCode::UNPROCESSABLE_ENTITY
                        || (token == &auditor && reply.status == StatusCode::FORBIDDEN),
                    "{path}: {} {}",
                    reply.status,
                    reply.body
                );
                if reply.status == StatusCode::UNPROCESSABLE_ENTITY {
                    let message = reply.json()["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    assert!(
                        message.contains("1970")
                            || message.contains("periodo")
                            || message.contains("fecha"),
                        "{path}: {message}"
                    );
                }
            }
        }
        for path in [
            format!("/overview?{range}"),
            format!("/overview.csv?{range}"),
            format!("/dashboard/units/{unit}?{range}"),
            format!("/dashboard/units/{unit}?format=csv&{range}"),
            format!("/dashboard/touchpoints/{touchpoint}?{range}"),
            format!("/responses?{range}"),
            format!("/responses.csv?{range}"),
            format!("/recovery?{range}"),
        ] {
            let reply = app.get(Some(&browser), &path).await;
            if wide_listing(&path) && reply.status == StatusCode::OK {
                continue;
            }
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                reply.body
            );
            assert!(
                reply.body.contains("1970")
                    || reply.body.contains("periodo")
                    || reply.body.contains("fecha"),
                "{path}: the page says why (in Spanish, the browser's default): {}",
                reply.body.chars().take(300).collect::<String>()
            );
        }
    }
    // The edges of the supported calendar still answer.
    let reply = app
        .api(
            &admin,
            Method::GET,
            "/api/v1/metrics?interval=quarter&from=2180-01-01&to=2199-12-31",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let health = app.get(None, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
}

fn wide_listing(path: &str) -> bool {
    path.contains("responses") && path.contains("from=1970-01-01&to=2199-12-31")
}

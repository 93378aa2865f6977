//! The platform around the features: health, readiness, headers, errors, assets.

use crate::harness::{Backend, TestApp, both};
use axum::http::{Method, StatusCode, header};

both!(
    health_and_readiness_answer,
    every_response_carries_security_headers,
    unknown_pages_and_api_errors_are_translated,
    home_shows_the_loop_and_the_visible_counts,
    each_role_gets_the_menu_it_can_use_and_each_page_lights_its_entry
);

/// The menu lists what the role can use and nothing else (no page of nothing, no form
/// that answers 403), fits one row (nine entries at most), and every page it leads to
/// marks that entry as the current one.
async fn each_role_gets_the_menu_it_can_use_and_each_page_lights_its_entry(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let menu_of = |body: &str| -> Vec<(String, bool)> {
        let nav = body
            .split("class=\"main-nav\"")
            .nth(1)
            .and_then(|n| n.split("</nav>").next())
            .unwrap_or_default()
            .to_owned();
        nav.split("<a ")
            .skip(1)
            .map(|a| {
                let href = a
                    .split("href=\"")
                    .nth(1)
                    .and_then(|h| h.split('"').next())
                    .unwrap_or_default();
                (href.to_owned(), a.contains("aria-current=\"page\""))
            })
            .collect()
    };
    let expected: [(&str, &[&str]); 5] = [
        (
            "admin@demo.test",
            &[
                "/",
                "/overview",
                "/cases",
                "/responses",
                "/surveys",
                "/touchpoints",
                "/org",
                "/people",
                "/admin",
            ],
        ),
        (
            "ceo@demo.test",
            &[
                "/",
                "/overview",
                "/cases",
                "/responses",
                "/surveys",
                "/touchpoints",
                "/org",
                "/people",
            ],
        ),
        (
            "manager@demo.test",
            &[
                "/",
                "/overview",
                "/cases",
                "/responses",
                "/surveys",
                "/touchpoints",
                "/org",
                "/people",
            ],
        ),
        ("employee@demo.test", &["/", "/dashboard/me", "/responses"]),
        ("auditor@demo.test", &["/"]),
    ];
    for (email, links) in expected {
        let who = app.login(email).await;
        let home = app.get(Some(&who), "/").await.body;
        let menu: Vec<String> = menu_of(&home).into_iter().map(|(h, _)| h).collect();
        assert_eq!(menu, links, "{email}");
        assert!(menu.len() <= 9, "{email}: one row");
        for link in links {
            let page = app.get(Some(&who), link).await;
            let page = if page.status == StatusCode::SEE_OTHER {
                app.get(
                    Some(&who),
                    page.headers[header::LOCATION].to_str().expect("location"),
                )
                .await
            } else {
                page
            };
            assert_eq!(page.status, StatusCode::OK, "{email} {link}");
            let current: Vec<String> = menu_of(&page.body)
                .into_iter()
                .filter(|(_, c)| *c)
                .map(|(h, _)| h)
                .collect();
            assert_eq!(current, [link.to_string()], "{email} on {link}");
        }
    }
    // Pages under an entry light it: the case list's neighbours, the administration pages.
    let admin = app.login("admin@demo.test").await;
    for (path, entry) in [
        ("/promises", "/cases"),
        ("/lessons", "/cases"),
        ("/admin/recovery", "/admin"),
        ("/admin/notifications", "/admin"),
        ("/admin/users", "/admin"),
        ("/admin/audit", "/admin"),
    ] {
        let body = app.get(Some(&admin), path).await.body;
        let current: Vec<String> = menu_of(&body)
            .into_iter()
            .filter(|(_, c)| *c)
            .map(|(h, _)| h)
            .collect();
        assert_eq!(current, [entry.to_string()], "{path}");
    }
}

async fn health_and_readiness_answer(backend: Backend) {
    let app = TestApp::demo(backend).await;
    assert_eq!(app.get(None, "/healthz").await.status, StatusCode::OK);
    let ready = app.get(None, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    app.store.close().await;
    assert_eq!(
        app.get(None, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "readiness follows the database"
    );
    assert_eq!(
        app.get(None, "/healthz").await.status,
        StatusCode::OK,
        "the process is still up"
    );
}

async fn every_response_carries_security_headers(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let b = app.login("ceo@demo.test").await;
    for reply in [
        app.get(None, "/login").await,
        app.get(Some(&b), "/").await,
        app.get(None, "/nope").await,
        app.api("x", Method::GET, "/api/v1/units", None).await,
    ] {
        let csp = reply
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert_eq!(
            reply
                .headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert_eq!(
            reply
                .headers
                .get(header::REFERRER_POLICY)
                .map(|v| v.as_bytes()),
            Some(&b"same-origin"[..])
        );
    }
    let css = app.get(None, "/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .starts_with("text/css")
    );
}

async fn unknown_pages_and_api_errors_are_translated(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let b = app.login("ceo@demo.test").await;
    let missing = app.get(Some(&b), "/org/units/987654").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("No encontramos"));
    let token = app.token("ceo@demo.test").await;
    let req = axum::http::Request::get("/api/v1/people/987654")
        .header("authorization", format!("Bearer {token}"))
        .header("accept-language", "en")
        .body(axum::body::Body::empty())
        .expect("request");
    let api = app.send(req).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["error"], "not_found");
    assert_eq!(
        api.json()["message"],
        "We could not find that, or you do not have access to it."
    );
    let no_token = app.get(None, "/api/v1/units").await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_token.json()["error"], "unauthorized");
    let bad_query = app
        .api(&token, Method::GET, "/api/v1/people?limit=lots", None)
        .await;
    assert_eq!(bad_query.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn home_shows_the_loop_and_the_visible_counts(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let ceo = app
        .get(Some(&app.login("ceo@demo.test").await), "/")
        .await
        .body;
    for area in [
        "area-decide",
        "area-listen",
        "area-recover",
        "area-improve",
        "area-lead",
    ] {
        assert!(ceo.contains(area), "{area}");
    }
    assert!(ceo.contains("Hoteles Sierra Azul"));
    // Each step lists what the role can use; only what does not exist yet is "coming".
    let area = |html: &str, key: &str| -> String {
        html.split(&format!("id=\"area-{key}\""))
            .nth(1)
            .and_then(|a| a.split("</li>\n").next())
            .unwrap_or_default()
            .to_owned()
    };
    for link in ["/cases", "/promises", "/rules", "/lessons", "/recovery"] {
        assert!(
            area(&ceo, "recover").contains(&format!("href=\"{link}\"")),
            "{link}"
        );
    }
    assert!(area(&ceo, "improve").contains("href=\"/overview\""));
    assert!(!area(&ceo, "recover").contains("Aún no disponible"));
    assert!(area(&ceo, "lead").contains("Aún no disponible"));
    let auditor = app
        .get(Some(&app.login("auditor@demo.test").await), "/")
        .await
        .body;
    assert!(!area(&auditor, "recover").contains("href="));
    assert!(area(&auditor, "recover").contains("no forma parte de su función"));
    let count = |html: &str| -> i64 {
        let after = html.split("<strong>").nth(2).expect("people count");
        after
            .split('<')
            .next()
            .and_then(|n| n.trim().parse().ok())
            .expect("a number")
    };
    let manager = app
        .get(Some(&app.login("manager@demo.test").await), "/")
        .await
        .body;
    assert!(count(&ceo) > 300 && count(&manager) < count(&ceo) && count(&manager) > 10);
    let employee = app
        .get(Some(&app.login("employee@demo.test").await), "/")
        .await
        .body;
    assert_eq!(count(&employee), 1);
    assert!(
        !employee.contains("/admin/users"),
        "no admin navigation for employees"
    );
}

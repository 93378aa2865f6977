//! The shape of every HTML page any test receives (`check_page`, called by the harness for
//! each answer): markup inside `<title>` or page content outside `<body>` is a broken page
//! whatever its text says (a form rendered into the title shows raw HTML, CSRF token
//! included, in the browser's tab).

use crate::harness::{Backend, TestApp};
use axum::http::StatusCode;

/// Tags a document may hold before its `<body>`.
const HEAD_TAGS: [&str; 9] = [
    "!doctype", "html", "head", "/head", "meta", "link", "title", "/title", "script",
];

/// Panics unless `body`, an HTML answer to `path`, has a plain-text title and all its
/// content inside `<body>`. Fragments (no `<html`) are not pages.
pub fn check_page(path: &str, body: &str) {
    let lower = body.to_ascii_lowercase();
    if !lower.contains("<html") {
        return;
    }
    let title_at = lower.find("<title>");
    let title_end = lower.find("</title>");
    let (Some(open), Some(close)) = (title_at, title_end) else {
        panic!("{path}: a page without a <title>");
    };
    let title = &body[open + "<title>".len()..close];
    assert!(
        !title.contains('<') && !title.contains('>'),
        "{path}: markup inside <title>: {}",
        title.chars().take(200).collect::<String>()
    );
    let body_at = lower
        .find("<body")
        .unwrap_or_else(|| panic!("{path}: a page without <body>"));
    // (An SVG in the body may hold `<title>`s of its own: only the head's is the page's.)
    assert!(
        close < body_at,
        "{path}: the page's <title> is not in its head"
    );
    assert_eq!(
        lower[..body_at].matches("<title>").count(),
        1,
        "{path}: more than one <title> in the head"
    );
    // Before the body: only what a head holds (the title's text, skipped, is plain).
    let head = format!("{}{}", &lower[..open], &lower[close..body_at]);
    for tag in head.split('<').skip(1) {
        let name: String = tag
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '>')
            .collect();
        assert!(
            HEAD_TAGS.contains(&name.as_str()) || name == "/script",
            "{path}: <{name}> outside <body>"
        );
    }
    let end = lower
        .rfind("</body>")
        .unwrap_or_else(|| panic!("{path}: <body> is never closed"));
    let after = lower[end + "</body>".len()..].trim();
    assert!(
        after.is_empty() || after == "</html>",
        "{path}: content after </body>: {}",
        after.chars().take(200).collect::<String>()
    );
}

/// The recovery settings page keeps its minimum-sample form in the page, not in the
/// tab's title, and the form works.
async fn the_recovery_settings_page_shows_the_minimum_sample_form(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let page = app.get(Some(&admin), "/admin/recovery").await;
    assert_eq!(page.status, StatusCode::OK);
    let body_at = page.body.find("<body").expect("body");
    let form = page
        .body
        .find("id=\"min-sample-form\"")
        .expect("the minimum-sample form is on the page");
    assert!(form > body_at, "the form sits inside <body>");
    let saved = app
        .post(
            &admin,
            "/admin/recovery/min-sample",
            &[("min_sample", "12")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.store.min_sample(app.tenant).await.expect("min sample"),
        12
    );
}

crate::harness::both!(the_recovery_settings_page_shows_the_minimum_sample_form,);

//! Every role, signed in in a real browser, walks every entry of its menu (the
//! administration hub's pages included, and a case and the survey on a phone): each page
//! passes axe-core (npm `axe-core`, injected into the page) without a serious or critical
//! violation, shows no catalogue key, enum code or debug text, and the dashboards are not
//! empty where the role's scope has answers.

use crate::browser::{
    free_port, link_path, overflow, save_screenshot, serve, session, sign_in, wait_for,
};
use crate::harness::{Backend, TestApp};
use fantoccini::{Client, Locator};
use std::collections::BTreeSet;

/// The demo's seven roles, by the account that holds each.
const ROLES: [(&str, &str); 7] = [
    ("admin@demo.test", "administrator"),
    ("ceo@demo.test", "executive"),
    ("regional@demo.test", "regional director"),
    ("manager@demo.test", "hotel manager"),
    ("supervisor@demo.test", "supervisor"),
    ("employee@demo.test", "employee"),
    ("auditor@demo.test", "auditor"),
];

/// axe-core's browser build, installed by `scripts/test.sh` (`npm install axe-core`).
/// Missing is a skip, unless the browser tests are required.
pub(crate) fn axe_source() -> Option<String> {
    let path = std::env::var("CUMBRE_TEST_AXE").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/npm/node_modules/axe-core/axe.min.js"
        )
        .into()
    });
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) => {
            assert!(
                std::env::var("CUMBRE_TEST_REQUIRE_BROWSER").is_err(),
                "CUMBRE_TEST_REQUIRE_BROWSER is set but axe-core is missing at {path}: {e}"
            );
            eprintln!("skipping the walkthrough: axe-core not found at {path}");
            None
        }
    }
}

/// The serious and critical accessibility violations axe-core finds on the open page
/// (WCAG 2.1 A and AA rules), one line each with the first offending elements.
pub(crate) async fn violations(c: &Client, axe: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.expect("inject axe-core");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' +
                   v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' (' + (n.failureSummary || '').replace(/\\s+/g, ' ') + ')').join('; '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    serde_json::from_value(found).expect("a list of violations")
}

/// What a person reads on the page that is not for people: catalogue keys (a missing
/// translation shows its key), snake_case codes, Rust debug text, JSON.
fn unreadable(text: &str, namespaces: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || "«»“”\"'(),;:¿?¡!".contains(c)) {
        let word = word.trim_end_matches('.');
        let code = |w: &str| {
            w.chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
        };
        if word.contains('.')
            && code(word)
            && namespaces.contains(word.split('.').next().unwrap_or(""))
        {
            found.push(format!("catalogue key {word}"));
        } else if word.contains('_') && code(word) && word.chars().any(|c| c.is_ascii_lowercase()) {
            found.push(format!("code {word}"));
        }
    }
    for debug in ["Some(", "None)", "Ok(", "Err(", "{\"", "\\u", "NaN", "inf%"] {
        if text.contains(debug) {
            found.push(format!("debug text {debug}"));
        }
    }
    found
}

/// The first segments of the catalogue's keys ("nav", "cases", …): a word of the page
/// that starts with one and a dot is a key that reached the page untranslated.
fn namespaces() -> BTreeSet<String> {
    let es = include_str!("../../../cumbre-web/locales/es.txt");
    es.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .filter_map(|(key, _)| key.split('.').next())
        .map(str::to_owned)
        .collect()
}

/// Checks the open page: accessible, readable, not an error. Returns its findings.
async fn check(c: &Client, axe: &str, namespaces: &BTreeSet<String>, who: &str) -> Vec<String> {
    let url = c.current_url().await.expect("url");
    let at = format!("{who} at {}", url.path());
    let mut problems = Vec::new();
    if c.find(Locator::Css(".error-card")).await.is_ok() {
        problems.push(format!("{at}: an error page"));
    }
    // The text a person sees, less what is shown as code (an import file's column names).
    let text = c
        .execute(
            "const out = [];
             const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
             while (walk.nextNode()) {
               const p = walk.currentNode.parentElement;
               if (!p || p.closest('code, pre, kbd, samp, script, style, template, noscript')) continue;
               if (!p.checkVisibility()) continue;
               out.push(walk.currentNode.textContent);
             }
             return out.join(' ');",
            vec![],
        )
        .await
        .expect("visible text");
    let text = text.as_str().unwrap_or_default();
    problems.extend(
        unreadable(text, namespaces)
            .into_iter()
            .map(|p| format!("{at}: {p}")),
    );
    problems.extend(
        violations(c, axe)
            .await
            .into_iter()
            .map(|v| format!("{at}: {v}")),
    );
    problems
}

/// The page's links matched by `css`, as paths, in order.
async fn links(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for a in c.find_all(Locator::Css(css)).await.expect("links") {
        if let Some(href) = a.attr("href").await.expect("href") {
            out.push(href);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_walks_its_menu_and_every_page_is_accessible_and_readable() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(session) = session("1366,900").await else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo_with_history(Backend::Sqlite, 0.05).await;
    // Fresh detractors, so the managers have open cases and the inbox has entries.
    let admin = app.token("admin@demo.test").await;
    for _ in 0..2 {
        crate::recover::answer(&app, &admin, "CUN", 2, false).await;
    }
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    cumbre::scheduler::run_once(&app.store, now)
        .await
        .expect("scheduler");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let base = format!("http://{addr}");
    let _server = serve(app.router.clone(), addr).await;
    let namespaces = namespaces();
    let mut problems = Vec::new();
    let mut visited = 0;

    for (email, who) in ROLES {
        c.delete_all_cookies().await.expect("sign out");
        sign_in(&c, &base, email, "/").await;
        let mut pages = links(&c, "nav.main-nav a").await;
        // Decide is reached from the home page: the vision, the journey, mystery shopping.
        pages.extend(links(&c, "#area-decide a").await);
        let lines = c
            .execute(
                "return new Set(Array.from(document.querySelectorAll('nav.main-nav a')).map(a => a.offsetTop)).size;",
                vec![],
            )
            .await
            .expect("menu lines");
        if lines.as_i64() != Some(1) {
            problems.push(format!("{who}: the menu takes {lines} lines at 1366 px"));
        }
        // Whether the role's scope holds answers: then its dashboards may not be empty.
        let has_data = pages.iter().any(|p| p == "/responses") && {
            c.goto(&format!("{base}/responses")).await.expect("open");
            !links(&c, "a[href^='/responses/']").await.is_empty()
        };
        pages.extend(links(&c, "#inbox-link, header a[href='/profile']").await);
        let mut seen = BTreeSet::new();
        let mut i = 0;
        while i < pages.len() {
            let path = pages[i].clone();
            i += 1;
            if !seen.insert(path.clone()) {
                continue;
            }
            c.goto(&format!("{base}{path}")).await.expect("open");
            visited += 1;
            problems.extend(check(&c, &axe, &namespaces, who).await);
            match path.as_str() {
                // The administration hub's pages are the rest of the admin's menu.
                "/admin" => pages.extend(links(&c, "#admin-links a").await),
                // A dashboard with data in scope shows it.
                "/overview" => {
                    let rows = c
                        .find_all(Locator::Css("#map tbody tr"))
                        .await
                        .expect("rows");
                    if email == "manager@demo.test" {
                        save_screenshot(&c, "manager-panorama.png").await;
                    }
                    if has_data && rows.is_empty() {
                        problems.push(format!(
                            "{who}: the map is empty though the scope has answers"
                        ));
                    }
                    // What customers talk about, and the team's voice, from the overview.
                    pages.extend(links(&c, "#themes-link, #pulses-link").await);
                }
                // A pulse's results, hidden groups and all.
                "/pulses" => {
                    if let Some(first) = links(&c, "#pulse-list tbody a").await.first() {
                        pages.push(first.clone());
                    }
                }
                // A response and what its comment says.
                "/responses" => {
                    if let Some(first) = links(&c, "#responses tbody a").await.first() {
                        pages.push(first.clone());
                    }
                }
                "/dashboard/me" => {
                    let mut counted = false;
                    for detail in c
                        .find_all(Locator::Css("#person-kpis .kpi-detail"))
                        .await
                        .expect("figures")
                    {
                        let text = detail.text().await.expect("text");
                        counted |= text.starts_with("n = ") && !text.starts_with("n = 0");
                    }
                    if has_data && !counted {
                        problems.push(format!(
                            "{who}: My results counts nothing though answers name them"
                        ));
                    }
                }
                "/cases" => {
                    if let Some(case) = links(&c, "#cases tbody a").await.first() {
                        pages.push(case.clone());
                    }
                }
                // A standard's page, from the journey.
                "/touchpoints" => {
                    if let Some(first) = links(&c, "#journey .standards a").await.first() {
                        pages.push(first.clone());
                    }
                }
                // An audit, and for a shopper the form of a visit to make.
                "/audits" => {
                    for css in ["#audit-list tbody a", "#my-visits a"] {
                        if let Some(first) = links(&c, css).await.first() {
                            pages.push(first.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        assert!(visited > 0, "{who} visited nothing");
    }

    // On a phone: the hotel manager's case and a guest's survey fit 390 px and pass too.
    c.set_window_size(390, 844).await.expect("phone size");
    c.delete_all_cookies().await.expect("sign out");
    sign_in(&c, &base, "manager@demo.test", "/cases").await;
    let case = links(&c, "#cases tbody a")
        .await
        .into_iter()
        .next()
        .expect("the manager has a case");
    c.goto(&format!("{base}{case}")).await.expect("open case");
    wait_for("the case page", || async {
        c.find(Locator::Id("timeline")).await.is_ok()
    })
    .await;
    if let Some(why) = overflow(&c).await {
        problems.push(format!("the case page scrolls sideways at 390 px by {why}"));
    }
    problems.extend(check(&c, &axe, &namespaces, "manager on a phone").await);
    // The themes and their emerging problems fit a phone too.
    c.goto(&format!("{base}/dashboard/themes"))
        .await
        .expect("open themes");
    wait_for("the themes page", || async {
        c.find(Locator::Id("theme-table")).await.is_ok()
    })
    .await;
    if let Some(why) = overflow(&c).await {
        problems.push(format!(
            "the themes page scrolls sideways at 390 px by {why}"
        ));
    }
    problems.extend(check(&c, &axe, &namespaces, "manager on a phone, themes").await);
    // So does the administrators' taxonomy, a theme opened.
    c.delete_all_cookies().await.expect("sign out");
    sign_in(&c, &base, "admin@demo.test", "/admin/themes").await;
    wait_for("the taxonomy page", || async {
        c.find(Locator::Id("theme-list")).await.is_ok()
    })
    .await;
    c.find(Locator::Css("#theme-room summary"))
        .await
        .expect("a theme")
        .click()
        .await
        .expect("open it");
    if let Some(why) = overflow(&c).await {
        problems.push(format!(
            "the taxonomy page scrolls sideways at 390 px by {why}"
        ));
    }
    problems.extend(check(&c, &axe, &namespaces, "administrator on a phone, taxonomy").await);
    c.delete_all_cookies().await.expect("sign out");
    let survey = link_path(&app, "NPS", "Cancún").await;
    c.goto(&format!("{base}{survey}"))
        .await
        .expect("open survey");
    if let Some(why) = overflow(&c).await {
        problems.push(format!("the survey scrolls sideways at 390 px by {why}"));
    }
    problems.extend(check(&c, &axe, &namespaces, "guest on a phone").await);

    assert!(
        visited >= 30,
        "every role's menu was walked ({visited} pages)"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    c.close().await.expect("close");
}

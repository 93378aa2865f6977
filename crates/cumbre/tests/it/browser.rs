//! Browser tests in real headless Chromium through chromedriver (Debian's `chromium` and
//! `chromium-driver`). Skipped when chromedriver is absent, unless
//! `CUMBRE_TEST_REQUIRE_BROWSER=1` (as in CI), where its absence fails the test.

use crate::harness::{Backend, PASSWORD, TestApp};
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROME_FLAGS: [&str; 9] = [
    "--lang=es-MX",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
];

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<String> {
    let path = std::env::var("CUMBRE_TEST_CHROMEDRIVER")
        .unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    if std::path::Path::new(&path).exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CUMBRE_TEST_REQUIRE_BROWSER").is_err(),
        "CUMBRE_TEST_REQUIRE_BROWSER is set but {path} is missing"
    );
    eprintln!("skipping the browser test: {path} not found");
    None
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A headless Chromium session driven through chromedriver; dropped with the test.
pub(crate) struct Session {
    pub(crate) client: fantoccini::Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

pub(crate) async fn session(window: &str) -> Option<Session> {
    let driver_path = chromedriver()?;
    let port = free_port();
    let driver = Driver(
        Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let mut args: Vec<String> = CHROME_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.push(format!("--window-size={window}"));
    let mut caps = serde_json::Map::new();
    let binary =
        std::env::var("CUMBRE_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": args, "binary": binary, "prefs": { "intl.accept_languages": "es-MX,es" } }),
    );
    for _ in 0..50 {
        if let Ok(client) =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
        {
            return Some(Session {
                client,
                _driver: driver,
                _profile: profile,
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver accepts no session");
}

/// Saves what the browser shows as `docs/screenshots/{name}`.
pub(crate) async fn save_screenshot(c: &fantoccini::Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/screenshots");
    std::fs::create_dir_all(dir).expect("screenshot dir");
    std::fs::write(format!("{dir}/{name}"), png).expect("save screenshot");
}

/// What makes the page (or a table in a scrolling box) scroll sideways: `None` when
/// nothing does, else how far and the elements that reach past the window's edge.
pub(crate) async fn overflow(c: &fantoccini::Client) -> Option<String> {
    let found = c
        .execute(
            "const over = Math.max(document.documentElement.scrollWidth - window.innerWidth, \
               ...Array.from(document.querySelectorAll('.table-wrap')).map(e => e.scrollWidth - e.clientWidth));
             if (over <= 0) return null;
             const wide = Array.from(document.querySelectorAll('body *'))
               .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
               .slice(-3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ').join('.') : ''));
             return over + ' px: ' + wide.join(', ');",
            vec![],
        )
        .await
        .expect("measure");
    found.as_str().map(str::to_owned)
}

/// Serves the app on `addr` until the returned sender fires.
pub(crate) async fn serve(
    router: axum::Router,
    addr: std::net::SocketAddr,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (stop, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_signs_in_and_sees_only_their_subtree() {
    let Some(session) = session("1280,1000").await else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo(Backend::Sqlite).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let base = format!("http://{addr}");
    let _server = serve(app.router.clone(), addr).await;

    c.goto(&format!("{base}/org")).await.expect("open");
    // Not signed in: sent to the sign-in page, which then returns to /org.
    let form = c
        .form(Locator::Css("form[action='/login']"))
        .await
        .expect("sign-in form");
    form.set_by_name("email", "manager@demo.test")
        .await
        .expect("email");
    form.set_by_name("password", PASSWORD)
        .await
        .expect("password");
    form.submit().await.expect("submit");
    c.wait()
        .for_element(Locator::Id("org-tree"))
        .await
        .expect("the organisation tree");
    assert!(c.current_url().await.expect("url").path().ends_with("/org"));
    let mut names = Vec::new();
    for link in c
        .find_all(Locator::Css("#org-tree li a"))
        .await
        .expect("units")
    {
        names.push(link.text().await.expect("text"));
    }
    assert_eq!(names.len(), 9, "the hotel and its eight teams: {names:?}");
    assert_eq!(names[0], "Sierra Azul Cancún");
    assert!(names.iter().all(|n| n.contains("Cancún")), "{names:?}");

    c.goto(&format!("{base}/")).await.expect("home");
    c.wait()
        .for_element(Locator::Id("area-lead"))
        .await
        .expect("home shows the loop");
    save_screenshot(&c, "home.png").await;
    c.close().await.expect("close");
}

async fn responses_stored(app: &TestApp) -> Vec<serde_json::Value> {
    let scope = cumbre_domain::access::Scope::Tenant(app.tenant);
    let filter = cumbre_store::listen::ResponseFilter {
        limit: 100,
        ..Default::default()
    };
    app.store
        .list_responses(&scope, &filter)
        .await
        .expect("responses")
        .items
        .into_iter()
        .map(|r| r.answers)
        .collect()
}

pub(crate) async fn wait_for<F, Fut>(what: &str, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if ready().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    panic!("timed out waiting for {what}");
}

pub(crate) async fn link_path(app: &TestApp, survey: &str, unit: &str) -> String {
    let scope = cumbre_domain::access::Scope::Tenant(app.tenant);
    let s = app
        .store
        .list_surveys(&scope)
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name.contains(survey))
        .expect("survey");
    let l = app
        .store
        .list_links(&scope, s.id)
        .await
        .expect("links")
        .into_iter()
        .find(|l| l.unit_name.contains(unit))
        .expect("link");
    format!("/s/{}", l.token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_answers_on_a_phone_in_spanish() {
    let Some(session) = session("390,844").await else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo(Backend::Sqlite).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let _server = serve(app.router.clone(), addr).await;
    let path = link_path(&app, "NPS", "Cancún").await;
    c.goto(&format!("http://{addr}{path}")).await.expect("open");
    let title = c
        .find(Locator::Css("h1"))
        .await
        .expect("title")
        .text()
        .await
        .expect("text");
    assert_eq!(title, "¿Cómo fue su estancia?");
    // The question about what to improve stays hidden until a low score is chosen.
    let fix = c
        .find(Locator::Id("q-fix"))
        .await
        .expect("conditional question");
    assert!(!fix.is_displayed().await.expect("displayed?"));
    c.find(Locator::Css("input[name='q.nps'][value='4'] + span"))
        .await
        .expect("score 4")
        .click()
        .await
        .expect("tap");
    assert!(
        fix.is_displayed().await.expect("displayed?"),
        "a detractor is asked what to improve"
    );
    c.find(Locator::Css("textarea[name='q.fix']"))
        .await
        .expect("textarea")
        .send_keys("La espera en recepción")
        .await
        .expect("type");
    c.find(Locator::Css("button.send"))
        .await
        .expect("send")
        .click()
        .await
        .expect("tap");
    c.wait()
        .for_element(Locator::Css(".done"))
        .await
        .expect("thank-you page");
    let stored = responses_stored(&app).await;
    assert_eq!(
        stored,
        [serde_json::json!({"nps": 4, "fix": "La espera en recepción"})]
    );
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_keeps_answers_through_a_network_cut_and_sends_each_once() {
    let Some(session) = session("800,1100").await else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo(Backend::Sqlite).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let (stop, server) = serve(app.router.clone(), addr).await;
    let path = link_path(&app, "CSAT", "Cancún").await;
    c.goto(&format!("http://{addr}{path}/kiosk"))
        .await
        .expect("open kiosk");

    let answer = |score: u8| {
        let c = c.clone();
        async move {
            // Wait for the thank-you overlay of the previous answer to go away.
            for _ in 0..60 {
                let hidden = c
                    .execute(
                        "return document.getElementById('kiosk-thanks').hidden",
                        vec![],
                    )
                    .await
                    .expect("js");
                if hidden == serde_json::Value::Bool(true) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let pill = format!("input[name='q.csat'][value='{score}'] + span");
            c.find(Locator::Css(&pill))
                .await
                .expect("score")
                .click()
                .await
                .expect("tap");
            c.find(Locator::Css("button.send"))
                .await
                .expect("send")
                .click()
                .await
                .expect("tap");
        }
    };
    let pending = |c: fantoccini::Client| async move {
        c.execute(
            "return document.getElementById('kiosk-status').dataset.pending",
            vec![],
        )
        .await
        .expect("js")
        .as_str()
        .unwrap_or("?")
        .to_owned()
    };

    answer(5).await;
    wait_for("the first answer to arrive", || async {
        responses_stored(&app).await.len() == 1
    })
    .await;

    // The network goes away: answers wait in the tablet's queue.
    let _ = stop.send(());
    server.await.expect("server stopped");
    answer(2).await;
    answer(4).await;
    assert_eq!(pending(c.clone()).await, "2");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        responses_stored(&app).await.len(),
        1,
        "nothing arrives while offline"
    );
    assert_eq!(pending(c.clone()).await, "2", "and nothing is lost");

    // The network returns: each queued answer is sent exactly once.
    let _server = serve(app.router.clone(), addr).await;
    wait_for("the queue to drain", || async {
        pending(c.clone()).await == "0"
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut scores: Vec<i64> = responses_stored(&app)
        .await
        .iter()
        .filter_map(|a| a["csat"].as_i64())
        .collect();
    scores.sort_unstable();
    assert_eq!(scores, [2, 4, 5]);
    c.close().await.expect("close");
}

/// Signs in through the sign-in form and waits for the page it returns to.
pub(crate) async fn sign_in(c: &fantoccini::Client, base: &str, email: &str, then: &str) {
    c.goto(&format!("{base}/login?next={then}"))
        .await
        .expect("open");
    let form = c
        .form(Locator::Css("form[action='/login']"))
        .await
        .expect("sign-in form");
    form.set_by_name("email", email).await.expect("email");
    form.set_by_name("password", PASSWORD)
        .await
        .expect("password");
    form.submit().await.expect("submit");
    wait_for("the page after signing in", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.path() == then.split('?').next().unwrap_or(then))
    })
    .await;
}

/// The definition the builder would save, read from its JSON field.
async fn builder_json(c: &fantoccini::Client) -> serde_json::Value {
    let raw = c
        .execute("return document.getElementById('definition').value", vec![])
        .await
        .expect("read JSON");
    serde_json::from_str(raw.as_str().expect("text")).expect("JSON")
}

async fn type_into(c: &fantoccini::Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .send_keys(text)
        .await
        .expect("type");
}

async fn click(c: &fantoccini::Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// The preview frame's page, once it has caught up with the forms.
async fn preview_html(c: &fantoccini::Client) -> String {
    c.wait()
        .for_element(Locator::Css("#phone[aria-busy='false']"))
        .await
        .expect("the preview catches up");
    c.execute(
        "return document.getElementById('preview-frame').contentDocument.body.innerHTML",
        vec![],
    )
    .await
    .expect("read the preview")
    .as_str()
    .expect("html")
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_designs_a_survey_and_previews_it_as_a_phone() {
    let Some(session) = session("1400,1100").await else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo(Backend::Sqlite).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let base = format!("http://{addr}");
    let _server = serve(app.router.clone(), addr).await;
    sign_in(&c, &base, "manager@demo.test", "/surveys").await;

    // A new draft from the touchpoint CSAT template (csat, aspects, comment).
    let form = c
        .form(Locator::Css("form[action='/surveys']"))
        .await
        .expect("new survey form");
    form.set_by_name("name", "Desayuno").await.expect("name");
    form.set_by_name("template", "touchpoint-csat")
        .await
        .expect("template");
    form.submit().await.expect("create");
    c.wait()
        .for_element(Locator::Id("design"))
        .await
        .expect("design link")
        .click()
        .await
        .expect("open the builder");
    c.wait()
        .for_element(Locator::Css("#builder .question-card"))
        .await
        .expect("the builder replaces the JSON editor");
    assert_eq!(
        c.find_all(Locator::Css(".question-card"))
            .await
            .expect("cards")
            .len(),
        3
    );

    // Add a single-choice question, with its texts in both languages and two options.
    c.find(Locator::Css(".add-question select"))
        .await
        .expect("type picker")
        .select_by_value("single_choice")
        .await
        .expect("pick a type");
    click(&c, "#add-question").await;
    let q = "[data-path='questions[3]']";
    type_into(
        &c,
        &format!("{q} [data-path='questions[3].prompt.es']"),
        "¿Qué le faltó?",
    )
    .await;
    type_into(
        &c,
        &format!("{q} [data-path='questions[3].prompt.en']"),
        "What was missing?",
    )
    .await;
    let first = format!("{q} [data-path='questions[3].options[0].value']");
    c.find(Locator::Css(&first))
        .await
        .expect("option value")
        .clear()
        .await
        .expect("clear");
    type_into(&c, &first, "fruta").await;
    type_into(
        &c,
        &format!("{q} [data-path='questions[3].options[0].label.es']"),
        "Fruta",
    )
    .await;
    type_into(
        &c,
        &format!("{q} [data-path='questions[3].options[0].label.en']"),
        "Fruit",
    )
    .await;
    click(&c, &format!("{q} .options > button")).await;
    type_into(
        &c,
        &format!("{q} [data-path='questions[3].options[1].label.es']"),
        "Café",
    )
    .await;
    // The English label is still missing: the server's check says so beside the field.
    c.wait()
        .for_element(Locator::Css(
            "[data-path='questions[3].options[1].label'] .builder-error",
        ))
        .await
        .expect("the missing translation is pointed out where it is");
    type_into(
        &c,
        &format!("{q} [data-path='questions[3].options[1].label.en']"),
        "Coffee",
    )
    .await;
    wait_for("the check to pass", || async {
        c.find_all(Locator::Css(".builder-error"))
            .await
            .is_ok_and(|e| e.is_empty())
    })
    .await;

    // Only dissatisfied guests (CSAT 1 or 2) are asked.
    c.find(Locator::Css("[data-path='questions[3].show_if.question']"))
        .await
        .expect("condition")
        .select_by_value("csat")
        .await
        .expect("depends on csat");
    for value in ["1", "2"] {
        click(
            &c,
            &format!("[data-path='questions[3].show_if.in'] label:nth-of-type({value}) input"),
        )
        .await;
    }
    // Move it above the comment, then drop the aspects question.
    click(
        &c,
        "[data-path='questions[3]'] .question-head button[aria-label^='Subir']",
    )
    .await;
    click(
        &c,
        "[data-path='questions[1]'] .question-head button.danger",
    )
    .await;
    let def = builder_json(&c).await;
    let keys: Vec<&str> = def["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, ["csat", "single_choice", "comment"]);
    assert_eq!(
        def["questions"][1]["show_if"],
        serde_json::json!({"question": "csat", "in": [1, 2]})
    );

    // The phone preview is the respondent's page for the unsaved definition.
    let preview = preview_html(&c).await;
    assert!(preview.contains("¿Qué le faltó?") && preview.contains("Fruta"));
    assert!(!preview.contains("Rapidez"), "the deleted question is gone");
    c.execute("window.scrollTo(0, 0)", vec![])
        .await
        .expect("scroll");
    save_screenshot(&c, "builder.png").await;
    c.find(Locator::Id("preview-frame"))
        .await
        .expect("frame")
        .enter_frame()
        .await
        .expect("enter the preview");
    let asked = c
        .find(Locator::Id("q-single_choice"))
        .await
        .expect("the question in the preview");
    assert!(
        !asked.is_displayed().await.expect("displayed?"),
        "hidden until a low score, as for customers"
    );
    click(&c, "input[name='q.csat'][value='2'] + span").await;
    assert!(asked.is_displayed().await.expect("displayed?"));
    c.enter_parent_frame().await.expect("back");
    click(&c, "[data-preview-lang='en']").await;
    assert!(preview_html(&c).await.contains("What was missing?"));

    // Saving stores the definition the builder showed.
    click(&c, "#builder-save").await;
    c.wait()
        .for_element(Locator::Css(".notice"))
        .await
        .expect("saved");
    let scope = cumbre_domain::access::Scope::Tenant(app.tenant);
    let saved = app
        .store
        .list_surveys(&scope)
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name == "Desayuno")
        .expect("the new survey");
    let saved = app
        .store
        .get_survey(&scope, saved.id)
        .await
        .expect("survey");
    assert_eq!(serde_json::to_value(&*saved.definition).expect("json"), def);
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detractor_becomes_a_case_the_manager_contacts_promises_and_resolves() {
    let Some(session) = session("1280,1000").await else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo(Backend::Sqlite).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let base = format!("http://{addr}");
    let _server = serve(app.router.clone(), addr).await;

    // A guest of the Cancún hotel answers 3 out of 10.
    let path = link_path(&app, "NPS", "Cancún").await;
    c.goto(&format!("{base}{path}")).await.expect("open");
    click(&c, "input[name='q.nps'][value='3'] + span").await;
    type_into(
        &c,
        "textarea[name='q.fix']",
        "Nadie nos ayudó con las maletas",
    )
    .await;
    click(&c, "button.send").await;
    c.wait()
        .for_element(Locator::Css(".done"))
        .await
        .expect("thank-you page");
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    let pass = cumbre::scheduler::run_once(&app.store, now)
        .await
        .expect("scheduler");
    assert_eq!(pass.cases_opened, 1, "the demo's detractor rule");

    // The hotel manager finds it among their cases.
    sign_in(&c, &base, "manager@demo.test", "/cases").await;
    let row = c
        .find(Locator::Css("#cases tbody tr td:nth-child(2) a"))
        .await
        .expect("the case in the list");
    assert_eq!(row.text().await.expect("text"), "Detractor (NPS 0–6)");
    row.click().await.expect("open the case");
    c.wait()
        .for_element(Locator::Id("contact-form"))
        .await
        .expect("the case page");
    let page = c.source().await.expect("html");
    assert!(
        page.contains("Nadie nos ayudó con las maletas"),
        "the guest's words are on the case"
    );

    // First contact, then a promise, then the resolution.
    type_into(
        &c,
        "#contact-form textarea[name='note']",
        "Llamé al huésped; se disculpó el botones",
    )
    .await;
    click(&c, "#contact-form button").await;
    c.wait()
        .for_element(Locator::Id("promise-form"))
        .await
        .expect("back on the case");
    type_into(
        &c,
        "#promise-form input[name='text']",
        "Le llamamos mañana antes de las 12:00",
    )
    .await;
    c.execute(
        "document.querySelector('#promise-form input[name=due]').value = '2026-11-26T12:00'",
        vec![],
    )
    .await
    .expect("due time");
    click(&c, "#promise-form button").await;
    c.wait()
        .for_element(Locator::Css(".promise-open"))
        .await
        .expect("the promise shows on the case");
    type_into(
        &c,
        "#resolve-form textarea[name='action_taken']",
        "Disculpa y cena de cortesía",
    )
    .await;
    c.find(Locator::Css("#resolve-form select[name='root_cause_id']"))
        .await
        .expect("root causes")
        .select_by_label("Trato del personal")
        .await
        .expect("a root cause");
    type_into(&c, "#resolve-form input[name='compensation_type']", "cena").await;
    type_into(&c, "#resolve-form input[name='compensation']", "850").await;
    click(&c, "#resolve-form button").await;
    wait_for("the case to show as resolved", || async {
        c.find(Locator::Id("case-status")).await.ok().is_some()
            && c.source()
                .await
                .is_ok_and(|h| h.contains("id=\"case-status\">resuelto"))
    })
    .await;
    save_screenshot(&c, "case.png").await;

    let scope = cumbre_domain::access::Scope::Tenant(app.tenant);
    let cases = app
        .store
        .list_cases(
            &scope,
            &cumbre_store::recover::CaseFilter {
                limit: 10,
                ..Default::default()
            },
            now,
        )
        .await
        .expect("cases");
    let case = app
        .store
        .get_case(&scope, cases.items[0].id, now)
        .await
        .expect("case");
    assert_eq!(
        case.case.status,
        cumbre_domain::recover::CaseStatus::Resolved
    );
    let kinds: Vec<&str> = case.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "status", "promise", "status"]);
    assert_eq!(
        case.timeline[3].detail["resolution"]["compensation_cents"], 85_000,
        "within a manager's authority: no approval needed"
    );
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_executive_drills_the_map_from_region_to_hotel_to_a_moment_of_truth() {
    let Some(session) = session("1400,1100").await else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo_with_history(Backend::Sqlite, 0.05).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let base = format!("http://{addr}");
    let _server = serve(app.router.clone(), addr).await;
    sign_in(&c, &base, "ceo@demo.test", "/overview").await;
    c.wait()
        .for_element(Locator::Id("map"))
        .await
        .expect("the moments-of-truth map");
    let rows = c
        .find_all(Locator::Css("#map tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 4, "the company's four regions");
    // Every cell tells its count and interval on hover (and to screen readers, always).
    let cell = c
        .find(Locator::Css("#map tbody tr td.cell.total"))
        .await
        .expect("a total cell");
    let class = cell.attr("class").await.expect("class").unwrap_or_default();
    assert!(
        class.contains("heat"),
        "a sufficient cell is coloured against its target: {class}"
    );
    cell.click().await.expect("focus");
    let tip = c
        .find(Locator::Css("#map tbody tr td.cell.total .tip"))
        .await
        .expect("tip");
    assert!(
        tip.text().await.expect("tip text").contains("n = "),
        "the tip shows n"
    );
    save_screenshot(&c, "overview.png").await;

    // Region → hotel → a moment of truth.
    click(&c, "#map a.drill[href*='unit=']").await;
    wait_for("the region's map", || async {
        c.find(Locator::Css("h1"))
            .await
            .expect("heading")
            .text()
            .await
            .is_ok_and(|t| t.contains("Caribe") || t.contains("Centro") || t.contains("Pacífico"))
    })
    .await;
    let hotels: Vec<String> = {
        let mut names = Vec::new();
        for a in c
            .find_all(Locator::Css("#map tbody th a"))
            .await
            .expect("hotels")
        {
            names.push(a.text().await.expect("name"));
        }
        names
    };
    assert!(
        !hotels.is_empty()
            && hotels
                .iter()
                .all(|n| n.contains("Sierra Azul") || n.contains("Club") || n.contains("Hacienda")),
        "{hotels:?}"
    );
    click(&c, "#map tbody th a.drill").await;
    wait_for("the hotel's map", || async {
        c.find(Locator::Css("h1"))
            .await
            .expect("heading")
            .text()
            .await
            .is_ok_and(|t| hotels.iter().any(|h| t.contains(h.trim_end_matches(" ›"))))
    })
    .await;
    click(&c, "#map thead th a[href*='/dashboard/touchpoints/']").await;
    c.wait()
        .for_element(Locator::Id("touchpoint-title"))
        .await
        .expect("the touchpoint page");
    let title = c
        .find(Locator::Id("touchpoint-title"))
        .await
        .expect("title")
        .text()
        .await
        .expect("text");
    assert!(
        hotels
            .iter()
            .any(|h| title.contains(h.trim_end_matches(" ›"))),
        "{title}"
    );
    c.close().await.expect("close");
}

/// A manager handles cases from a phone: on a 390 px screen the menu, the case list and the
/// case page fit the width (no sideways scrolling) and the inbox opens from the header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_works_cases_on_a_phone() {
    let Some(session) = session("390,844").await else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo(Backend::Sqlite).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let base = format!("http://{addr}");
    let _server = serve(app.router.clone(), addr).await;
    let admin = app.token("admin@demo.test").await;
    for _ in 0..3 {
        crate::recover::answer(&app, &admin, "CUN", 2, false).await;
    }
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    cumbre::scheduler::run_once(&app.store, now)
        .await
        .expect("scheduler");
    sign_in(&c, &base, "manager@demo.test", "/cases").await;
    let wide = overflow(&c).await;
    assert!(wide.is_none(), "the case list fits the phone: {wide:?}");
    let row = c
        .find(Locator::Css("#cases tbody tr a"))
        .await
        .expect("a case in the list");
    row.click().await.expect("open the case");
    c.wait()
        .for_element(Locator::Id("timeline"))
        .await
        .expect("the case page");
    let wide = overflow(&c).await;
    assert!(wide.is_none(), "the case page fits the phone: {wide:?}");
    save_screenshot(&c, "case-phone.png").await;
    c.find(Locator::Id("inbox-link"))
        .await
        .expect("the inbox in the header")
        .click()
        .await
        .expect("open the inbox");
    c.wait()
        .for_element(Locator::Id("inbox-new_case"))
        .await
        .expect("the manager's new cases");
    let wide = overflow(&c).await;
    assert!(wide.is_none(), "the inbox fits the phone: {wide:?}");
    save_screenshot(&c, "inbox.png").await;
    c.close().await.expect("close");
}

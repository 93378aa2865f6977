//! Browser tests in real headless Chromium through chromedriver (Debian's `chromium` and
//! `chromium-driver`). Skipped when chromedriver is absent, unless
//! `CUMBRE_TEST_REQUIRE_BROWSER=1` (as in CI), where its absence fails the test.

use crate::harness::{Backend, PASSWORD, TestApp};
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROME_FLAGS: [&str; 10] = [
    "--lang=es-MX",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,1000",
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_signs_in_and_sees_only_their_subtree() {
    let Some(driver_path) = chromedriver() else {
        return;
    };
    let app = TestApp::demo(Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let port = free_port();
    let _driver = Driver(
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
    let mut caps = serde_json::Map::new();
    let binary =
        std::env::var("CUMBRE_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    caps.insert("goog:chromeOptions".into(), serde_json::json!({ "args": args, "binary": binary, "prefs": { "intl.accept_languages": "es-MX,es" } }));
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("chromedriver accepts a session");

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
    let png = c.screenshot().await.expect("screenshot");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/screenshots");
    std::fs::create_dir_all(dir).expect("screenshot dir");
    std::fs::write(format!("{dir}/home.png"), png).expect("save screenshot");
    c.close().await.expect("close");
}

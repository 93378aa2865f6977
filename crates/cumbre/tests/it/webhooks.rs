//! Webhooks as a receiver and an attacker see them: signed so that an independent
//! Standard Webhooks library accepts the call, set only by administrators, never sent to
//! the company's own network, never following a redirect.

use crate::harness::{Backend, TestApp, both};
use crate::recover::{Call, receiver};
use axum::http::{Method, StatusCode};
use serde_json::json;

both!(
    webhooks_are_set_by_administrators_and_never_reach_internal_addresses,
    the_rules_page_shows_a_new_endpoints_secret_once,
);

/// An administrator adding a webhook on the rules page reads its signing secret once, in
/// their language; saving again does not show it; a manager cannot add one there either.
async fn the_rules_page_shows_a_new_endpoints_secret_once(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let cun = app.unit_id("CUN").await.to_string();
    let fields = |name: &'static str| {
        vec![
            ("name", name),
            ("score_type", "nps"),
            ("at_most", "3"),
            ("priority", "high"),
            ("webhook", "https://tickets.sierraazul.example/cumbre"),
        ]
    };
    let admin = app.login("admin@demo.test").await;
    let mut first = fields("Tickets");
    first.push(("unit_id", &cun));
    let page = app.post(&admin, "/rules", &first).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Secreto de firma del webhook"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"webhook-secret\">whsec_"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("https://tickets.sierraazul.example/cumbre")
    );
    let mut second = fields("Tickets otra vez");
    second.push(("unit_id", &cun));
    let again = app.post(&admin, "/rules", &second).await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "shown once: {}",
        again.body
    );
    let manager = app.login("manager@demo.test").await;
    let mut third = fields("Mío");
    third.push(("unit_id", &cun));
    let refused = app.post(&manager, "/rules", &third).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// Checks `call` with the `standardwebhooks` package from PyPI (the reference
/// implementation, not ours). Skipped where Python lacks it, unless
/// `CUMBRE_TEST_REQUIRE_WEBHOOK_VERIFIER` is set (as in CI, which installs it).
pub fn verify_independently(secret: &str, call: &Call) {
    // The tests' clock is not the wall clock: the verifier's "now" is the call's time.
    let script = "import json,sys\n\
        from datetime import datetime, timezone\n\
        import standardwebhooks.webhooks as w\n\
        d = json.load(sys.stdin)\n\
        ts = int(d['headers']['webhook-timestamp'])\n\
        class Frozen(datetime):\n    \
            @classmethod\n    \
            def now(cls, tz=None): return datetime.fromtimestamp(ts, tz=timezone.utc)\n\
        w.datetime = Frozen\n\
        w.Webhook(d['secret']).verify(d['body'], d['headers'])\n\
        print('verified')\n";
    let headers: serde_json::Map<String, serde_json::Value> = call
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let input = json!({"secret": secret, "body": call.raw, "headers": headers}).to_string();
    let run = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())?;
            child.wait_with_output()
        });
    let out = match run {
        Ok(out) => out,
        Err(e) => {
            assert!(
                std::env::var("CUMBRE_TEST_REQUIRE_WEBHOOK_VERIFIER").is_err(),
                "python3: {e}"
            );
            return;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No module named 'standardwebhooks'") {
        assert!(
            std::env::var("CUMBRE_TEST_REQUIRE_WEBHOOK_VERIFIER").is_err(),
            "pip install standardwebhooks"
        );
        eprintln!("skipping the independent signature check: standardwebhooks is not installed");
        return;
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("verified"),
        "the signature does not verify: {stderr}"
    );
}

async fn webhooks_are_set_by_administrators_and_never_reach_internal_addresses(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.token("admin@demo.test").await;
    let manager = app.token("manager@demo.test").await;
    let (url, calls) = receiver(204).await;
    let hotel = app.unit_id("CUN").await;
    let rule = |webhook: &str| {
        json!({"name": "Al sistema de tickets", "unit_id": hotel, "definition": {
            "conditions": [{"kind": "score", "type": "nps", "at_most": 4}], "webhook": webhook}})
    };
    // A manager may write rules for their hotel, but not point one at an address.
    let refused = app
        .api(&manager, Method::POST, "/api/v1/rules", Some(rule(&url)))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let created = app
        .api(&admin, Method::POST, "/api/v1/rules", Some(rule(&url)))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.json()["webhook_secret"].is_string());
    // A second rule to the same endpoint reuses its secret: it is not shown again.
    let again = app
        .api(&admin, Method::POST, "/api/v1/rules", Some(rule(&url)))
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert!(again.json().get("webhook_secret").is_none());

    crate::recover::answer(&app, &admin, "CUN", 2, false).await;
    let now = cumbre_domain::clock::Clock::now(app.clock.as_ref());
    cumbre::scheduler::run_once(&app.store, now)
        .await
        .expect("pass");
    // Without the allow-list, a loopback receiver is an internal address: refused, for good.
    let strict = cumbre_web::recover::notify::Delivery::new(
        None,
        "https://cumbre.example",
        cumbre_web::platform::networks::Networks::default(),
    )
    .expect("delivery");
    cumbre_web::recover::notify::deliver_due(&app.store, &strict, app.clock.as_ref())
        .await
        .expect("deliver");
    assert!(calls.lock().expect("lock").is_empty(), "nothing reached it");
    let failed = app
        .api(
            &admin,
            Method::GET,
            "/api/v1/notifications?status=failed",
            None,
        )
        .await
        .json();
    let items = failed["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{failed}");
    assert!(
        items[0]["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("internal address"),
        "{failed}"
    );
}

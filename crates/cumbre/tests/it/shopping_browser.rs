//! Mystery shopping in a real browser on a phone-sized window: the shopper fills the visit
//! offline, the report is sent once the network returns (exactly once), the reviewer
//! publishes it, the hotel's manager disputes a failure and the reviewer overturns it.

use crate::browser::{free_port, overflow, serve, session, sign_in, wait_for};
use crate::harness::Backend;
use crate::shopping::{fixture, form_items};
use axum::http::Method;
use fantoccini::Locator;
use std::time::Duration;

async fn audits_stored(f: &crate::shopping::Fixture) -> Vec<serde_json::Value> {
    f.app
        .api(&f.admin, Method::GET, "/api/v1/audits", None)
        .await
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_reports_offline_and_a_dispute_is_overturned_on_a_phone() {
    let Some(session) = session("390,844").await else {
        return;
    };
    let c = session.client.clone();
    let f = fixture(Backend::Sqlite).await;
    let (token, assignment, detail) = f.cancun_visit().await;
    let email = if token == f.auditors[0].0 {
        "auditor@demo.test"
    } else {
        "auditor2@demo.test"
    };
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let base = format!("http://{addr}");
    let (stop, server) = serve(f.app.router.clone(), addr).await;

    // The shopper opens the visit from their list and fills it in.
    sign_in(&c, &base, email, "/audits").await;
    c.goto(&format!("{base}/assignments/{assignment}"))
        .await
        .expect("open the visit");
    assert_eq!(overflow(&c).await, None, "the form fits the phone");
    let items = form_items(&detail);
    let critical = items
        .iter()
        .find(|i| i.2 && !i.3)
        .expect("a critical behaviour")
        .0
        .clone();
    for (key, _, _, timed, _) in &items {
        if *timed {
            c.find(Locator::Css(&format!("input[name='measured:{key}']")))
                .await
                .expect("measure")
                .send_keys("2")
                .await
                .expect("type");
            continue;
        }
        let outcome = if *key == critical { "fail" } else { "pass" };
        c.find(Locator::Css(&format!(
            "input[name='outcome:{key}'][value='{outcome}']"
        )))
        .await
        .expect("outcome")
        .click()
        .await
        .expect("tap");
    }
    c.find(Locator::Css(&format!("textarea[name='note:{critical}']")))
        .await
        .expect("note")
        .send_keys("Nadie confirmó la tarifa antes de colgar")
        .await
        .expect("type");
    // A photo of it, from the phone's files: the page scales and re-encodes it.
    let dir = tempfile::tempdir().expect("temp dir");
    let picture = dir.path().join("recepcion.png");
    std::fs::write(&picture, crate::shopping_evidence::png_with_author()).expect("write");
    c.find(Locator::Css(&format!(
        ".photo-field[data-photos='photo:{critical}'] input[type='file']"
    )))
    .await
    .expect("the photo field shows with the script")
    .send_keys(picture.to_str().expect("path"))
    .await
    .expect("attach");

    // The signal is gone when the shopper sends it: it waits on the phone.
    let _ = stop.send(());
    server.await.expect("server stopped");
    c.find(Locator::Css("#audit-form button[type='submit']"))
        .await
        .expect("send")
        .click()
        .await
        .expect("tap");
    let status = c
        .wait()
        .for_element(Locator::Id("offline-status"))
        .await
        .expect("status");
    wait_for("the phone to say it kept the report", || async {
        status
            .text()
            .await
            .is_ok_and(|t| t.contains("Guardado en este teléfono"))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        audits_stored(&f).await.is_empty(),
        "nothing arrives offline"
    );

    // The network returns: the report arrives once and the shopper sees their list.
    let _server = serve(f.app.router.clone(), addr).await;
    wait_for("the report to arrive", || async {
        audits_stored(&f).await.len() == 1
    })
    .await;
    wait_for("the shopper's list", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.path() == "/audits" && u.query() == Some("ok=submitted"))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let stored = audits_stored(&f).await;
    assert_eq!(stored.len(), 1, "sent exactly once");
    let id = stored[0]["id"].as_i64().expect("id");
    // The photo travelled with it, as the JPEG the page made: no author, no street.
    let audit = f
        .app
        .api(&f.admin, Method::GET, &format!("/api/v1/audits/{id}"), None)
        .await
        .json();
    let item = audit["items"]
        .as_array()
        .and_then(|l| l.iter().find(|i| i["key"] == serde_json::json!(critical)))
        .expect("the failed item");
    let photos = item["photos"].as_array().expect("photos");
    assert_eq!(photos.len(), 1, "{item}");
    let image = f
        .app
        .api(
            &f.admin,
            Method::GET,
            &format!("/api/v1/audits/{id}/photos/{}", photos[0]),
            None,
        )
        .await;
    assert_eq!(image.headers["content-type"], "image/jpeg");
    assert!(!image.body.contains("Calle Secreta"));

    // The reviewer publishes it.
    c.delete_all_cookies().await.expect("sign out");
    sign_in(&c, &base, "ceo@demo.test", "/audits").await;
    c.goto(&format!("{base}/audits/{id}")).await.expect("open");
    c.find(Locator::Css("#review-form button"))
        .await
        .expect("review")
        .click()
        .await
        .expect("publish");
    wait_for("the publication", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.query() == Some("ok=published"))
    })
    .await;

    // The hotel's manager disputes the failure from the phone.
    c.delete_all_cookies().await.expect("sign out");
    sign_in(&c, &base, "manager@demo.test", "/audits").await;
    assert!(
        c.source()
            .await
            .expect("page")
            .contains(&format!("/audits/{id}")),
        "the manager sees the published audit"
    );
    c.goto(&format!("{base}/audits/{id}")).await.expect("open");
    assert_eq!(overflow(&c).await, None, "the audit fits the phone");
    c.find(Locator::Css(&format!(
        "input[name='item'][value='{critical}']"
    )))
    .await
    .expect("dispute box")
    .click()
    .await
    .expect("tick");
    c.find(Locator::Css(&format!("textarea[name='reason:{critical}']")))
        .await
        .expect("reason")
        .send_keys("La grabación de la llamada muestra que se confirmó")
        .await
        .expect("type");
    c.find(Locator::Css("#dispute-form > button[type='submit']"))
        .await
        .expect("send")
        .click()
        .await
        .expect("tap");
    wait_for("the dispute", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.query() == Some("ok=disputed"))
    })
    .await;

    // The reviewer overturns it; the score counts the item as passed.
    c.delete_all_cookies().await.expect("sign out");
    sign_in(&c, &base, "ceo@demo.test", "/audits").await;
    c.goto(&format!("{base}/audits/{id}")).await.expect("open");
    c.find(Locator::Css("input[name='decision'][value='overturned']"))
        .await
        .expect("overturn")
        .click()
        .await
        .expect("tap");
    c.find(Locator::Css(
        "section[id^='decide-'] textarea[name='reason']",
    ))
    .await
    .expect("reason")
    .send_keys("La grabación lo confirma")
    .await
    .expect("type");
    c.find(Locator::Css("section[id^='decide-'] button"))
        .await
        .expect("decide")
        .click()
        .await
        .expect("tap");
    wait_for("the decision", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.query() == Some("ok=decided"))
    })
    .await;
    let page = c.source().await.expect("page");
    assert!(page.contains("Anulado: cuenta como cumplido"), "{page}");
    let after = audits_stored(&f).await;
    assert_eq!(after[0]["critical_failures"], 0);
    assert_ne!(after[0]["earned"], after[0]["original_earned"]);
    c.close().await.expect("close");
}

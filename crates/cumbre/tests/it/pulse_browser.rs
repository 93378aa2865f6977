//! An employee answers a pulse from their invitation in a real browser on a phone: the page
//! says what is kept before the first question, passes axe-core, fits 390 px, takes the
//! answer once and says so when the link is opened again.

use crate::browser::{free_port, overflow, serve, session};
use crate::harness::{Backend, TestApp};
use crate::smtp::SmtpSink;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_answers_a_pulse_on_a_phone() {
    let Some(session) = session("390,844").await else {
        return;
    };
    let Some(axe) = crate::walkthrough::axe_source() else {
        return;
    };
    let c = session.client.clone();
    let app = TestApp::demo(Backend::Sqlite).await;
    let sink = SmtpSink::start().await;
    let (_, links) = crate::pulse::open_pulse(&app, &sink).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let _server = serve(app.router.clone(), addr).await;
    let url = format!("http://{addr}/p/{}", links[0]);
    c.goto(&url).await.expect("open");
    let privacy = c
        .find(Locator::Id("pulse-privacy"))
        .await
        .expect("what is kept")
        .text()
        .await
        .expect("text");
    assert!(
        privacy.contains("anónimo") && privacy.contains("5"),
        "{privacy}"
    );
    let mut problems = Vec::new();
    if let Some(why) = overflow(&c).await {
        problems.push(format!("the pulse scrolls sideways at 390 px by {why}"));
    }
    problems.extend(crate::walkthrough::violations(&c, &axe).await);
    for (name, value) in [
        ("enps", "8"),
        ("tools", "4"),
        ("leader", "5"),
        ("recognition", "3"),
        ("voice", "2"),
    ] {
        c.find(Locator::Css(&format!(
            "input[name='{name}'][value='{value}']"
        )))
        .await
        .expect("an option")
        .click()
        .await
        .expect("tap");
    }
    c.find(Locator::Id("comment"))
        .await
        .expect("comment")
        .send_keys("Más manos los fines de semana")
        .await
        .expect("type");
    c.find(Locator::Css("form button[type='submit']"))
        .await
        .expect("send")
        .click()
        .await
        .expect("tap");
    c.wait()
        .for_element(Locator::Id("pulse-done"))
        .await
        .expect("thanked");
    problems.extend(crate::walkthrough::violations(&c, &axe).await);
    // Opened again, the link says it has been answered.
    c.goto(&url).await.expect("open again");
    c.wait()
        .for_element(Locator::Id("pulse-answered"))
        .await
        .expect("answered once");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    c.close().await.expect("close");
}

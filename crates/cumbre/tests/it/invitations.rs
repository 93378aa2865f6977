//! E-mail invitations against a real SMTP listener: sent once, answered once, reminders,
//! bounces and unsubscribes honoured forever.

use crate::harness::{Backend, Browser, Reply, TestApp, both};
use crate::smtp::SmtpSink;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use cumbre_web::platform::mail::{Mailer, send_due};

both!(
    invitations_go_out_once_are_answered_once_and_unsubscribes_last_forever,
    a_send_interrupted_by_a_crash_is_never_repeated,
    each_invitation_has_its_own_submission_budget,
    bounce_reports_mark_the_invitation_and_stop_its_reminder,
);

const HEADER: &str = "name,email,language,unit,touchpoint,visit_date\n";
const BASE: &str = "https://encuestas.sierraazul.example";

/// Uploads `csv` as the survey page's invitation form does (`reminder`: days, or empty).
pub(crate) async fn upload(
    app: &TestApp,
    b: &Browser,
    survey: i64,
    csv: &str,
    reminder: &str,
) -> Reply {
    let boundary = "invitationsboundary";
    let mut body = String::new();
    for (name, value) in [("csrf", b.csrf.as_str()), ("reminder_days", reminder)] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"));
    let req = Request::post(format!("/surveys/{survey}/invitations"))
        .header(header::COOKIE, &b.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

async fn nps_survey(app: &TestApp) -> i64 {
    let scope = cumbre_domain::access::Scope::Tenant(app.tenant);
    app.store
        .list_surveys(&scope)
        .await
        .expect("surveys")
        .into_iter()
        .find(|s| s.name.contains("NPS"))
        .expect("survey")
        .id
}

fn token_in(mail: &crate::smtp::Mail, prefix: &str) -> String {
    let text = mail.text();
    let start = text
        .find(&format!("{BASE}{prefix}"))
        .expect("a personal link")
        + BASE.len()
        + prefix.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

async fn send(app: &TestApp, mailer: &Mailer) -> usize {
    send_due(&app.store, mailer, app.clock.as_ref(), BASE)
        .await
        .expect("job runs")
}

async fn invitations_go_out_once_are_answered_once_and_unsubscribes_last_forever(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let sink = SmtpSink::start().await;
    let mailer = Mailer::new(
        &sink.url(),
        "Hoteles Sierra Azul <encuestas@sierraazul.example>",
    )
    .expect("mailer");
    let manager = app.login("manager@demo.test").await;
    let survey = nps_survey(&app).await;

    let bad = upload(&app, &manager, survey, &format!("{HEADER}Ana,ana@,es,CUN,Después de la estancia,\nOtro,o@x.mx,es,PDC,Después de la estancia,\n"), "2").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("línea 2") && bad.body.contains("línea 3"),
        "{}",
        bad.body
    );
    let csv = format!(
        "{HEADER}Ana López,ana@huesped.example,es,CUN,Después de la estancia,2026-11-20\nBob Smith,bob@guest.example,en,CUN-REC,After the stay,\nRebote,bounce@guest.example,es,CUN,After the stay,\n"
    );
    let queued = upload(&app, &manager, survey, &csv, "2").await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER, "{}", queued.body);
    let confirmation = app.get(Some(&manager), queued.location()).await;
    assert!(
        confirmation.body.contains("Invitaciones en cola"),
        "the page confirms the upload"
    );

    assert_eq!(
        send(&app, &mailer).await,
        2,
        "two accepted, one refused by the server"
    );
    assert_eq!(send(&app, &mailer).await, 0, "never twice");
    let mails = sink.mails();
    assert_eq!(mails.len(), 2);
    let ana = mails
        .iter()
        .find(|m| m.to == ["ana@huesped.example"])
        .expect("Ana's invitation");
    let bob = mails
        .iter()
        .find(|m| m.to == ["bob@guest.example"])
        .expect("Bob's invitation");
    assert!(
        ana.text()
            .contains("Gracias por visitarnos en Sierra Azul Canc")
            && ana
                .text()
                .contains("List-Unsubscribe: <https://encuestas.sierraazul.example/u/")
    );
    assert!(bob.text().contains("Thank you for visiting us at"));
    let ana_token = token_in(ana, "/s/");
    assert_eq!(token_in(ana, "/u/"), ana_token);

    // Ana answers in Spanish; her invitation takes exactly one response.
    let page = app.get(None, &format!("/s/{ana_token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("¿Qué tan probable es que nos recomiende")
    );
    let answer = [("q.nps", "9"), ("q.best", "Todo excelente"), ("lang", "es")];
    assert_eq!(
        app.post_raw(None, &format!("/s/{ana_token}"), &answer)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let again = app
        .post_raw(None, &format!("/s/{ana_token}"), &answer)
        .await;
    assert!(
        again.body.contains("Esta invitación ya fue respondida"),
        "{}",
        again.body
    );
    assert!(
        app.get(None, &format!("/s/{ana_token}"))
            .await
            .body
            .contains("ya fue respondida")
    );
    let token = app.token("manager@demo.test").await;
    let stored = app
        .api(&token, Method::GET, "/api/v1/responses?band=promoter", None)
        .await
        .json();
    assert_eq!(stored["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(stored["items"][0]["source"], "invitation");

    // The response rate: two delivered (the refused address bounced), one answered;
    // a sibling hotel's rate is out of the manager's reach.
    let cun = app.unit_id("CUN").await;
    let november = "from=2026-11-01&to=2026-11-30";
    let rate = app
        .api(
            &token,
            Method::GET,
            &format!("/api/v1/metrics/response-rate?unit={cun}&{november}"),
            None,
        )
        .await;
    assert_eq!(rate.status, StatusCode::OK, "{}", rate.body);
    let rate = rate.json();
    assert_eq!(
        (
            &rate["delivered"],
            &rate["answered"],
            &rate["value"],
            &rate["sufficient"]
        ),
        (
            &serde_json::json!(2),
            &serde_json::json!(1),
            &serde_json::json!(50.0),
            &serde_json::json!(false)
        ),
        "{rate}"
    );
    let pdc = app.unit_id("PDC").await;
    let sibling = app
        .api(
            &token,
            Method::GET,
            &format!("/api/v1/metrics/response-rate?unit={pdc}&{november}"),
            None,
        )
        .await;
    assert_eq!(sibling.status, StatusCode::NOT_FOUND);
    let unit_page = app
        .get(
            Some(&manager),
            &format!("/dashboard/units/{cun}?{november}"),
        )
        .await;
    assert!(
        unit_page.body.contains("id=\"response-rate\"") && unit_page.body.contains("1 / 2"),
        "{}",
        unit_page.body
    );

    // Bob unsubscribes: the link asks first, the button acts.
    let bob_token = token_in(bob, "/u/");
    let ask = app.get(None, &format!("/u/{bob_token}")).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(
        ask.body.contains("method=\"post\""),
        "a button, not the link, unsubscribes"
    );
    let done = app.post_raw(None, &format!("/u/{bob_token}"), &[]).await;
    assert!(done.body.contains("id=\"unsubscribed\""), "{}", done.body);

    // Two days later the reminder finds nobody: Ana answered, Bob left.
    app.clock.advance(time::Duration::days(3));
    assert_eq!(send(&app, &mailer).await, 0);
    // Carla, in a new batch, is invited and reminded once; Bob, invited again, is not written to.
    let csv = format!(
        "{HEADER}Carla,carla@guest.example,es,CUN,Después de la estancia,\nBob Smith,bob@guest.example,en,CUN,After the stay,\n"
    );
    let manager = app.login("manager@demo.test").await; // Days later: a new session.
    assert_eq!(
        upload(&app, &manager, survey, &csv, "2").await.status,
        StatusCode::SEE_OTHER
    );
    let batches = app
        .store
        .invitation_batches(&cumbre_domain::access::Scope::Tenant(app.tenant), survey)
        .await
        .expect("batches");
    assert_eq!(batches[0].counts.get("queued"), Some(&1), "{batches:?}");
    assert_eq!(send(&app, &mailer).await, 1);
    app.clock.advance(time::Duration::days(2));
    assert_eq!(send(&app, &mailer).await, 1, "the reminder");
    assert_eq!(send(&app, &mailer).await, 0, "one reminder only");
    let mails = sink.mails();
    let to_carla: Vec<_> = mails
        .iter()
        .filter(|m| m.to == ["carla@guest.example"])
        .collect();
    assert_eq!(to_carla.len(), 2);
    assert!(to_carla[1].text().contains("Le escribimos de nuevo"));
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.to == ["bob@guest.example"])
            .count(),
        1,
        "unsubscribed forever"
    );

    // The survey page shows each batch's statuses, and the batch page each recipient.
    let manager = app.login("manager@demo.test").await;
    let page = app
        .get(Some(&manager), &format!("/surveys/{survey}"))
        .await
        .body;
    assert!(
        page.contains("respondida: 1")
            && page.contains("rebotada: 1")
            && page.contains("dada de baja: 1"),
        "{page}"
    );
    let batch = page
        .split(&format!("/surveys/{survey}/invitations/"))
        .nth(2)
        .and_then(|s| s.split('"').next())
        .expect("batch link")
        .to_owned();
    let recipients = app
        .get(
            Some(&manager),
            &format!("/surveys/{survey}/invitations/{batch}"),
        )
        .await
        .body;
    assert!(
        recipients.contains("ana@huesped.example") && recipients.contains("550"),
        "the bounce reason is shown"
    );
    // A manager elsewhere sees none of it.
    let other = app.login("supervisor@demo.test").await;
    assert!(
        !app.get(Some(&other), &format!("/surveys/{survey}"))
            .await
            .body
            .contains("ana@huesped.example")
    );
}

async fn a_send_interrupted_by_a_crash_is_never_repeated(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let sink = SmtpSink::start().await;
    let mailer = Mailer::new(&sink.url(), "encuestas@sierraazul.example").expect("mailer");
    let manager = app.login("manager@demo.test").await;
    let survey = nps_survey(&app).await;
    upload(
        &app,
        &manager,
        survey,
        &format!("{HEADER}Dana,dana@guest.example,es,CUN,Después de la estancia,\n"),
        "",
    )
    .await;
    // The job claims the invitation, then the process dies before the SMTP call returns.
    let claimed = app
        .store
        .claim_due_invitations(app.clock_now(), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        send(&app, &mailer).await,
        0,
        "a claimed invitation is not sent by another run"
    );
    app.clock.advance(time::Duration::minutes(11));
    assert_eq!(
        send(&app, &mailer).await,
        0,
        "after a restart the claim counts as sent: at most once"
    );
    assert!(sink.mails().is_empty());
}

/// A front desk's shared connection answers many invitations; each has its own rate budget
/// (they once shared one, so the 21st guest on the same network was refused).
async fn each_invitation_has_its_own_submission_budget(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let sink = SmtpSink::start().await;
    let mailer = Mailer::new(&sink.url(), "encuestas@sierraazul.example").expect("mailer");
    let manager = app.login("manager@demo.test").await;
    let survey = nps_survey(&app).await;
    let rows: String = (0..25)
        .map(|i| format!("Huésped {i},h{i}@guest.example,es,CUN,Después de la estancia,\n"))
        .collect();
    assert_eq!(
        upload(&app, &manager, survey, &format!("{HEADER}{rows}"), "")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(send(&app, &mailer).await, 25);
    for mail in sink.mails() {
        let token = token_in(&mail, "/s/");
        let reply = app
            .post_raw(None, &format!("/s/{token}"), &[("q.nps", "10")])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{:?}", mail.to);
    }
}

/// A bounce report as Postfix returns it, for `to`, with the returned headers of `mail`.
fn bounce_report(to: &str, returned: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.sierraazul.example\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.sierraazul.example\r\n\r\n\
         Final-Recipient: rfc822; {to}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n\
         --B\r\nContent-Type: text/rfc822-headers\r\n\r\n{returned}\r\n--B--\r\n"
    )
}

async fn bounce_reports_mark_the_invitation_and_stop_its_reminder(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let sink = SmtpSink::start().await;
    let mailer = Mailer::new(&sink.url(), "encuestas@sierraazul.example").expect("mailer");
    let manager = app.login("manager@demo.test").await;
    let survey = nps_survey(&app).await;
    let csv = format!(
        "{HEADER}Ana,ana@huesped.example,es,CUN,Después de la estancia,\nDora,dora@guest.example,es,CUN,Después de la estancia,\n"
    );
    assert_eq!(
        upload(&app, &manager, survey, &csv, "2").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(send(&app, &mailer).await, 2);
    let mails = sink.mails();
    let ana = mails
        .iter()
        .find(|m| m.to == ["ana@huesped.example"])
        .expect("Ana's invitation")
        .text();
    // The mail names its invitation; the report returns the original headers.
    let returned: String = ana
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    assert!(returned.contains("X-Cumbre-Invitation: "), "{returned}");

    let admin = app.token("admin@demo.test").await;
    let post = |token: String, body: String| {
        let app = &app;
        async move {
            let req = Request::post("/api/v1/invitations/bounces")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "message/rfc822")
                .header(header::ACCEPT_LANGUAGE, "es")
                .body(Body::from(body))
                .expect("request");
            app.send(req).await
        }
    };
    // Not a report: refused, nothing changes. Not an administrator: refused.
    let ordinary = post(
        admin.clone(),
        "Subject: Re: encuesta\r\n\r\n¡Gracias!\r\n".into(),
    )
    .await;
    assert_eq!(ordinary.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        ordinary.body.contains("Final-Recipient"),
        "{}",
        ordinary.body
    );
    let token = app.token("manager@demo.test").await;
    assert_eq!(
        post(token, bounce_report("ana@huesped.example", &returned))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A report for someone never invited matches nothing.
    let stranger = post(admin.clone(), bounce_report("nadie@example.com", "")).await;
    assert_eq!(stranger.status, StatusCode::OK, "{}", stranger.body);
    assert_eq!(
        stranger.json()["unmatched"],
        serde_json::json!(["nadie@example.com"])
    );

    let reply = post(
        admin.clone(),
        bounce_report("Ana@Huesped.example", &returned),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["bounced"].as_array().map(Vec::len), Some(1));
    // Reported twice (mail servers retry): still one bounce, nothing else touched.
    let again = post(admin, bounce_report("ana@huesped.example", &returned)).await;
    assert_eq!(again.json()["bounced"], serde_json::json!([]));
    let batches = app
        .store
        .invitation_batches(&cumbre_domain::access::Scope::Tenant(app.tenant), survey)
        .await
        .expect("batches");
    assert_eq!(batches[0].counts.get("bounced"), Some(&1), "{batches:?}");
    assert_eq!(batches[0].counts.get("sent"), Some(&1), "{batches:?}");

    // Two days on, only Dora is reminded.
    app.clock.advance(time::Duration::days(2));
    assert_eq!(send(&app, &mailer).await, 1);
    let reminded: Vec<_> = sink.mails().into_iter().skip(2).map(|m| m.to).collect();
    assert_eq!(reminded, [["dora@guest.example"]]);
}

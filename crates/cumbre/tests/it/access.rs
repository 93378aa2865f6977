//! Sign-in, sessions, CSRF, throttling, passwords, API tokens and language.

use crate::harness::{Backend, PASSWORD, TestApp, both, hidden_csrf};
use axum::http::{Method, StatusCode, header};

both!(
    sign_in_accepts_any_email_case_and_rejects_wrong_password,
    sign_in_is_throttled_after_five_failures,
    forms_without_the_csrf_token_change_nothing,
    sign_out_ends_the_session,
    password_change_needs_the_current_password_and_signs_out_other_sessions,
    api_tokens_are_shown_once_work_and_can_be_revoked,
    deactivated_user_can_no_longer_sign_in_or_use_tokens,
    language_follows_user_setting_then_browser,
);

async fn sign_in_accepts_any_email_case_and_rejects_wrong_password(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let ok = app.try_login("  Manager@Demo.TEST ", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let cookie = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .find(|c| c.starts_with("cumbre_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let wrong = app.try_login("manager@demo.test", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("El e-mail o la contraseña no son correctos"),
        "Spanish by default"
    );
    let unknown = app.try_login("nobody@demo.test", PASSWORD).await;
    assert_eq!(
        unknown.status,
        StatusCode::UNAUTHORIZED,
        "unknown e-mails look the same as wrong passwords"
    );
}

async fn sign_in_is_throttled_after_five_failures(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let guesser = Some("203.0.113.9");
    for _ in 0..5 {
        assert_eq!(
            app.try_login_from(guesser, "ceo@demo.test", "guess-guess")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = app.try_login_from(guesser, "ceo@demo.test", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the client that guessed waits, even with the right password"
    );
    assert!(locked.headers.contains_key(header::RETRY_AFTER));
    assert!(locked.body.contains("Demasiados intentos"));
    // The owner, on a device that has not failed, is not locked out by a stranger.
    assert_eq!(
        app.try_login_from(Some("198.51.100.4"), "ceo@demo.test", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // A client that fails across many accounts is stopped for all of them.
    let sprayer = Some("192.0.2.77");
    let mut refused = None;
    for i in 0..30 {
        let reply = app
            .try_login_from(sprayer, &format!("user{i}@demo.test"), "guess-guess")
            .await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(i);
            break;
        }
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(refused, Some(20), "twenty failures per client and window");
    assert_eq!(
        app.try_login_from(sprayer, "admin@demo.test", PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Other clients and accounts are unaffected, and the locks lift after the window.
    assert_eq!(
        app.try_login_from(Some("198.51.100.5"), "admin@demo.test", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.clock.advance(time::Duration::minutes(16));
    assert_eq!(
        app.try_login_from(guesser, "ceo@demo.test", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

async fn forms_without_the_csrf_token_change_nothing(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let admin = app.login("admin@demo.test").await;
    let before = app.get(Some(&admin), "/org").await.body;
    let parent = app.unit_id("CUN").await.to_string();
    let fields = [
        ("name", "Unidad fantasma"),
        ("kind", "team"),
        ("parent_id", parent.as_str()),
    ];
    let missing = app.post_raw(Some(&admin), "/org/units", &fields).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let mut forged = vec![("csrf", "0000")];
    forged.extend_from_slice(&fields);
    assert_eq!(
        app.post_raw(Some(&admin), "/org/units", &forged)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(Some(&admin), "/org").await.body, before);
    // The sign-in form is protected too.
    let login = app
        .post_raw(
            None,
            "/login",
            &[("email", "admin@demo.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
}

async fn sign_out_ends_the_session(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let b = app.login("manager@demo.test").await;
    assert_eq!(app.get(Some(&b), "/org").await.status, StatusCode::OK);
    let out = app.post(&b, "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = app.get(Some(&b), "/org").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(
        after.location().starts_with("/login?next="),
        "{}",
        after.location()
    );
}

async fn password_change_needs_the_current_password_and_signs_out_other_sessions(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let here = app.login("supervisor@demo.test").await;
    let elsewhere = app.login("supervisor@demo.test").await;
    let wrong = app
        .post(
            &here,
            "/profile/password",
            &[
                ("current", "nope-nope-nope"),
                ("new", "una-clave-nueva"),
                ("confirm", "una-clave-nueva"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("La contraseña actual no es correcta"));
    let short = app
        .post(
            &here,
            "/profile/password",
            &[
                ("current", PASSWORD),
                ("new", "corta"),
                ("confirm", "corta"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.try_login("supervisor@demo.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "nothing changed yet"
    );

    let ok = app
        .post(
            &here,
            "/profile/password",
            &[
                ("current", PASSWORD),
                ("new", "una-clave-nueva"),
                ("confirm", "una-clave-nueva"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(Some(&here), "/profile").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        app.get(Some(&elsewhere), "/profile").await.status,
        StatusCode::SEE_OTHER,
        "other sessions end"
    );
    assert_eq!(
        app.try_login("supervisor@demo.test", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.login_with("supervisor@demo.test", "una-clave-nueva")
        .await;
}

async fn api_tokens_are_shown_once_work_and_can_be_revoked(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let token = app.token("regional@demo.test").await;
    assert!(token.starts_with("cumbre_") && token.len() > 40, "{token}");
    let me = app.api(&token, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], "regional@demo.test");
    assert_eq!(me.json()["role"], "manager");

    let b = app.login("regional@demo.test").await;
    let list = app.get(Some(&b), "/tokens").await.body;
    assert!(
        !list.contains(&token),
        "the token list never shows the secret again"
    );
    let id = list
        .split("/tokens/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("a revoke form")
        .to_owned();
    assert_eq!(
        app.post(&b, &format!("/tokens/{id}/revoke"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let revoked = app.api(&token, Method::GET, "/api/v1/me", None).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(revoked.json()["error"], "unauthorized");
    let message = revoked.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("token") && !message.contains("contraseña"),
        "a revoked token is told so, not about passwords: {message}"
    );
    assert_eq!(
        app.api("cumbre_forged", Method::GET, "/api/v1/units", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Someone else cannot revoke my token.
    let mine = app.token("manager@demo.test").await;
    let other = app.login("supervisor@demo.test").await;
    let b2 = app.login("manager@demo.test").await;
    let my_list = app.get(Some(&b2), "/tokens").await.body;
    let my_id = my_list
        .split("/tokens/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("revoke form")
        .to_owned();
    assert_eq!(
        app.post(&other, &format!("/tokens/{my_id}/revoke"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(&mine, Method::GET, "/api/v1/me", None).await.status,
        StatusCode::OK
    );
}

async fn deactivated_user_can_no_longer_sign_in_or_use_tokens(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let token = app.token("employee@demo.test").await;
    let session = app.login("employee@demo.test").await;
    let admin = app.login("admin@demo.test").await;
    let users = app.get(Some(&admin), "/admin/users").await.body;
    let id = users
        .split("/admin/users/")
        .skip(1)
        .find(|s| s.contains("employee@demo.test"))
        .and_then(|s| s.split('"').next())
        .expect("user row")
        .to_owned();
    let reply = app
        .post(
            &admin,
            &format!("/admin/users/{id}"),
            &[
                ("role", "employee"),
                ("person_id", ""),
                ("scope_unit_id", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        app.try_login("employee@demo.test", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(Some(&session), "/profile").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.api(&token, Method::GET, "/api/v1/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // An administrator cannot lock themselves out.
    let me = users
        .split("/admin/users/")
        .skip(1)
        .find(|s| s.contains("admin@demo.test"))
        .and_then(|s| s.split('"').next())
        .expect("own row")
        .to_owned();
    let own = app
        .post(
            &admin,
            &format!("/admin/users/{me}"),
            &[("role", "employee"), ("active", "1")],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn language_follows_user_setting_then_browser(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let b = app.login("ceo@demo.test").await;
    let req = |lang: &str| {
        axum::http::Request::get("/org")
            .header("cookie", &b.cookie)
            .header("accept-language", lang)
            .body(axum::body::Body::empty())
            .expect("request")
    };
    assert!(
        app.send(req("en-US,en;q=0.9"))
            .await
            .body
            .contains("<h1>Organisation</h1>")
    );
    assert!(
        app.send(req("es-MX"))
            .await
            .body
            .contains("<h1>Organización</h1>")
    );
    assert_eq!(
        app.post(&b, "/profile/language", &[("locale", "es")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        app.send(req("en-US"))
            .await
            .body
            .contains("<h1>Organización</h1>"),
        "the setting wins"
    );
    let bad = app.post(&b, "/profile/language", &[("locale", "fr")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(hidden_csrf(&app.get(Some(&b), "/profile").await.body).is_some());
}

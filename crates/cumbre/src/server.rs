//! Running the web server: logging, the app state, graceful shutdown.

use crate::config::Config;
use anyhow::Context;
use cumbre_domain::clock::SystemClock;
use cumbre_store::Store;
use cumbre_web::{AppState, WebConfig, router};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Logs go to stderr, as text or JSON lines; `RUST_LOG` sets the level.
pub fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colour only on a terminal: log files and pipes get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    // A second init (tests, or `demo` calling `serve`) is harmless: keep the first.
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub fn app_state(store: Store, config: &Config) -> anyhow::Result<AppState> {
    let limits = cumbre_web::platform::auth::limits::Limits::for_store(&store);
    app_state_with_limits(store, config, limits)
}

/// [`app_state`] with other limits (the benchmarks lift them).
pub fn app_state_with_limits(
    store: Store,
    config: &Config,
    limits: cumbre_web::platform::auth::limits::Limits,
) -> anyhow::Result<AppState> {
    let trusted_proxies = cumbre_web::platform::networks::Networks::parse(&config.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("configuration trusted_proxies: {e}"))?;
    Ok(AppState::with_limits(
        store,
        Arc::new(SystemClock),
        WebConfig {
            secure_cookies: config.secure_cookies,
            session_hours: config.session_hours,
            public_url: config.public_url.clone(),
            mail_enabled: config.smtp_url.is_some(),
            trusted_proxies,
        },
        limits,
    ))
}

/// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests and closes the pool.
pub async fn serve(store: Store, config: &Config, listener: TcpListener) -> anyhow::Result<()> {
    let state = app_state(store.clone(), config)?;
    let app = router(state.clone());
    let base = config.public_url.clone().unwrap_or_else(|| {
        format!(
            "http://{}",
            listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default()
        )
    });
    let mailer = match &config.smtp_url {
        Some(url) => Some(cumbre_web::platform::mail::Mailer::new(
            url,
            &config.mail_from,
        )?),
        None => None,
    };
    // Guests' links are built from the configured address only: without one, invitations
    // wait in the queue rather than go out with links to wherever this process listens.
    match (&mailer, &config.smtp_url, &config.public_url) {
        (Some(mailer), Some(url), Some(public)) => {
            cumbre_web::platform::mail::spawn_invitation_job(
                store.clone(),
                mailer.clone(),
                state.clock.clone(),
                public.trim_end_matches('/').to_owned(),
            );
            tracing::info!(smtp = %cumbre_store::redact(url), "invitation job started");
        }
        (Some(_), Some(_), None) => {
            tracing::warn!(
                "invitations wait in the queue: set public_url (CUMBRE_PUBLIC_URL) so their links reach guests"
            );
        }
        _ => {}
    }
    let delivery =
        cumbre_web::recover::notify::Delivery::new(mailer, &base, config.webhook_allow()?)?;
    crate::scheduler::spawn(
        store.clone(),
        delivery,
        state.clock.clone(),
        Duration::from_secs(2),
    );
    tracing::info!(addr = %listener.local_addr()?, "serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("server failed")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

pub async fn bind(addr: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

use crate::platform::auth::limits::Limits;
use crate::platform::networks::Networks;
use cumbre_domain::clock::Clock;
use cumbre_store::Store;
use std::sync::Arc;

/// Settings the web layer needs from the configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure`; on when served over HTTPS (behind a proxy), off for plain
    /// loopback HTTP such as the demo.
    pub secure_cookies: bool,
    /// How long a sign-in lasts.
    pub session_hours: i64,
    /// The address customers reach, for survey links and QR codes (`https://cumbre.example`).
    /// Without it, links use the Host the request came to.
    pub public_url: Option<String>,
    /// Whether an SMTP server is configured (invitations are sent only then).
    pub mail_enabled: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none: the peer is).
    pub trusted_proxies: Networks,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_hours: 12,
            public_url: None,
            mail_enabled: false,
            trusted_proxies: Networks::default(),
        }
    }
}

/// Everything a handler may use; no globals. axum clones the state for every extractor
/// and middleware of every request, so it is one shared pointer, not a bundle of them.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: WebConfig,
    /// Sign-in throttles and submission budgets (see `auth::limits`).
    pub limits: Limits,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The absolute base for public links (QR codes, cards, e-mails): the configured public
    /// URL only. A request's `Host` header is the caller's to choose, so links are never
    /// built from it.
    pub fn public_base(&self) -> Result<String, crate::AppError> {
        match &self.config.public_url {
            Some(url) if !url.trim().is_empty() => Ok(url.trim().trim_end_matches('/').to_owned()),
            _ => Err(cumbre_domain::InvalidInput::NoPublicUrl.into()),
        }
    }

    pub fn new(store: Store, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        let limits = Limits::for_store(&store);
        Self::with_limits(store, clock, config, limits)
    }

    /// With other limits than the store's (`Limits::Unlimited` for a benchmark).
    pub fn with_limits(
        store: Store,
        clock: Arc<dyn Clock>,
        config: WebConfig,
        limits: Limits,
    ) -> Self {
        Self(Arc::new(Shared {
            store,
            clock,
            config,
            limits,
        }))
    }
}

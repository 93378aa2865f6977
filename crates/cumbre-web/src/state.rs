use crate::auth::throttle::Throttle;
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
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_hours: 12,
        }
    }
}

/// Everything a handler may use; no globals.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<WebConfig>,
    pub throttle: Arc<Throttle>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        Self {
            store,
            clock,
            config: Arc::new(config),
            throttle: Arc::new(Throttle::default()),
        }
    }
}

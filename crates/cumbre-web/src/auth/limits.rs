//! Request-rate limits for public endpoints (survey submissions): fixed windows counted in
//! memory per key. One process serves an installation, so memory is the right place; a
//! restart forgets the counts, which errs toward accepting answers.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

#[derive(Debug, Default)]
pub struct RateLimits {
    windows: Mutex<HashMap<String, (OffsetDateTime, u32)>>,
}

impl RateLimits {
    /// Counts one hit on `key`; `Err(seconds to wait)` when more than `max` fell in the window.
    pub fn hit(
        &self,
        key: &str,
        max: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<(), u64> {
        let Ok(mut map) = self.windows.lock() else {
            return Ok(());
        };
        if map.len() > 50_000 {
            map.retain(|_, (start, _)| now < *start + Duration::hours(1));
        }
        let entry = map.entry(key.to_owned()).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        if entry.1 >= max {
            return Err((entry.0 + window - now).whole_seconds().max(1) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The client's address when the server runs with connection info (always, in `serve`);
/// `None` in in-process tests.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_then_reset() {
        let limits = RateLimits::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        for _ in 0..3 {
            assert!(limits.hit("k", 3, Duration::minutes(1), t0).is_ok());
        }
        assert_eq!(
            limits.hit("k", 3, Duration::minutes(1), t0 + Duration::seconds(20)),
            Err(40)
        );
        assert!(limits.hit("other", 3, Duration::minutes(1), t0).is_ok());
        assert!(
            limits
                .hit("k", 3, Duration::minutes(1), t0 + Duration::minutes(1))
                .is_ok()
        );
    }
}

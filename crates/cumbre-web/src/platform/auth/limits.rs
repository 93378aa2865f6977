//! Fixed-window limits (sign-in throttles, survey submission budgets), counted where
//! every serving process sees them: in the database on PostgreSQL, where several servers
//! may share one (see `cumbre_store::access::limits`); in this process's memory on
//! SQLite, where one server serves a database file (the command line never answers
//! requests). Keys are hashed first, so a megabyte of input makes a 64-byte key, and the
//! memory map is bounded.

use crate::platform::auth::secret::token_hash;
use crate::platform::networks::Networks;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use cumbre_store::{Backend, Store};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// Most windows kept in memory; past it, ended windows are dropped, then the oldest.
const MAX_WINDOWS: usize = 100_000;

pub enum Limits {
    Memory(Mutex<HashMap<String, (OffsetDateTime, u32)>>),
    Shared(Store),
    /// Nothing is limited: for `cumbre bench`, whose clients all share one address.
    Unlimited,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limits::Memory(_) => "Limits::Memory",
            Limits::Shared(_) => "Limits::Shared",
            Limits::Unlimited => "Limits::Unlimited",
        })
    }
}

impl Limits {
    /// Shared through the database on PostgreSQL, in memory on SQLite.
    pub fn for_store(store: &Store) -> Self {
        match store.backend() {
            Backend::Postgres => Limits::Shared(store.clone()),
            Backend::Sqlite => Limits::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// Counts one hit on `key`; `Err(seconds to wait)` once more than `max` fell in the
    /// window. A database that cannot count lets the hit through (logged): a limit must
    /// never be the reason an answer is lost.
    pub async fn hit(
        &self,
        key: &str,
        max: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<(), u64> {
        let key = token_hash(key);
        let (started, hits) = match self {
            Limits::Unlimited => return Ok(()),
            Limits::Memory(map) => {
                let Ok(mut map) = map.lock() else {
                    return Ok(());
                };
                if map.len() >= MAX_WINDOWS {
                    map.retain(|_, (start, _)| now < *start + Duration::hours(1));
                    if map.len() >= MAX_WINDOWS {
                        map.clear();
                    }
                }
                let entry = map.entry(key).or_insert((now, 0));
                if now >= entry.0 + window {
                    *entry = (now, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                (entry.0, i64::from(entry.1))
            }
            Limits::Shared(store) => match store.count_hit(&key, window, now).await {
                Ok(w) => (w.started, w.hits),
                Err(e) => {
                    tracing::error!(error = ?e, "rate limit not counted");
                    return Ok(());
                }
            },
        };
        if hits > i64::from(max) {
            return Err((started + window - now).whole_seconds().max(1) as u64);
        }
        Ok(())
    }

    /// The hits on `key` in its current window, without counting one.
    pub async fn peek(&self, key: &str, window: Duration, now: OffsetDateTime) -> u32 {
        let key = token_hash(key);
        match self {
            Limits::Unlimited => 0,
            Limits::Memory(map) => map
                .lock()
                .ok()
                .and_then(|m| m.get(&key).copied())
                .filter(|(start, _)| now < *start + window)
                .map_or(0, |(_, n)| n),
            Limits::Shared(store) => match store.peek_hits(&key, window, now).await {
                Ok(n) => u32::try_from(n).unwrap_or(u32::MAX),
                Err(e) => {
                    tracing::error!(error = ?e, "rate limit not read");
                    0
                }
            },
        }
    }

    /// Starts `key` afresh.
    pub async fn forget(&self, key: &str) {
        let key = token_hash(key);
        match self {
            Limits::Unlimited => {}
            Limits::Memory(map) => {
                if let Ok(mut map) = map.lock() {
                    map.remove(&key);
                }
            }
            Limits::Shared(store) => {
                if let Err(e) = store.forget_hits(&key).await {
                    tracing::error!(error = ?e, "rate limit not reset");
                }
            }
        }
    }
}

/// The client's address: the connection's peer, or — when that peer is a proxy the
/// configuration trusts — the last address before it in `X-Forwarded-For` (or
/// `Forwarded: for=`). `None` in in-process tests, which have no connection.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    pub fn of(parts: &Parts, trusted: &Networks) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let Some(peer) = peer else {
            return ClientAddr(None);
        };
        if !trusted.contains(peer) {
            return ClientAddr(Some(peer));
        }
        // Walk the chain from the nearest hop: the first address no trusted proxy
        // vouches for is the client (earlier entries are whatever the client wrote).
        let mut chain: Vec<IpAddr> = Vec::new();
        for value in parts.headers.get_all("x-forwarded-for") {
            if let Ok(v) = value.to_str() {
                chain.extend(v.split(',').filter_map(|a| parse_addr(a.trim())));
            }
        }
        if chain.is_empty() {
            for value in parts.headers.get_all("forwarded") {
                if let Ok(v) = value.to_str() {
                    chain.extend(v.split([',', ';']).filter_map(|pair| {
                        let (k, v) = pair.trim().split_once('=')?;
                        k.trim()
                            .eq_ignore_ascii_case("for")
                            .then(|| parse_addr(v.trim().trim_matches('"')))?
                    }));
                }
            }
        }
        let client = chain
            .iter()
            .rev()
            .find(|a| !trusted.contains(**a))
            .copied()
            .or(chain.first().copied())
            .unwrap_or(peer);
        ClientAddr(Some(client))
    }
}

/// `203.0.113.7`, `[2001:db8::1]:443`, `203.0.113.7:5000` or `2001:db8::1`.
fn parse_addr(raw: &str) -> Option<IpAddr> {
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = raw.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    raw.strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .and_then(|r| r.parse().ok())
}

impl FromRequestParts<crate::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr::of(parts, &state.config.trusted_proxies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_in_every_form_a_proxy_writes() {
        assert_eq!(parse_addr("203.0.113.7"), "203.0.113.7".parse().ok());
        assert_eq!(parse_addr("203.0.113.7:5000"), "203.0.113.7".parse().ok());
        assert_eq!(parse_addr("[2001:db8::1]:443"), "2001:db8::1".parse().ok());
        assert_eq!(parse_addr("2001:db8::1"), "2001:db8::1".parse().ok());
        assert_eq!(parse_addr("unknown"), None);
    }
}

//! Sign-in throttling, by client and by account, without letting a stranger lock a real
//! person out:
//! - a client (address) with [`CLIENT_FAILURES`] failed sign-ins in the window, for any
//!   accounts, is refused until the window ends;
//! - an account with [`ACCOUNT_FAILURES`] failures in the window refuses further tries
//!   from clients that failed on it, while a client that has not failed on it may still
//!   try (the account's owner on their own device signs in; a guesser gets one try per
//!   address per window).
//!
//! A refused attempt is answered before the password is checked, so it costs far less
//! than an argon2 run. The counters are [`Limits`] (shared between servers on
//! PostgreSQL); their keys are hashes, so any input makes a bounded key.

use crate::platform::auth::limits::Limits;
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};

pub const WINDOW: Duration = Duration::minutes(15);
pub const CLIENT_FAILURES: u32 = 20;
pub const ACCOUNT_FAILURES: u32 = 5;

fn client_key(client: Option<IpAddr>) -> String {
    format!(
        "signin:client:{}",
        client.map_or_else(|| "unknown".to_owned(), |c| c.to_string())
    )
}

fn account_key(email: &str) -> String {
    format!("signin:account:{email}")
}

fn pair_key(email: &str, client: Option<IpAddr>) -> String {
    format!("signin:pair:{email}:{}", client_key(client))
}

/// `Some(seconds to wait)` when this attempt is refused without checking the password.
/// `email` is the normalised address typed (any text; it is hashed).
pub async fn refused(
    limits: &Limits,
    client: Option<IpAddr>,
    email: &str,
    now: OffsetDateTime,
) -> Option<u64> {
    let wait = WINDOW.whole_seconds() as u64;
    if limits.peek(&client_key(client), WINDOW, now).await >= CLIENT_FAILURES {
        return Some(wait);
    }
    let locked = limits.peek(&account_key(email), WINDOW, now).await >= ACCOUNT_FAILURES;
    if locked && limits.peek(&pair_key(email, client), WINDOW, now).await > 0 {
        return Some(wait);
    }
    None
}

pub async fn failed(limits: &Limits, client: Option<IpAddr>, email: &str, now: OffsetDateTime) {
    for key in [
        client_key(client),
        account_key(email),
        pair_key(email, client),
    ] {
        // The counts only matter against the thresholds above; a hit past `u32::MAX`
        // allowed is still counted.
        let _ = limits.hit(&key, u32::MAX, WINDOW, now).await;
    }
}

/// The right password: this client's and the account's failures are forgotten.
pub async fn succeeded(limits: &Limits, client: Option<IpAddr>, email: &str) {
    limits.forget(&account_key(email)).await;
    limits.forget(&pair_key(email, client)).await;
}

//! Sign-in throttling: after `MAX_FAILURES` failed attempts for one e-mail within the
//! window, further attempts are refused until the window ends. In memory: one process
//! serves an installation; a restart forgets, which errs toward letting people in.

use std::collections::HashMap;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

pub const MAX_FAILURES: u32 = 5;
pub const WINDOW: Duration = Duration::minutes(15);

#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, OffsetDateTime)>>,
}

impl Throttle {
    /// `Some(seconds to wait)` when `key` is locked out at `now`.
    pub fn locked(&self, key: &str, now: OffsetDateTime) -> Option<u64> {
        let map = self.failures.lock().ok()?;
        let (count, since) = map.get(key)?;
        let until = *since + WINDOW;
        (*count >= MAX_FAILURES && now < until).then(|| (until - now).whole_seconds().max(1) as u64)
    }

    pub fn fail(&self, key: &str, now: OffsetDateTime) {
        if let Ok(mut map) = self.failures.lock() {
            // Keep the map small: forget windows that have ended.
            if map.len() > 10_000 {
                map.retain(|_, (_, since)| now < *since + WINDOW);
            }
            let entry = map.entry(key.to_owned()).or_insert((0, now));
            if now >= entry.1 + WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    pub fn succeed(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_five_failures_until_the_window_ends() {
        let t = Throttle::default();
        let start = OffsetDateTime::UNIX_EPOCH;
        for i in 0..MAX_FAILURES {
            assert_eq!(t.locked("a@x.mx", start), None, "attempt {i}");
            t.fail("a@x.mx", start);
        }
        assert_eq!(t.locked("a@x.mx", start), Some(900));
        assert_eq!(t.locked("b@x.mx", start), None);
        assert_eq!(t.locked("a@x.mx", start + WINDOW), None);
    }
}

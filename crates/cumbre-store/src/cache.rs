//! A short-lived cache of the reads every API request repeats (token → user, survey, unit).
//! Any write that could change them — every write transaction except the high-volume ones
//! that cannot (responses, invitations, sessions) — moves the generation, which empties the
//! cache at once in this process; entries also expire after `TTL`, the bound on staleness
//! for writes made by another process sharing a PostgreSQL database.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub(crate) const TTL: Duration = Duration::from_secs(2);
const MAX_ENTRIES: usize = 10_000;

pub(crate) struct Map<K, V> {
    entries: Mutex<HashMap<K, (u64, Instant, V)>>,
}

impl<K: Hash + Eq, V: Clone> Default for Map<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V: Clone> Map<K, V> {
    pub fn get(&self, generation: u64, key: &K) -> Option<V> {
        let map = self.entries.lock().ok()?;
        let (g, at, v) = map.get(key)?;
        (*g == generation && at.elapsed() < TTL).then(|| v.clone())
    }

    pub fn put(&self, generation: u64, key: K, value: V) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, (generation, Instant::now(), value));
        }
    }
}

#[derive(Default)]
pub(crate) struct ReadCache {
    generation: AtomicU64,
    pub tokens: Map<String, Option<crate::access::User>>,
    pub surveys: Map<(i64, i64), crate::listen::Survey>,
    pub units: Map<i64, crate::org::Unit>,
    /// A scope's whole unit list (every dashboard and form reads it), by scope key.
    pub unit_lists: Map<(i64, i64), std::sync::Arc<Vec<crate::org::Unit>>>,
}

impl ReadCache {
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Forget everything cached so far.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("generation", &self.generation())
            .finish()
    }
}

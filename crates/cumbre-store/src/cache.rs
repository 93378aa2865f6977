//! What a process keeps of its reads, and why each kept thing is still true.
//!
//! - Parsed survey definitions of published and closed versions, by version id: those
//!   versions never change (an edit makes a new version), so they need no invalidation.
//! - A scope's whole unit list, under the database's cache epoch (`cache_epoch.n`): every
//!   write that can change units moves the epoch in its own transaction, whichever process
//!   makes it, and a list is used only while the epoch it was read under holds.
//!
//! - A survey and a unit as the JSON API's submissions read them, under the epoch that
//!   request observed with its token (one query reads the token, its account and the
//!   epoch): a write committed before the request, by any process, is seen.
//!
//! - What an API token resolves to (its account, the account's scope), under the epoch it
//!   was read in. Revoking a token or changing an account moves the epoch.
//!
//! A request confirms a token with a fresh read (one query: token, account and epoch), so a
//! revoked token stops working at once on every server. The one exception is the response
//! submission: it may start from what was kept under the newest epoch this process has seen
//! (a guess), and its write confirms the guess in its own transaction — the response is
//! stored only if the epoch has not moved; if it has, the request is checked afresh. Pages
//! read surveys and units fresh.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

const MAX_ENTRIES: usize = 10_000;

/// A bounded map; full, it starts again empty (the entries are cheap to read again).
pub(crate) struct Map<K, V> {
    entries: Mutex<HashMap<K, (u64, V)>>,
}

impl<K: Hash + Eq, V: Clone> Default for Map<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V: Clone> Map<K, V> {
    /// The value kept for `key` under `epoch` (0 for values that never change).
    pub fn get(&self, epoch: u64, key: &K) -> Option<V> {
        let map = self.entries.lock().ok()?;
        let (e, v) = map.get(key)?;
        (*e == epoch).then(|| v.clone())
    }

    /// The value kept for `key` under `epoch`; else `read`'s, kept under it.
    pub async fn read_through<E, Fut>(
        &self,
        epoch: u64,
        key: K,
        read: impl FnOnce() -> Fut,
    ) -> Result<V, E>
    where
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(epoch, &key) {
            return Ok(v);
        }
        let v = read().await?;
        self.put(epoch, key, v.clone());
        Ok(v)
    }

    pub fn put(&self, epoch: u64, key: K, value: V) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, (epoch, value));
        }
    }
}

#[derive(Default)]
pub(crate) struct ReadCache {
    /// Published and closed versions' definitions, by version id.
    pub definitions: Map<i64, std::sync::Arc<cumbre_domain::listen::SurveyDefinition>>,
    /// A scope's whole unit list (every dashboard and form reads it), by scope key.
    pub unit_lists: Map<(i64, i64), std::sync::Arc<Vec<crate::org::Unit>>>,
    /// Surveys by (tenant, id), under a request's epoch.
    pub surveys: Map<(i64, i64), crate::listen::Survey>,
    /// Units by id, under a request's epoch.
    pub units: Map<i64, crate::org::Unit>,
    /// API tokens by hash.
    pub tokens: Map<String, crate::access::tokens::TokenEntry>,
    /// Accounts' scopes by user id.
    pub scopes: Map<i64, cumbre_domain::access::Scope>,
    /// Public links by token, under an epoch.
    pub links: Map<String, crate::listen::PublicLink>,
    /// The newest epoch this process has read, and when.
    latest: Mutex<(u64, Option<std::time::Instant>)>,
}

/// How old the newest epoch seen may be to start a guess from it: a server that has
/// written nothing for a while reads the epoch again, so even what a guess only shows (a
/// survey page) is at most this stale.
const RECENT: std::time::Duration = std::time::Duration::from_secs(1);

impl ReadCache {
    /// Notes an epoch just read from the database.
    pub fn saw(&self, epoch: u64) {
        if let Ok(mut latest) = self.latest.lock()
            && epoch >= latest.0
        {
            *latest = (epoch, Some(std::time::Instant::now()));
        }
    }

    /// The newest epoch seen, if seen within [`RECENT`].
    pub fn recent(&self) -> Option<u64> {
        let latest = self.latest.lock().ok()?;
        let (epoch, at) = *latest;
        at.filter(|at| at.elapsed() < RECENT).map(|_| epoch)
    }
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache").finish_non_exhaustive()
    }
}

use crate::StoreError;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database the URL chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(format!(
                "unsupported database URL (use sqlite:… or postgres://…): {}",
                redact(url)
            ))
        }
    }
}

/// Hides a password in a database URL before it reaches a log or an error message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..s], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The database: a pool plus, on SQLite, a writer lock.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// PostgreSQL: the dashboards' reads of roll-ups and running totals, on sessions that
    /// plan a prepared statement once (`plan_cache_mode = force_generic_plan`). Their
    /// statements have one good plan whatever their parameters (a tenant, units, day
    /// bounds: ranges of the roll-ups' and cases' keys). PostgreSQL's default planned them
    /// afresh on every run (its estimate for an unknown day range looks worse than each
    /// custom plan), 1–3.5 ms a statement and 8 ms a Panorama. The default stays on the
    /// other pool, where a plan must follow its values (a search's generic plan took 3 s
    /// where its custom plan took 0.2). SQLite: the one pool.
    reports: Option<AnyPool>,
    backend: Backend,
    /// SQLite allows one writer; a read-then-write transaction that meets another writer
    /// fails at once with SQLITE_BUSY instead of waiting. Serialising our own write
    /// transactions in-process avoids that; PostgreSQL needs no such lock.
    writer: Option<Arc<Mutex<()>>>,
    /// The response writer: submissions are committed in groups (see `listen::responses`).
    /// `None` in the writer's own copy of the store.
    pub(crate) responses: Option<tokio::sync::mpsc::Sender<crate::listen::responses::Job>>,
    pub(crate) cache: Arc<crate::cache::ReadCache>,
    /// Where a text search changes how it reads (see `text_search`), shared with the
    /// response writer's copy.
    text_limits: Arc<std::sync::Mutex<crate::text_search::TextLimits>>,
}

/// A write transaction; on SQLite it also holds the writer lock until commit or drop.
pub struct WriteTx<'a> {
    pub(crate) tx: Transaction<'static, Any>,
    _writer: Option<MutexGuard<'a, ()>>,
}

impl WriteTx<'_> {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// The cache epoch a request observed (read with its credentials): reads cached under it
/// are as fresh as that moment, whichever process wrote before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(pub(crate) u64);

/// The database's cache epoch (see `cache`): what a cached read is valid under.
pub(crate) async fn cache_epoch<'c, E>(exec: E) -> Result<u64, StoreError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    let row = sqlx::query("SELECT n FROM cache_epoch WHERE id = 1")
        .fetch_one(exec)
        .await?;
    let n: i64 = col(&row, "n")?;
    Ok(n as u64)
}

impl Store {
    /// Connects to `url` (`sqlite:path?mode=rwc`, `postgres://…`). SQLite runs in WAL
    /// mode with `synchronous=FULL`, so a commit the client was told about survives a crash.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_str(url).map_err(StoreError::Corrupt)?;
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            Backend::Sqlite => {
                options
                    // A file connection does not go stale: skip the ping a pooled
                    // connection otherwise costs on every acquire (a thread round trip).
                    .test_before_acquire(false)
                    // case_sensitive_like: LIKE behaves as on PostgreSQL, and the subtree
                    // prefix match (`path LIKE '/1/4/%'`) can use the path index.
                    // mmap_size: pages are read from the OS's cache in place instead of
                    // copied by a read call each (a fifth of the overview's time at 1 M
                    // responses); writes still go through the WAL.
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA case_sensitive_like = ON; PRAGMA mmap_size = 2147418112;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => options.connect(url).await?,
        };
        // Opened on first use: a CLI command that reads no dashboard opens no session.
        let reports = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET plan_cache_mode = force_generic_plan")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_lazy(url)?,
            ),
        };
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        let mut store = Self {
            pool,
            reports,
            backend,
            writer,
            responses: None,
            cache: Arc::default(),
            text_limits: Arc::default(),
        };
        store.responses = Some(crate::listen::responses::spawn_writer(store.clone())?);
        Ok(store)
    }

    /// The same store with other points where a text search changes how it reads (tests
    /// use small ones to take every way with a handful of answers).
    pub fn with_text_limits(self, few: i64, walk: i64) -> Store {
        self.set_text_limits(|l| {
            l.few = few;
            l.walk = walk;
        })
    }

    /// The same store, its response writer indexing new answers for search at most this
    /// often (SQLite; tests hold it back to search answers not yet indexed).
    pub fn with_text_indexed_every(self, every: std::time::Duration) -> Store {
        self.set_text_limits(|l| l.index_every = every)
    }

    fn set_text_limits(self, f: impl FnOnce(&mut crate::text_search::TextLimits)) -> Store {
        if let Ok(mut limits) = self.text_limits.lock() {
            f(&mut limits);
        }
        self
    }

    pub(crate) fn text_limits(&self) -> crate::text_search::TextLimits {
        self.text_limits.lock().map(|l| *l).unwrap_or_default()
    }

    /// A migrated SQLite store in a temporary directory, for the store's own tests.
    #[cfg(test)]
    pub(crate) async fn scratch() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite:{}?mode=rwc",
            dir.path().join("scratch.db").display()
        );
        let store = Store::connect(&url).await.expect("store");
        store.migrate().await.expect("migrations");
        (dir, store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Where the dashboards' roll-up and running-total reads run (see `reports`).
    pub(crate) fn report_pool(&self) -> &AnyPool {
        self.reports.as_ref().unwrap_or(&self.pool)
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        self.build_stale_rollups().await?;
        Ok(())
    }

    /// True when the database answers and the response writer runs; for `/readyz`.
    pub async fn ping(&self) -> bool {
        let writer_runs = self.responses.as_ref().is_none_or(|w| !w.is_closed());
        writer_runs && sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Folds SQLite's write-ahead log into the database file (before copying the file);
    /// PostgreSQL has nothing to do.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Refreshes the planner's statistics after bulk changes (PostgreSQL's autovacuum
    /// would get there, but minutes later; SQLite's `PRAGMA optimize` is cheap). On
    /// PostgreSQL the roll-ups are vacuumed too: index-only scans of their totals need
    /// the pages marked all-visible.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        let statements: &[&str] = match self.backend {
            Backend::Sqlite => &["PRAGMA optimize"],
            Backend::Postgres => &[
                "VACUUM (ANALYZE) rollups",
                "VACUUM (ANALYZE) running_cells",
                "ANALYZE units, people, departments, responses",
            ],
        };
        for sql in statements {
            sqlx::query(sql).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Stops the response writer (it gives back its connection) and closes every
    /// connection, so no file handle of this database outlives the call.
    pub async fn close(&self) {
        if let Some(writer) = &self.responses {
            let (done, stopped) = tokio::sync::oneshot::channel();
            if writer
                .send(crate::listen::responses::Job::Stop(done))
                .await
                .is_ok()
            {
                let _ = stopped.await;
            }
        }
        self.pool.close().await;
    }

    /// A cache epoch to start a guess from (see `cache`): the newest this process saw, if
    /// recent, else read now. Reads kept under it are a guess until a write that expects
    /// it (`record_response_as_of`) confirms it.
    pub async fn recent_epoch(&self) -> Result<Epoch, StoreError> {
        if let Some(n) = self.cache.recent() {
            return Ok(Epoch(n));
        }
        let n = cache_epoch(self.pool()).await?;
        self.cache.saw(n);
        Ok(Epoch(n))
    }

    /// A write transaction that may change what a process caches: it moves the cache
    /// epoch first, so the row lock it takes on PostgreSQL comes before any other (one
    /// order for every such transaction, no deadlock between them).
    pub(crate) async fn begin_write(&self) -> Result<WriteTx<'_>, StoreError> {
        let mut w = self.begin_quiet_write().await?;
        sqlx::query("UPDATE cache_epoch SET n = n + 1 WHERE id = 1")
            .execute(&mut *w.tx)
            .await?;
        Ok(w)
    }

    /// On SQLite, the in-process writer lock (see `writer`); nothing on PostgreSQL.
    pub(crate) async fn writer_lock(&self) -> Option<MutexGuard<'_, ()>> {
        match &self.writer {
            Some(lock) => Some(lock.lock().await),
            None => None,
        }
    }

    /// A write transaction that cannot change cached reads (responses, invitations,
    /// sessions, token use): it leaves the cache epoch alone, so heavy submission load
    /// neither contends on its row nor empties the caches.
    ///
    /// On SQLite it begins IMMEDIATE: it takes the database's write lock before its first
    /// read, waiting (busy timeout) for another process's writer. A deferred transaction
    /// that read first would instead fail at once with "database is locked" when it came
    /// to write after another process had written (its snapshot is stale and SQLite cannot
    /// wait that out), so a CLI command beside a server, or two schedulers, would fail.
    pub(crate) async fn begin_quiet_write(&self) -> Result<WriteTx<'_>, StoreError> {
        let guard = self.writer_lock().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with(BEGIN_WRITE).await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _writer: guard })
    }
}

/// How a write transaction begins on SQLite (see `Store::begin_quiet_write`).
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// A write transaction on a connection the caller holds, begun as
/// `Store::begin_quiet_write` begins one.
pub(crate) async fn begin_write_on(
    backend: Backend,
    conn: &mut sqlx::AnyConnection,
) -> Result<sqlx::Transaction<'_, Any>, sqlx::Error> {
    use sqlx::Connection;
    match backend {
        Backend::Sqlite => conn.begin_with(BEGIN_WRITE).await,
        Backend::Postgres => conn.begin().await,
    }
}

/// Reads a JSON document stored in a TEXT column (definitions, answers, texts); a document
/// that does not read back means the data is damaged.
pub(crate) fn json<T: serde::de::DeserializeOwned>(raw: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Reads a column, turning a type mismatch into a store error instead of a panic.
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    use sqlx::Row;
    Ok(row.try_get(name)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_never_leak_passwords() {
        assert_eq!(
            Backend::from_str("sqlite:data/cumbre.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_str("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_str("mysql://u:secret@h/db").unwrap_err();
        assert!(!err.contains("secret"), "{err}");
        assert_eq!(redact("postgres://u:pw@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn every_migration_file_is_in_the_binary() {
        for (dir, migrator) in [
            ("sqlite", &SQLITE_MIGRATIONS),
            ("postgres", &POSTGRES_MIGRATIONS),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(dir);
            let mut files: Vec<String> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect();
            files.sort();
            let embedded: Vec<String> = migrator
                .iter()
                .map(|m| format!("{:04}_{}.sql", m.version, m.description.replace(' ', "_")))
                .collect();
            assert_eq!(embedded, files, "{dir}");
        }
    }
}

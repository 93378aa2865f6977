use cumbre_domain::InvalidInput;

/// What can go wrong in the store. `NotFound` also covers "exists but outside your scope":
/// callers must not learn that another tenant's or another team's record exists.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// Visible, but the caller's role or scope does not allow this change.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// Several parts of one request are wrong (an audit's items): each, by its key.
    #[error("{} items are not valid", .0.len())]
    InvalidItems(Vec<(String, InvalidInput)>),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A write that expected a cache epoch found it moved: nothing was written; check
    /// the request against fresh reads and try once more.
    #[error("the data changed meanwhile")]
    EpochMoved,
}

impl StoreError {
    /// Turns a unique-constraint violation into the user-facing reason `invalid`.
    pub(crate) fn unique_or(e: sqlx::Error, invalid: InvalidInput) -> StoreError {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Invalid(invalid),
            _ => StoreError::Database(e),
        }
    }
}

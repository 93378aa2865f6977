//! Cumbre's database layer. One code path for SQLite and PostgreSQL: portable SQL with
//! `$n` parameters run through sqlx's `Any` driver; only the DDL differs (two migration
//! folders kept in lockstep). The database URL picks the backend.
//!
//! Every read of tenant data takes a [`Scope`](cumbre_domain::access::Scope) and every
//! write an [`AdminGrant`](cumbre_domain::access::AdminGrant) (or the signed-in user's own
//! id), so permission checks live here, once.
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
mod cache;
pub mod decide;
mod error;
pub mod improve;
pub mod lead;
pub mod listen;
pub mod org;
mod outbox;
pub mod recover;
mod sql;
mod store;
pub mod tenants;
mod text_search;

pub use error::StoreError;
pub use store::{Backend, Epoch, Store, redact};

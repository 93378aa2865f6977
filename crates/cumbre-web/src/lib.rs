//! Cumbre's web layer, grouped by the loop's steps like the domain and the store: each
//! step's folder holds its pages and its JSON API handlers (`platform` holds sign-in and
//! scope, translations, errors and the pages of no step). Handlers are thin: extract,
//! call the store, render.
#![forbid(unsafe_code)]

pub mod decide;
pub mod improve;
pub mod lead;
pub mod listen;
pub mod org;
pub mod platform;
pub mod recover;
mod router;

pub use platform::error::AppError;
pub use platform::state::{AppState, WebConfig};
pub use router::router;

//! Cumbre's web layer: server-rendered pages (`views`), the JSON API (`api`), sign-in and
//! scope (`auth`), translations (`i18n`). Handlers are thin: extract, call the store, render.
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
mod error;
pub mod export;
pub mod extract;
pub mod i18n;
pub mod mail;
pub mod networks;
pub mod notify;
pub mod qr;
mod router;
mod state;
pub mod views;
pub mod webhooks;

pub use error::AppError;
pub use router::router;
pub use state::{AppState, WebConfig};

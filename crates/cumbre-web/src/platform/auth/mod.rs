//! Who is calling and what they may see, resolved once per request by [`context::resolve`]
//! and read by handlers through the [`Ctx`] extractors.

pub mod context;
pub mod csrf;
pub mod limits;
pub mod password;
pub mod secret;
pub mod throttle;

pub use context::{ApiCtx, Ctx, GuessedApiCtx, PageCtx, RequestLang};
pub use csrf::CsrfForm;

//! What every loop step stands on: sign-in and scope (`auth`), errors, extractors,
//! translations, state, mail, the page chrome, the JSON API's frame and its OpenAPI
//! document, and the pages that belong to no step (sign-in, home, profile, tokens, users,
//! the activity log).

pub mod admin;
pub mod api;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod error;
pub mod errors;
pub mod export;
pub mod extract;
pub mod home;
pub mod i18n;
pub mod input;
pub mod mail;
pub mod networks;
pub mod openapi;
pub mod page;
pub mod profile;
pub mod session;
pub mod state;
pub mod tokens;
pub mod upload;
pub mod users;

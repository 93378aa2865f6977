//! Decide: the service vision and its values, the standards of each moment of truth (their
//! pages in standards.rs), and their JSON API; the mystery-shopper programmes, assignments, audits and disputes
//! (shopping_api.rs).

pub mod api;
pub mod assignments;
pub mod audits;
pub mod form;
pub mod roles;
pub mod shopping_api;
pub mod standards;
pub mod vision;

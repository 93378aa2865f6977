//! Decide: the service vision and its values, the standards of each moment of truth, and
//! their JSON API; the mystery-shopper programmes, assignments, audits and disputes
//! (shopping_api.rs).

pub mod api;
pub mod assignments;
pub mod audits;
pub mod form;
pub mod roles;
pub mod shopping_api;
pub mod vision;

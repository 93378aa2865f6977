//! Decide: the service vision and its values, the standards of each moment of truth, and
//! their JSON API.

pub mod api;
pub mod vision;

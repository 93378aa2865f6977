//! Decide: the standards of each moment of truth, and their JSON API.

pub mod api;

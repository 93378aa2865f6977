//! The organisation the loop runs over: its units, its people and their import.

pub mod api;
pub mod import;
pub mod people;
pub mod units;

//! Lead: the employees' voice — pulses answered by invitation, and their results.

pub mod answer;
pub mod api;
pub mod pages;
pub mod results;

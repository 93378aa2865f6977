//! Lead: the employees' voice — pulses, the groups their answers are reported by, and the
//! anonymity rule every report of them obeys.

pub mod anonymity;
#[cfg(test)]
mod attacker;
pub mod pulse;
pub mod pulse_report;
pub mod segment;

//! Lead: the employees' voice.

pub mod pulses;

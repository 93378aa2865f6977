//! Lead: the employees' voice — anonymity rules that every report of their answers obeys.

pub mod anonymity;

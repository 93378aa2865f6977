//! Decide: the standards of each moment of truth, with every version they had.

pub mod standards;

pub use standards::{NewStandard, Saved, Standard, StandardVersion};

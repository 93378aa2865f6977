//! `cumbre bench …`: reproducible measurements of the operations the product's speed targets
//! are about. Results and the machine they ran on go to docs/BENCHMARKS.md.

pub mod dashboard;
pub mod org;
pub mod responses;
pub mod text;

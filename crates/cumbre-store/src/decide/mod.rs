//! Decide: the service vision and its values, and the standards of each moment of truth,
//! with every version they had.

pub mod standards;
pub mod vision;

pub use standards::{NewStandard, Saved, Standard, StandardVersion};
pub use vision::{CompanyValue, Reader, Readers, UnitReaders, Vision};

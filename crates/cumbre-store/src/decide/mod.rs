//! Decide: the service vision and its values, the standards of each moment of truth with
//! every version they had, and the mystery-shopper programmes that audit them.

pub mod audits;
pub mod calibration;
pub mod evidence;
pub mod programmes;
pub mod results;
pub mod risk;
pub mod standards;
pub mod vision;

pub use audits::{
    AuditDetail, AuditFilter, AuditItem, AuditReader, AuditStatus, AuditSummary, Dispute,
    DisputeDecision, NewAudit, OpenDispute, Review,
};
pub use calibration::{AuditorFigures, AuditorPair, Calibration};
pub use evidence::StandardEvidence;
pub use programmes::{
    Assignment, AssignmentChange, AssignmentFilter, AssignmentStatus, FormItem, Programme,
};
pub use results::{AuditResults, MonthScore, StandardResult};
pub use risk::AtRisk;
pub use standards::{NewStandard, Saved, Standard, StandardQuestion, StandardVersion};
pub use vision::{CompanyValue, Reader, Readers, UnitReaders, Vision};

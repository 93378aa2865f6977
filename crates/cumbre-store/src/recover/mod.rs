//! Recover: the tenant's clock and service levels, alert rules, the evaluator that turns
//! responses into recovery cases exactly once, the cases with their timeline, and the
//! scheduler pass that escalates what is overdue.

pub mod actions;
pub mod cases;
pub mod evaluate;
pub mod inbox;
pub mod metrics;
pub mod notifications;
pub mod people;
pub mod rules;
pub mod settings;

pub use actions::{Actor, Moved, NewCase, NoteKind, Promise};
pub use cases::{
    CaseDetail, CaseEvent, CaseFilter, CasePage, CaseResolution, CaseShow, CaseSummary, Lesson,
};
pub use evaluate::Evaluated;
pub use inbox::{Inbox, InboxItem, InboxKind};
pub use metrics::{Share, UnitRecovery};
pub use notifications::{Notification, NotificationRow};
pub use people::Responsible;
pub use rules::{AlertRule, RuleEditor, RuleInput, SavedRule};

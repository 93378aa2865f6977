//! Listen: the moments of truth (touchpoints), survey definitions in several languages, and
//! the checking of a respondent's answers against the definition they answered.

pub mod answers;
pub mod bounces;
pub mod import;
pub mod invitations;
pub mod survey;
pub mod templates;
pub mod texts;
pub mod touchpoint;

pub use answers::{Answer, Answers, FieldErrors};
pub use survey::{
    Condition, DefinitionError, Question, QuestionKind, SurveyDefinition, SurveyStatus,
};
pub use texts::Texts;
pub use touchpoint::TouchpointInput;

#[cfg(test)]
mod tests;

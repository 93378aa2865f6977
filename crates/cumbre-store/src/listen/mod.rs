//! Listen: touchpoints, surveys and their versions, links, and responses.

pub mod imports;
pub mod invitations;
pub mod links;
pub mod responses;
pub mod surveys;
pub mod touchpoints;
mod write;

pub use links::{LinkInput, PublicLink, SurveyLink};
pub use responses::{Band, NewResponse, Recorded, ResponseFilter, ResponsePage, StoredResponse};
pub use surveys::{Survey, SurveySummary};
pub use touchpoints::Touchpoint;

//! Listen: the journey's touchpoints, surveys and their designer, links, invitations and QR
//! codes, the public survey page, the responses and their export, and their JSON API.

pub mod api;
pub mod builder;
pub mod filters;
pub mod invitations;
pub mod qr;
pub mod respond;
pub mod response_export;
pub mod responses;
pub mod surveys;
pub mod touchpoints;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cumbre_store::listen::Recorded;
use serde::Serialize;
use utoipa::ToSchema;

/// A stored response's id; `replayed` when the `Idempotency-Key` had been seen.
#[derive(Serialize, ToSchema)]
pub struct Submitted {
    id: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(required = false)]
    replayed: bool,
}

/// A recorded submission's answer: 201 `{id}` when stored, 200 `{id, replayed: true}`
/// when its key had been seen (the API's and the kiosk's).
pub fn submitted(recorded: Recorded) -> Response {
    match recorded {
        Recorded::Created(id) => (
            StatusCode::CREATED,
            Json(Submitted {
                id,
                replayed: false,
            }),
        )
            .into_response(),
        Recorded::Existing(id) => {
            (StatusCode::OK, Json(Submitted { id, replayed: true })).into_response()
        }
    }
}

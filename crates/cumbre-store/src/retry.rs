//! The retry schedule shared by the two outboxes that send over the network (invitations
//! and notifications): five attempts, waiting 5, 20, 45 and 80 minutes in between.

use time::OffsetDateTime;

/// Attempts before a send is given up.
const MAX_ATTEMPTS: i64 = 5;

/// When to try again after the `attempts`-th failure; `None`: give up (a permanent
/// refusal, or the last attempt).
pub(crate) fn next_attempt(
    attempts: i64,
    permanent: bool,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    (!permanent && attempts < MAX_ATTEMPTS)
        .then(|| now + time::Duration::minutes(attempts * attempts * 5))
}

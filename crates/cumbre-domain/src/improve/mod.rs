//! Improve: honest service metrics. A [`Tally`] is what a set of responses adds up to (and
//! what a roll-up row stores); an [`Estimate`] is a metric read from it with its 95 %
//! confidence interval and whether the sample is large enough to be shown as a fact.
//! Periods cut time into days, weeks, months and quarters in the tenant's calendar.

pub mod change;
pub mod emerging;
pub mod period;
pub mod reading;
pub mod stats;
pub mod tally;
pub mod targets;

pub use change::{Change, compare};
pub use period::{Interval, Period};
pub use stats::{Estimate, MIN_SAMPLE, Metric};
pub use tally::{Headline, Tally};

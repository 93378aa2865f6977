//! Improve: the roll-ups dashboards read (maintained with every response, rebuilt on
//! demand) and the metric queries over them.

pub(crate) mod comments;
pub mod metrics;
pub(crate) mod rollups;
pub(crate) mod running;

/// The keys of the taxonomy's themes, in the order it lists them.
pub use cumbre_text::themes::THEMES;
pub use metrics::{Cells, MetricQuery, Slice, SliceTallies};
pub use running::RunningCells;

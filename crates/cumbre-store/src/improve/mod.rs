//! Improve: the roll-ups dashboards read (maintained with every response, rebuilt on
//! demand) and the metric queries over them.

pub mod comments;
pub mod metrics;
pub mod rereads;
pub(crate) mod rollups;
pub(crate) mod running;
pub mod taxonomy;
pub mod themes;

pub use cumbre_domain::improve::reading::THEMES;
pub use metrics::{Cells, MetricQuery, Slice, SliceTallies};
pub use running::RunningCells;

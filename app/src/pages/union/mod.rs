//! The union's desk: the queue (mine, or everything in my area, filtered, urgent first, keyset
//! pages), a report with everything the union may see, and the forms of the actions its state
//! allows (each posting to its [`crate::desks::UnionAction`]).

mod forms;
mod queue;
mod report;

pub use queue::{load_union_queue, UnionQueuePage};
pub use report::{load_union_report, UnionCase, UnionReportPage};

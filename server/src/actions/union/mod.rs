//! The union's other steps: reassign a report (with a note), write to the reporter, and reveal a
//! reporter's identity (union admins only, with a written reason, in the audit log and on the
//! internal timeline).

mod message;
mod reassign;
mod reveal;

pub use message::message;
pub use reassign::reassign;
pub use reveal::{reveal, Identity};

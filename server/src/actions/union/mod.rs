//! The union's other steps: reassign a report (with a note), write to the reporter, and reveal a
//! reporter's identity — which takes two union admins: one asks with a written reason, another
//! approves or refuses, then the one who asked opens it; every step is in the audit log and on
//! the timeline, and the reporter sees to whom and why.

mod decide_reveal;
mod message;
mod open_reveal;
mod reassign;
mod reveal;

pub use decide_reveal::decide_reveal;
pub use message::message;
pub use open_reveal::{open_reveal, Identity};
pub use reassign::reassign;
pub use reveal::reveal;

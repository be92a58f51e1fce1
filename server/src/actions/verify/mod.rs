//! The union checks the rectification (pass, or back to rectifying with a note) and decides on
//! a deadline extension.

mod decide_extension;
mod rectification;

pub use decide_extension::decide_extension;
pub use rectification::verify;

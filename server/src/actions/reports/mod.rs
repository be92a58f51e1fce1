//! A report's arrival and its routing: submitting one (the REST API and the plain HTML form
//! both call [`submit`]), and routing a person's open reports again when they may no longer
//! hold them.

mod reroute;
mod submit;

pub use reroute::reroute_for;
pub use submit::{fingerprint, keyed_fingerprint, submit, Submission, Submitted};

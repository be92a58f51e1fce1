//! Triage: grade a report (一般 / 重大), or close it as not a hazard, a duplicate, or out of
//! scope with a reason the reporter reads.

mod grade;
mod reject;

pub use grade::grade;
pub use reject::reject;

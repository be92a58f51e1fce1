//! The rectification notice (整改通知) with the 五定 fields; for a major hazard also the
//! governance plan (治理方案), and the report is then supervised (挂牌督办). With it the inspector
//! releases the hazard photos to the enterprise: each as is, masked, or withheld.

mod review;
mod send;

pub use send::send;

//! Pure domain rules: no I/O, no framework. Compiled into both the server and the WASM, so the
//! browser and the server validate the same way.

pub mod category;
pub mod deadlines;
pub mod district;
pub mod enterprise_import;
pub mod exif;
pub mod forms;
pub mod heat;
pub mod industry;
pub mod phone;
pub mod policy;
pub mod receipt;
pub mod report;
pub mod routing;
pub mod time;
pub mod uscc;
pub mod workflow;

pub use district::{District, DistrictCode, DistrictKind, DISTRICTS};
pub use industry::{Industry, IndustryCode, INDUSTRIES};
pub use uscc::{Uscc, UsccError};

//! One module per page. Each page reaches its server functions and domain rules directly.

pub mod admin;
pub mod alerts;
pub mod enterprise;
pub mod heat;
pub mod inbox;
pub mod me;
pub mod my_reports;
pub mod not_found;
pub mod offline;
pub mod receipt;
pub mod report;
pub mod union;

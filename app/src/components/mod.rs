//! Building blocks shared by the pages.

pub mod emergency;
pub mod icons;
pub mod layout;
pub mod outbox;
pub mod page;
pub mod receipts;
pub mod report;
pub mod report_form;

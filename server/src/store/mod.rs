//! Every write to the database, one module per family of tables, each saying what it owns.
//! Actions call these; routes never do. [`steps`] is the only writer of a report's life (its
//! state, timeline and the notifications of each step); reads that pages and server functions
//! need live in `app::backend`.

pub mod alerts;
pub mod at_rest;
pub mod audit;
pub mod codes;
pub mod directory;
pub mod feeds;
pub mod notifications;
pub mod photos;
pub mod push;
pub mod receipts;
pub mod reference;
pub mod routing;
pub mod sessions;
pub mod sms;
pub mod steps;
pub mod users;

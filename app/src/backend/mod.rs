//! The server-side core (feature `ssr` only): storage and the reference data. Server functions in
//! this crate and the REST routes in `server/` both call it, so it lives beside the server
//! functions rather than in the binary; none of it is compiled into the WASM.

pub mod alerts;
pub mod assign;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod clock;
pub mod cursor;
pub mod db;
pub mod directory;
pub mod identity;
pub mod keyed;
pub mod queries;
pub mod ratelimit;
pub mod receipts;
pub mod reports;
pub mod reveals;
pub mod users;
pub mod vault;

pub use db::{now_ms, Backend, BeginWrite, Db, DbError};

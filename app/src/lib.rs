//! SafeSnap's UI and core. Pages are server-rendered; only `#[island]` components ship WASM.
//!
//! - [`domain`]: pure rules (directory codes, later the report state machine), shared by both builds.
//! - [`i18n`]: the languages and their generated string tables.
//! - [`components`], [`pages`]: the shell, the bottom navigation, each page.
//! - `backend` (feature `ssr`): storage and the server-side core.

#![recursion_limit = "256"]

pub mod access;
pub mod client;
pub mod components;
pub mod desks;
pub mod domain;
pub mod i18n;
pub mod pages;
mod shell;
pub mod views;

#[cfg(feature = "ssr")]
pub mod backend;

pub use shell::{page_csp, shell, App, THEME_COLOR};

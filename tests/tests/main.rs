//! Every end-to-end test in one binary: linking the whole server once instead of once per file
//! (zero2prod's habit). Each module is one area; `cargo nextest run` runs each test in its own
//! process (`.config/nextest.toml` gives the Lighthouse audit the machine to itself).

mod accessibility;
mod accounts;
mod alerts;
mod api_fuzz;
mod at_rest;
mod authorization;
mod browser;
mod browser_loop;
mod browser_offline;
mod browser_report;
mod closed_loop;
mod confidentiality;
mod directory;
mod harness;
mod health;
mod lighthouse;
mod limits;
mod queue;
mod reports;
mod routing;
mod shell;
mod texts;

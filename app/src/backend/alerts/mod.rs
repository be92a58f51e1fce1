//! Heat and cold alerts as the pages and server functions read them: an alert with its districts
//! and who received it ([`views`]), its card of obligations ([`cards`]), its reach and every
//! delivery for the admin ([`delivery`]), a user's push devices ([`devices`]), and the page
//! loaders that put these together under the policy ([`pages`]: 高温提醒, the alerts desk, one
//! alert's page).
//!
//! Nothing here writes. An alert, its update and cancellation, the acknowledgements, the fan-out
//! to the officers' inboxes and push queue, and the devices' subscriptions are written by the
//! server (`server::store::alerts`, `server::store::push`).

mod cards;
mod delivery;
mod devices;
mod pages;
mod views;

pub use cards::{card, forecast, forecast_of};
pub use delivery::{dashboard_of, deliveries, progress};
pub use devices::{devices, origin_of};
pub use pages::{desk, heat_today, page};
pub use views::{
    current_for_district, end_of_local_day, facts, get, received_by, recent, recipients,
};

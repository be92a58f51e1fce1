//! (Transitional) The inbox delivery row the alerts fan-out still writes from here; every other
//! notification is queued by the server's `store::steps` in the transaction of its step.

/// The inbox delivery of a notification: delivered the moment it is written.
pub const INSERT_INBOX_DELIVERY: &str = "INSERT INTO deliveries (id, notification_id, channel, state, attempts, sent_at) VALUES ($1, $2, 'inbox', 'sent', 1, $3)";

//! The reporter's forms, by receipt code: a dispute of a verified fix says what is still wrong
//! (a message to the union, which the enterprise never sees).

pub use super::union::MessageForm;

/// `dispute`: the same form as a message (what is still wrong).
pub type DisputeForm = MessageForm;

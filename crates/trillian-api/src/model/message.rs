//! Message history: a conversation broken down by ISO-8601 weeks, and the messages of a week.

use serde::{Deserialize, Serialize};

/// The history of one conversation (group chat or user): its weeks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MessageHistory {
    /// Conversation id, the first path segment of a week's address.
    pub conversation: String,
    pub medium: String,
    pub name: String,
    pub revision: u64,
    pub weeks: Vec<MessageWeek>,
}

/// One ISO-8601 week of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MessageWeek {
    pub year: i32,
    pub week: u32,
    /// How many messages the week holds (the `messages` attribute).
    pub messages: u64,
    pub flags: u32,
    pub href: Option<String>,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Message {
    /// Unix milliseconds.
    pub timestamp: u64,
    pub from: String,
    pub text: String,
}

use base64::Engine as _;
use reqwest::Method;

use super::under;
use crate::client::{Call, Client};
use crate::error::{Error, Result};
use crate::form::Form;
use crate::model::{Message, MessageHistory};
use crate::xml::{decode_list, decode_messages, decode_one, encode_message_block};

/// `…/messages/` of a group chat or a user.
#[derive(Debug, Clone)]
pub struct MessagesApi<'c> {
    client: &'c Client,
    /// `groupchats` or `users`.
    kind: &'static str,
    /// The group chat's name or the user's IM address.
    owner: String,
    ops: &'static MessageOps,
}

/// The `block` parameter of a delete: Base64 of a `<messages>` fragment holding the messages
/// exactly as a week's GET returned them.
pub fn message_block(messages: &[Message]) -> String {
    base64::engine::general_purpose::STANDARD.encode(encode_message_block(messages))
}

/// The operation names (in errors and logs) of one kind of owner.
#[derive(Debug)]
pub(crate) struct MessageOps {
    weeks: &'static str,
    week: &'static str,
    send: &'static str,
    delete_messages: &'static str,
    delete_week: &'static str,
    delete_all: &'static str,
}

pub(crate) static GROUPCHAT_MESSAGES: MessageOps = MessageOps {
    weeks: "groupchats.messages.weeks",
    week: "groupchats.messages.week",
    send: "groupchats.messages.send",
    delete_messages: "groupchats.messages.delete_messages",
    delete_week: "groupchats.messages.delete_week",
    delete_all: "groupchats.messages.delete_all",
};

pub(crate) static USER_MESSAGES: MessageOps = MessageOps {
    weeks: "users.messages.weeks",
    week: "users.messages.week",
    send: "users.messages.send",
    delete_messages: "users.messages.delete_messages",
    delete_week: "users.messages.delete_week",
    delete_all: "users.messages.delete_all",
};

impl<'c> MessagesApi<'c> {
    pub(crate) fn new(
        client: &'c Client,
        kind: &'static str,
        owner: &str,
        ops: &'static MessageOps,
    ) -> Self {
        MessagesApi {
            client,
            kind,
            owner: owner.to_owned(),
            ops,
        }
    }

    fn path(&self, more: &[&str]) -> Vec<String> {
        under(&[self.kind, &self.owner], more)
    }

    /// The weeks of a single-conversation history: `GET …/messages/`.
    ///
    /// A convenience for a group chat (always one conversation) or a user with at most one
    /// correspondent. No history at all (the server's empty `<response/>`) is an empty
    /// [`MessageHistory`] (no conversation, no weeks). A user with several correspondents has
    /// several conversations: this then fails with [`Error::Decode`] naming their count rather
    /// than keeping one; use [`MessagesApi::conversations`] to get them all.
    pub async fn weeks(&self) -> Result<MessageHistory> {
        let op = self.ops.weeks;
        let mut all = self.conversations().await?;
        match all.len() {
            0 => Ok(MessageHistory::default()),
            1 => Ok(all.swap_remove(0)),
            n => Err(Error::decode(
                op,
                format!(
                    "the history holds {n} conversations; weeks() reads a single one, \
                     use conversations() for all"
                ),
            )),
        }
    }

    /// Get all message weeks, every conversation of the answer: a user's history holds one
    /// `<messages>` per conversation partner (none at all when the user has no history).
    pub async fn conversations(&self) -> Result<Vec<MessageHistory>> {
        let op = self.ops.weeks;
        let call = Call::new(op, Method::GET, self.path(&["messages"]));
        self.client.xml(call, decode_list).await
    }

    /// Get messages by week: `GET …/messages/:conversation/:year/:week/`.
    pub async fn week(&self, conversation: &str, year: i32, week: u32) -> Result<Vec<Message>> {
        let op = self.ops.week;
        let (y, w) = (year.to_string(), week.to_string());
        let call = Call::new(
            op,
            Method::GET,
            self.path(&["messages", conversation, &y, &w]),
        );
        self.client.xml(call, decode_messages).await
    }

    /// Send a message: `POST …/messages/` with `from` and `message`. The token must be the
    /// sender's.
    pub async fn send(&self, from: &str, text: &str) -> Result<Message> {
        let op = self.ops.send;
        let form = Form::new().text("from", from).text("message", text);
        let call = Call::new(op, Method::POST, self.path(&["messages"])).form(form.finish());
        self.client.xml(call, decode_one).await
    }

    /// Delete one or more messages: `DELETE …/messages/:conversation/:year/:week/` with
    /// `block` built from `messages`.
    pub async fn delete_messages(
        &self,
        conversation: &str,
        year: i32,
        week: u32,
        messages: &[Message],
    ) -> Result<()> {
        let op = self.ops.delete_messages;
        let (y, w) = (year.to_string(), week.to_string());
        let form = Form::new().text("block", &message_block(messages));
        let call = Call::new(
            op,
            Method::DELETE,
            self.path(&["messages", conversation, &y, &w]),
        )
        .form(form.finish());
        self.client.empty(call).await
    }

    /// Delete messages by week: `DELETE …/messages/:conversation/:year/:week/`.
    pub async fn delete_week(&self, conversation: &str, year: i32, week: u32) -> Result<()> {
        let op = self.ops.delete_week;
        let (y, w) = (year.to_string(), week.to_string());
        let call = Call::new(
            op,
            Method::DELETE,
            self.path(&["messages", conversation, &y, &w]),
        );
        self.client.empty(call).await
    }

    /// Delete all messages: `DELETE …/messages/:conversation/`.
    pub async fn delete_all(&self, conversation: &str) -> Result<()> {
        let op = self.ops.delete_all;
        let call = Call::new(op, Method::DELETE, self.path(&["messages", conversation]));
        self.client.empty(call).await
    }
}

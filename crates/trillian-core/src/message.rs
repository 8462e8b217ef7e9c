//! Message history of a group chat or a user: the weeks (ISO-8601), a week's messages, search,
//! sending as an identity whose own token is in the keychain, deleting a block / a week / all,
//! and export (see [`export`]).

pub mod export;
mod identity;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Message;
use crate::{Core, JournalOutcome, api};

pub use export::{ExportFormat, ExportReport, ExportRequest, ExportedFile};

/// Whose history: a group chat's or a user's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Owner {
    /// A group chat, by its `#…@domain` name.
    GroupChat { name: String },
    /// A user, by IM address.
    User { im: String },
}

impl Owner {
    /// The group chat's name or the user's address.
    pub fn id(&self) -> &str {
        match self {
            Owner::GroupChat { name } => name,
            Owner::User { im } => im,
        }
    }

    fn api<'c>(&self, client: &'c api::Client) -> api::MessagesApi<'c> {
        match self {
            Owner::GroupChat { name } => client.groupchats().messages(name),
            Owner::User { im } => client.users().messages(im),
        }
    }
}

/// One ISO week of a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekRef {
    pub year: i32,
    pub week: u32,
}

impl WeekRef {
    /// `2016-W20`.
    pub fn label(&self) -> String {
        format!("{}-W{:02}", self.year, self.week)
    }

    /// The Monday of the week (`YYYY-MM-DD`), or `None` for a week that does not exist.
    pub fn monday(&self) -> Option<String> {
        let week = u8::try_from(self.week).ok()?;
        let date = time::Date::from_iso_week_date(self.year, week, time::Weekday::Monday).ok()?;
        Some(format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        ))
    }
}

/// One week of one conversation of a history, with its message count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekRow {
    /// The conversation id (addresses the week).
    pub conversation: String,
    /// Who the conversation is with: the group chat, or the user's partner.
    pub with: String,
    pub year: i32,
    pub week: u32,
    pub messages: u64,
    /// Monday of the week, `YYYY-MM-DD` (empty if the server named a week that cannot be).
    pub monday: String,
}

/// The weeks of a history, oldest first. A group chat has one conversation; a user has one
/// per partner (so a week may appear once per partner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// The conversation ids, in the server's order.
    pub conversations: Vec<String>,
    pub weeks: Vec<WeekRow>,
    pub total_messages: u64,
}

/// A message found by [`search`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    pub week: WeekRef,
    pub message: Message,
}

/// The messages of `weeks` (already loaded) whose text or sender contains `query`, ignoring
/// case; an empty query finds nothing.
pub fn search(weeks: &[(WeekRef, Vec<Message>)], query: &str) -> Vec<Hit> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    weeks
        .iter()
        .flat_map(|(w, msgs)| msgs.iter().map(move |m| (w, m)))
        .filter(|(_, m)| m.text.to_lowercase().contains(&q) || m.from.to_lowercase().contains(&q))
        .map(|(w, m)| Hit {
            week: *w,
            message: m.clone(),
        })
        .collect()
}

impl Core {
    /// The weeks of a history with their counts, oldest first.
    pub async fn history(&self, owner: &Owner) -> Result<History> {
        let client = self.active_client().await?;
        history_with(&client, owner).await
    }

    /// The messages of one week, in time order.
    pub async fn history_week(
        &self,
        owner: &Owner,
        conversation: &str,
        week: WeekRef,
    ) -> Result<Vec<Message>> {
        let client = self.active_client().await?;
        history_week_with(&client, owner, conversation, week).await
    }

    /// Sends `text` to a history as `from`, with `from`'s own token from the keychain (the
    /// API requires the sender's token). Without one: [`Error::NoIdentityToken`].
    pub async fn send_message(&self, owner: &Owner, from: &str, text: &str) -> Result<Message> {
        let profile = self.require_active()?;
        let result = async {
            if text.trim().is_empty() {
                return Err(Error::invalid("message", "must not be empty"));
            }
            let token = self.identity_token(&profile, from).await?;
            let client = crate::build_client(&profile, token)?;
            Ok(owner.api(&client).send(from, text).await?)
        }
        .await;
        self.record(
            Some(&profile.id),
            "message.send",
            &format!("{} as {from}", owner.id()),
            JournalOutcome::of(&result),
        );
        result
    }

    /// Deletes a selection of messages (a block) of one week. The messages must be exactly as
    /// the week's listing returned them (timestamp, sender, text).
    pub async fn delete_messages(
        &self,
        owner: &Owner,
        conversation: &str,
        week: WeekRef,
        messages: &[Message],
    ) -> Result<()> {
        let profile = self.require_active()?;
        let result = async {
            if messages.is_empty() {
                return Err(Error::invalid("selection", "no messages selected"));
            }
            let client = self.client_for(&profile).await?;
            Ok(owner
                .api(&client)
                .delete_messages(conversation, week.year, week.week, messages)
                .await?)
        }
        .await;
        self.record(
            Some(&profile.id),
            "message.delete_block",
            &format!(
                "{} {} ({} messages)",
                owner.id(),
                week.label(),
                messages.len()
            ),
            JournalOutcome::of(&result),
        );
        result
    }

    /// Deletes every message of one week.
    pub async fn delete_week(
        &self,
        owner: &Owner,
        conversation: &str,
        week: WeekRef,
    ) -> Result<()> {
        let profile = self.require_active()?;
        let result = async {
            let client = self.client_for(&profile).await?;
            Ok(owner
                .api(&client)
                .delete_week(conversation, week.year, week.week)
                .await?)
        }
        .await;
        self.record(
            Some(&profile.id),
            "message.delete_week",
            &format!("{} {}", owner.id(), week.label()),
            JournalOutcome::of(&result),
        );
        result
    }

    /// Deletes the whole history: every conversation of it (a user's with every partner).
    pub async fn delete_history(&self, owner: &Owner) -> Result<u32> {
        let profile = self.require_active()?;
        let result = async {
            let client = self.client_for(&profile).await?;
            let api = owner.api(&client);
            let mut deleted = 0u32;
            for h in api.conversations().await? {
                if h.conversation.is_empty() || h.weeks.is_empty() {
                    continue;
                }
                api.delete_all(&h.conversation).await?;
                deleted += 1;
            }
            Ok(deleted)
        }
        .await;
        self.record(
            Some(&profile.id),
            "message.delete_all",
            owner.id(),
            JournalOutcome::of(&result),
        );
        result
    }
}

/// [`Core::history`] with a given client (any profile, or one-off use without a profile).
pub async fn history_with(client: &api::Client, owner: &Owner) -> Result<History> {
    let convs = owner.api(client).conversations().await?;
    let mut weeks: Vec<WeekRow> = convs
        .iter()
        .flat_map(|h| {
            h.weeks.iter().map(move |w| WeekRow {
                conversation: h.conversation.clone(),
                with: h.name.clone(),
                year: w.year,
                week: w.week,
                messages: w.messages,
                monday: WeekRef {
                    year: w.year,
                    week: w.week,
                }
                .monday()
                .unwrap_or_default(),
            })
        })
        .collect();
    weeks.sort_by(|a, b| (a.year, a.week, &a.with).cmp(&(b.year, b.week, &b.with)));
    Ok(History {
        conversations: convs
            .into_iter()
            .map(|h| h.conversation)
            .filter(|c| !c.is_empty())
            .collect(),
        total_messages: weeks.iter().map(|w| w.messages).sum(),
        weeks,
    })
}

/// [`Core::history_week`] with a given client: the messages of one week, in time order.
pub async fn history_week_with(
    client: &api::Client,
    owner: &Owner,
    conversation: &str,
    week: WeekRef,
) -> Result<Vec<Message>> {
    let mut msgs = owner
        .api(client)
        .week(conversation, week.year, week.week)
        .await?;
    msgs.sort_by_key(|m| m.timestamp);
    Ok(msgs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(ts: u64, from: &str, text: &str) -> Message {
        Message {
            timestamp: ts,
            from: from.into(),
            text: text.into(),
        }
    }

    #[test]
    fn monday_of_iso_weeks() {
        let w = |year, week| WeekRef { year, week }.monday();
        assert_eq!(w(2016, 20).as_deref(), Some("2016-05-16"));
        // ISO week 1 of 2021 starts in January; week 53 of 2020 starts in December.
        assert_eq!(w(2021, 1).as_deref(), Some("2021-01-04"));
        assert_eq!(w(2020, 53).as_deref(), Some("2020-12-28"));
        assert_eq!(w(2021, 53), None, "2021 has 52 ISO weeks");
        assert_eq!(
            WeekRef {
                year: 2016,
                week: 5
            }
            .label(),
            "2016-W05"
        );
    }

    #[test]
    fn search_ignores_case_and_matches_sender_or_text() {
        let week = WeekRef {
            year: 2016,
            week: 20,
        };
        let loaded = vec![(
            week,
            vec![msg(1, "smw@x", "Hello World"), msg(2, "kwk@x", "bye")],
        )];
        assert_eq!(search(&loaded, "world").len(), 1);
        assert_eq!(search(&loaded, "KWK").len(), 1);
        assert!(
            search(&loaded, "  ").is_empty(),
            "empty query finds nothing"
        );
        assert!(search(&loaded, "absent").is_empty());
    }
}

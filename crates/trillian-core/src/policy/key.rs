//! The policy keys the app knows: the reference's (`trillian.filetransfer`,
//! `trillian.history.cloud`, `trillian.history.disclaimer.frequency`, `trillian.plugin.*`,
//! `trillian.settings.contacts.groups`) and the few more the sandbox's demo policies use. Each has
//! a one-line description and the control that edits it. Any other key is shown as text.

use serde::Serialize;

/// How a key's value is edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Control {
    /// `1` on, `0` off.
    Switch,
    /// One of a few words (a value outside them is kept and shown as it is).
    Choice { options: Vec<String> },
    /// A whole number, in `unit`.
    Number { unit: String },
}

/// What the app knows about a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub description: String,
    pub control: Control,
}

fn choice(options: &[&str]) -> Control {
    Control::Choice {
        options: options.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn number(unit: &str) -> Control {
    Control::Number { unit: unit.into() }
}

/// Every known key (plugins are matched by prefix, see [`key_info`]).
pub const KNOWN_KEYS: &[&str] = &[
    "trillian.filetransfer",
    "trillian.filetransfer.maxsize",
    "trillian.history.cloud",
    "trillian.history.local",
    "trillian.history.disclaimer.frequency",
    "trillian.settings.contacts.groups",
    "trillian.settings.contacts.edit",
    "trillian.settings.screenshare",
];

/// The description and control of a known key; `None` for a key the app does not know.
pub fn key_info(key: &str) -> Option<KeyInfo> {
    let (description, control) = match key {
        "trillian.filetransfer" => (
            "How clients send files: through the server, or not at all".to_owned(),
            choice(&["server", "disabled"]),
        ),
        "trillian.filetransfer.maxsize" => {
            ("Largest file a client may send".to_owned(), number("bytes"))
        }
        "trillian.history.cloud" => (
            "Keep message history on the server (cloud history)".to_owned(),
            Control::Switch,
        ),
        "trillian.history.local" => (
            "Let clients keep message history on the device".to_owned(),
            Control::Switch,
        ),
        "trillian.history.disclaimer.frequency" => (
            "How often clients show the history disclaimer".to_owned(),
            number("minutes"),
        ),
        "trillian.settings.contacts.groups" => (
            "Where contact-list groups come from: the server's groups, or the user's own"
                .to_owned(),
            choice(&["server", "user"]),
        ),
        "trillian.settings.contacts.edit" => (
            "Let users edit their contact list".to_owned(),
            Control::Switch,
        ),
        "trillian.settings.screenshare" => {
            ("Let users share their screen".to_owned(), Control::Switch)
        }
        _ => {
            let network = key.strip_prefix("trillian.plugin.")?;
            if network.is_empty() || network.contains('.') {
                return None;
            }
            (
                format!(
                    "Let clients connect to the {} network",
                    plugin_name(network)
                ),
                Control::Switch,
            )
        }
    };
    Some(KeyInfo {
        description,
        control,
    })
}

fn plugin_name(id: &str) -> String {
    match id {
        "msn" => "Windows Live Messenger (MSN)".into(),
        "oscar" => "AIM/ICQ (OSCAR)".into(),
        "xmpp" => "XMPP (Jabber)".into(),
        "irc" => "IRC".into(),
        "facebook" => "Facebook".into(),
        "foursquare" => "Foursquare".into(),
        "linkedin" => "LinkedIn".into(),
        "myspace" => "MySpace".into(),
        "rendezvous" => "Bonjour (Rendezvous)".into(),
        "skype" => "Skype".into(),
        "twitter" => "Twitter".into(),
        "yahoo" => "Yahoo!".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_key_and_plugins_are_known() {
        for k in KNOWN_KEYS {
            assert!(key_info(k).is_some(), "{k}");
        }
        let msn = key_info("trillian.plugin.msn").expect("plugin");
        assert_eq!(msn.control, Control::Switch);
        assert!(msn.description.contains("MSN"));
        assert!(
            key_info("trillian.plugin.newnet").is_some(),
            "any plugin is a switch"
        );
        assert!(key_info("trillian.plugin.").is_none());
        assert!(key_info("trillian.plugin.a.b").is_none());
        assert!(key_info("acme.thing").is_none(), "unknown keys stay text");
    }
}

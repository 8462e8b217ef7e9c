//! Policies: named sets of `key value` items, carried as Base64 of UTF-8 text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Policy {
    pub id: u64,
    pub name: String,
    /// The decoded `<data>` element.
    pub data: PolicyItems,
}

/// One line of a policy's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PolicyLine {
    /// `key value`: the key runs to the first space, the value is everything after it (verbatim,
    /// further spaces included).
    Item { key: String, value: String },
    /// Any other line (blank, no space, leading space, comment), kept as it is.
    Verbatim { text: String },
}

impl PolicyLine {
    fn parse(line: &str) -> PolicyLine {
        match line.split_once(' ') {
            Some((key, value)) if !key.is_empty() && !key.contains(['\t', '\r']) => {
                PolicyLine::Item {
                    key: key.to_owned(),
                    value: value.to_owned(),
                }
            }
            _ => PolicyLine::Verbatim {
                text: line.to_owned(),
            },
        }
    }
}

/// The items of a policy, decoded losslessly: unknown keys, line order, blank lines and the final
/// newline are kept, so `PolicyItems::from_text(t).to_text() == t` for every `t`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PolicyItems {
    pub lines: Vec<PolicyLine>,
    /// Whether the text ends with `\n`.
    pub trailing_newline: bool,
}

impl PolicyItems {
    /// Parses policy text, one `key value` item a line.
    pub fn from_text(text: &str) -> PolicyItems {
        if text.is_empty() {
            return PolicyItems::default();
        }
        let (body, trailing_newline) = match text.strip_suffix('\n') {
            Some(body) => (body, true),
            None => (text, false),
        };
        PolicyItems {
            lines: body.split('\n').map(PolicyLine::parse).collect(),
            trailing_newline,
        }
    }

    /// Decodes the Base64 of the `<data>` element (ASCII whitespace inside is ignored).
    pub fn from_base64(data: &str) -> Result<PolicyItems> {
        let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| Error::Decode {
                what: "policy data".into(),
                excerpt: format!("not Base64: {e}"),
            })?;
        let text = String::from_utf8(bytes).map_err(|e| Error::Decode {
            what: "policy data".into(),
            excerpt: format!("not UTF-8 text: {e}"),
        })?;
        Ok(PolicyItems::from_text(&text))
    }

    /// The policy text, exactly as it was parsed (plus any edits).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match line {
                PolicyLine::Item { key, value } => {
                    out.push_str(key);
                    out.push(' ');
                    out.push_str(value);
                }
                PolicyLine::Verbatim { text } => out.push_str(text),
            }
        }
        if self.trailing_newline {
            out.push('\n');
        }
        out
    }

    /// The Base64 form sent as the `data` parameter.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.to_text().as_bytes())
    }

    /// The `(key, value)` items in order (verbatim lines left out).
    pub fn items(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines.iter().filter_map(|l| match l {
            PolicyLine::Item { key, value } => Some((key.as_str(), value.as_str())),
            PolicyLine::Verbatim { .. } => None,
        })
    }

    /// The value of the first item with this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.items().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Sets the value of the first item with this key in place, or appends a new item.
    pub fn set(&mut self, key: &str, value: &str) {
        for line in &mut self.lines {
            if let PolicyLine::Item { key: k, value: v } = line
                && k == key
            {
                *v = value.to_owned();
                return;
            }
        }
        if self.lines.is_empty() {
            self.trailing_newline = true;
        }
        self.lines.push(PolicyLine::Item {
            key: key.to_owned(),
            value: value.to_owned(),
        });
    }

    /// Removes every item with this key; returns whether one was there.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.lines.len();
        self.lines
            .retain(|l| !matches!(l, PolicyLine::Item { key: k, .. } if k == key));
        before != self.lines.len()
    }
}

/// Parameters of "Create a policy".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewPolicy {
    pub name: String,
    pub data: PolicyItems,
}

/// Parameters of "Update a policy": only the fields that are `Some` are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PolicyUpdate {
    pub name: Option<String>,
    pub data: Option<PolicyItems>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_exactly() {
        for text in [
            "",
            "\n",
            "a 1\nb 2\n",
            "a 1\n\nunknown.key some value with spaces\n# comment\n lead\nnokey",
            "x  double\r\ny 2\r\n",
            "\n\n\n",
        ] {
            assert_eq!(
                PolicyItems::from_text(text).to_text(),
                text,
                "round trip of {text:?}"
            );
        }
    }

    #[test]
    fn set_keeps_position_and_unknown_lines() {
        let mut items = PolicyItems::from_text("a 1\n\nzz.unknown q\nb 2\n");
        items.set("b", "3");
        items.set("c", "4");
        assert_eq!(
            items.to_text(),
            "a 1\n\nzz.unknown q\nb 3\nc 4\n",
            "edit in place, append"
        );
        assert!(items.remove("a"), "a was present");
        assert_eq!(items.get("zz.unknown"), Some("q"));
        assert_eq!(items.to_text(), "\nzz.unknown q\nb 3\nc 4\n");
    }

    #[test]
    fn base64_errors_are_typed() {
        assert!(matches!(
            PolicyItems::from_base64("!!!"),
            Err(Error::Decode { .. })
        ));
        assert!(
            matches!(PolicyItems::from_base64("/w=="), Err(Error::Decode { .. })),
            "0xff"
        );
    }
}

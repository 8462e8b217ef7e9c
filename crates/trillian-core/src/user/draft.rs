//! New users and changes, checked before any request: the IM address in the profile's domain,
//! the password rules, the e-mail's shape. Also the generated passwords.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{NewUser, UserUpdate};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 8;
/// Longest password accepted.
pub const MAX_PASSWORD: usize = 128;
/// Characters of a generated password (no look-alikes: no 0/O, 1/l/I).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_.";
/// Length of a generated password.
const GENERATED_LEN: usize = 16;

/// The create-user form.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserDraft {
    /// `name` or `name@domain`.
    pub im: String,
    pub password: String,
    pub email: String,
    pub display_name: String,
    /// Group id; `None` = the server's default (the root group).
    pub group: Option<u64>,
    /// Policy id; `None` or 0 = inherit from the group.
    pub policy: Option<u64>,
}

impl std::fmt::Debug for UserDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserDraft")
            .field("im", &self.im)
            .field("password", &"<redacted>")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Changes to a user from the detail pane: only the fields that are `Some` are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub group: Option<u64>,
    pub policy: Option<u64>,
}

/// One refused field, for the form to show beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldProblem {
    /// `im`, `password`, `email`, `displayName`.
    pub field: &'static str,
    pub reason: String,
}

/// The full address for `im` in `domain`: `ann` → `ann@domain`; `ann@domain` kept (domain
/// compared case-insensitively); another domain, an empty name or odd characters refused.
pub fn full_address(im: &str, domain: &str) -> Result<String, String> {
    let im = im.trim();
    let (local, dom) = match im.split_once('@') {
        Some((local, dom)) => (local, Some(dom)),
        None => (im, None),
    };
    if local.is_empty() {
        return Err("enter the name before the @".into());
    }
    if let Some(dom) = dom
        && !dom.eq_ignore_ascii_case(domain)
    {
        return Err(format!("the address must be in this domain (@{domain})"));
    }
    if local.chars().count() > 64 {
        return Err("the name before the @ is longer than 64 characters".into());
    }
    if let Some(bad) = local
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')))
    {
        return Err(format!(
            "{bad:?} is not allowed in an address (letters, digits and . _ - + are)"
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("dots may not start, end or repeat in an address".into());
    }
    Ok(format!("{local}@{domain}"))
}

/// Why `password` is refused, if it is.
pub fn password_problem(password: &str, address: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD {
        return Some(format!("use at least {MIN_PASSWORD} characters"));
    }
    if chars > MAX_PASSWORD {
        return Some(format!("use at most {MAX_PASSWORD} characters"));
    }
    if password.chars().any(char::is_control) {
        return Some("control characters are not allowed".into());
    }
    if !password.chars().any(char::is_alphabetic) || !password.chars().any(|c| !c.is_alphabetic()) {
        return Some("mix letters with digits or symbols".into());
    }
    let local = address.split('@').next().unwrap_or_default();
    if local.chars().count() >= 3 && password.to_lowercase().contains(&local.to_lowercase()) {
        return Some("the password must not contain the user's name".into());
    }
    None
}

/// Why `email` is refused, if it is (empty is allowed: the field is optional).
pub fn email_problem(email: &str) -> Option<String> {
    let email = email.trim();
    if email.is_empty() {
        return None;
    }
    let shape_ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    };
    if !shape_ok || email.chars().any(|c| c.is_whitespace() || c.is_control()) || email.len() > 254
    {
        return Some("enter an address like name@example.com".into());
    }
    None
}

/// Every problem of a draft (empty when it may be sent).
pub fn draft_problems(draft: &UserDraft, domain: &str) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let address = match full_address(&draft.im, domain) {
        Ok(a) => a,
        Err(reason) => {
            problems.push(FieldProblem {
                field: "im",
                reason,
            });
            String::new()
        }
    };
    if let Some(reason) = password_problem(&draft.password, &address) {
        problems.push(FieldProblem {
            field: "password",
            reason,
        });
    }
    if let Some(reason) = email_problem(&draft.email) {
        problems.push(FieldProblem {
            field: "email",
            reason,
        });
    }
    if draft.display_name.chars().count() > 256 {
        problems.push(FieldProblem {
            field: "displayName",
            reason: "use at most 256 characters".into(),
        });
    }
    problems
}

/// The API's parameters for a valid draft, or the first problem as [`Error::Invalid`].
pub fn new_user(draft: &UserDraft, domain: &str) -> Result<NewUser> {
    if let Some(p) = draft_problems(draft, domain).into_iter().next() {
        return Err(Error::Invalid {
            field: p.field,
            reason: p.reason,
        });
    }
    let address = full_address(&draft.im, domain).map_err(|r| Error::invalid("im", r))?;
    let text = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_owned())
    };
    Ok(NewUser {
        im: address,
        password: draft.password.clone(),
        email: text(&draft.email),
        displayname: text(&draft.display_name),
        group: draft.group,
        policy: draft.policy.filter(|&p| p != 0),
    })
}

/// The API's parameters for `changes`, checked.
pub fn user_update(changes: &UserChanges) -> Result<UserUpdate> {
    if let Some(email) = &changes.email
        && let Some(reason) = email_problem(email)
    {
        return Err(Error::invalid("email", reason));
    }
    if changes
        .display_name
        .as_ref()
        .is_some_and(|d| d.chars().count() > 256)
    {
        return Err(Error::invalid("displayName", "use at most 256 characters"));
    }
    Ok(UserUpdate {
        displayname: changes.display_name.as_ref().map(|s| s.trim().to_owned()),
        email: changes.email.as_ref().map(|s| s.trim().to_owned()),
        group: changes.group,
        policy: changes.policy,
        ..UserUpdate::default()
    })
}

/// A new random password from the OS's random source (16 characters, no look-alikes).
pub fn generate_password() -> Result<String> {
    loop {
        let mut bytes = [0u8; GENERATED_LEN * 2];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Internal(format!("no random source: {e}")))?;
        // Rejection sampling: bytes at or above the largest multiple of the alphabet are skipped.
        let n = PASSWORD_ALPHABET.len();
        let limit = 256 - 256 % n;
        let password: String = bytes
            .iter()
            .filter(|&&b| usize::from(b) < limit)
            .map(|&b| char::from(PASSWORD_ALPHABET[usize::from(b) % n]))
            .take(GENERATED_LEN)
            .collect();
        if password.len() == GENERATED_LEN && password_problem(&password, "").is_none() {
            return Ok(password);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_stay_in_the_domain() {
        assert_eq!(
            full_address("ann", "acme.example").as_deref(),
            Ok("ann@acme.example")
        );
        assert_eq!(
            full_address(" Ann.Lee@ACME.example ", "acme.example").as_deref(),
            Ok("Ann.Lee@acme.example")
        );
        assert!(full_address("ann@other.example", "acme.example").is_err());
        assert!(full_address("@acme.example", "acme.example").is_err());
        assert!(full_address("a b", "acme.example").is_err());
        assert!(full_address("a/b", "acme.example").is_err());
        assert!(full_address("a..b", "acme.example").is_err());
        assert!(
            full_address("jürgen", "acme.example").is_ok(),
            "letters of any script"
        );
    }

    #[test]
    fn password_rules() {
        assert!(password_problem("short1", "ann@x").is_some());
        assert!(password_problem("lettersonly", "ann@x").is_some());
        assert!(password_problem("12345678", "ann@x").is_some());
        assert!(
            password_problem("Annabel-2024", "annabel@x").is_some(),
            "contains the name"
        );
        assert!(password_problem("tide-pool-7", "ann@x").is_none());
        assert!(password_problem(&"a1".repeat(65), "ann@x").is_some());
    }

    #[test]
    fn email_shapes() {
        assert!(email_problem("").is_none(), "optional");
        assert!(email_problem("ann@mail.example").is_none());
        for bad in [
            "ann",
            "ann@",
            "@mail.example",
            "ann@mail",
            "a b@mail.example",
            "a@b@c.d",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn a_draft_reports_every_problem_and_never_shows_the_password() {
        let draft = UserDraft {
            im: "x@elsewhere.example".into(),
            password: "pw".into(),
            email: "nope".into(),
            ..UserDraft::default()
        };
        let fields: Vec<&str> = draft_problems(&draft, "acme.example")
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["im", "password", "email"]);
        assert!(!format!("{draft:?}").contains("\"pw\""));
        let ok = UserDraft {
            im: "ann".into(),
            password: "tide-pool-7".into(),
            policy: Some(0),
            ..UserDraft::default()
        };
        let new = new_user(&ok, "acme.example").expect("valid");
        assert_eq!(new.im, "ann@acme.example");
        assert_eq!(new.policy, None, "0 = inherit is not sent");
        assert_eq!(new.email, None);
    }

    #[test]
    fn generated_passwords_follow_the_rules_and_differ() {
        let a = generate_password().expect("random");
        let b = generate_password().expect("random");
        assert_eq!(a.len(), 16);
        assert!(password_problem(&a, "someone@x").is_none(), "{a}");
        assert_ne!(a, b);
    }
}

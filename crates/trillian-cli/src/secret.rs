//! Reading secrets (API tokens, user passwords): from a prompt without echo, from standard input,
//! or — for one-off use — from the `TRILLIAN_TOKEN` environment variable. Never from an argument,
//! where it would land in shell history and in the process list.

use std::io::{self, IsTerminal, Read};

use crate::error::{Error, Result};

/// The environment variable holding a token for one-off use with `--url` and `--domain`.
pub const TOKEN_ENV: &str = "TRILLIAN_TOKEN";

/// Longest secret read from standard input; a token is a few hundred bytes.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// Where a secret comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A prompt on the terminal, without echo.
    Prompt,
    /// Standard input, up to the end (one trailing newline removed).
    Stdin,
}

impl Source {
    pub fn from_flag(stdin: bool) -> Self {
        if stdin { Self::Stdin } else { Self::Prompt }
    }
}

/// Reads a secret. `what` names it in the prompt and in errors (`token`, `password`).
pub fn read(source: Source, what: &str) -> Result<String> {
    let secret = match source {
        Source::Stdin => {
            let mut text = String::new();
            io::stdin()
                .lock()
                .take(MAX_SECRET_BYTES)
                .read_to_string(&mut text)
                .map_err(|e| Error::io(format!("reading the {what} from standard input"), e))?;
            text
        }
        Source::Prompt => {
            if !io::stdin().is_terminal() {
                return Err(Error::Usage(format!(
                    "no terminal to prompt for the {what} on: pass --{what}-stdin and pipe it in"
                )));
            }
            rpassword::prompt_password(format!("{} (input hidden): ", capitalised(what)))
                .map_err(|e| Error::io(format!("reading the {what} from the terminal"), e))?
        }
    };
    let secret = secret.trim_end_matches(['\r', '\n']).to_owned();
    if secret.trim().is_empty() {
        return Err(Error::Usage(format!("the {what} is empty")));
    }
    Ok(secret)
}

/// The token of `TRILLIAN_TOKEN`, if set and not empty.
pub fn from_env() -> Option<String> {
    std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Asks for confirmation of a destructive operation: the person types `word` (the name of what
/// will be lost). `--yes` skips the question; without a terminal to ask on, the operation is
/// refused rather than done unasked.
pub fn confirm(yes: bool, question: &str, word: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "{question}: refused without --yes (no terminal to ask on)"
        )));
    }
    eprint!("{question}\nType {word} to confirm: ");
    let mut answer = String::new();
    io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::io("reading the confirmation", e))?;
    if answer.trim() == word {
        Ok(())
    } else {
        Err(Error::Usage(
            "not confirmed; nothing was changed".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_label_is_capitalised() {
        assert_eq!(capitalised("token"), "Token");
        assert_eq!(capitalised(""), "");
    }
}

//! The command tree (clap derive): global options and one subcommand per area of the API.

use clap::{Args, Parser, Subcommand};

use crate::output::Format;
use crate::{completion, group, groupchat, policy, presence, profile, user};

/// Administer a Trillian for Business domain through the Trillian Server API v2.
///
/// Uses the active profile (shared with the desktop app) unless `--profile NAME` picks another, or
/// `--url` and `--domain` name a server directly with the token in the TRILLIAN_TOKEN environment
/// variable. Exit codes: 0 ok, 1 the server refused (reason on standard error), 2 usage, 3
/// authentication (no token, or the server did not accept it), 4 network.
#[derive(Debug, Parser)]
#[command(
    name = "trillian",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The profile to use (default: the active one).
    #[arg(long, global = true, env = "TRILLIAN_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// Server base URL for one-off use without a profile (with --domain; token in TRILLIAN_TOKEN).
    #[arg(long, global = true, value_name = "URL", requires = "domain")]
    pub url: Option<String>,
    /// Domain for one-off use without a profile (with --url).
    #[arg(long, global = true, value_name = "DOMAIN", requires = "url")]
    pub domain: Option<String>,
    /// Seconds to wait for the server (connecting, each read, the whole answer).
    #[arg(long, global = true, env = "TRILLIAN_TIMEOUT", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub output: Format,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Server profiles shared with the desktop app (URL, domain; the token in the OS keychain).
    #[command(subcommand)]
    Profile(profile::Command),
    /// Users, their avatars, media and message history; CSV import and export.
    #[command(subcommand)]
    Users(user::Command),
    /// Groups and group peers (who sees whom).
    #[command(subcommand)]
    Groups(group::Command),
    /// Policies and their items.
    #[command(subcommand)]
    Policies(policy::Command),
    /// Group chats, their members, media and message history.
    #[command(subcommand)]
    Groupchats(groupchat::Command),
    /// Who is online, and setting a user's presence.
    #[command(subcommand)]
    Presence(presence::Command),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completion::Args),
}

impl Command {
    /// The journal's `(action, target)` for a command that changes something on the server;
    /// profile commands are journaled by trillian-core itself.
    pub fn journal_entry(&self) -> Option<(String, String)> {
        match self {
            Command::Users(cmd) => cmd.journal_entry(),
            Command::Groups(cmd) => cmd.journal_entry(),
            Command::Policies(cmd) => cmd.journal_entry(),
            Command::Groupchats(cmd) => cmd.journal_entry(),
            Command::Presence(cmd) => cmd.journal_entry(),
            Command::Profile(_) | Command::Completions(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_operation_of_the_reference_has_a_command() {
        let cli = Cli::command();
        let paths: &[&[&str]] = &[
            &["groupchats", "list"],
            &["groupchats", "get"],
            &["groupchats", "create"],
            &["groupchats", "update"],
            &["groupchats", "media", "list"],
            &["groupchats", "media", "get"],
            &["groupchats", "media", "upload"],
            &["groupchats", "media", "delete"],
            &["groupchats", "members", "list"],
            &["groupchats", "members", "add"],
            &["groupchats", "members", "remove"],
            &["groupchats", "messages", "weeks"],
            &["groupchats", "messages", "week"],
            &["groupchats", "messages", "send"],
            &["groupchats", "messages", "delete"],
            &["groups", "list"],
            &["groups", "get"],
            &["groups", "create"],
            &["groups", "update"],
            &["groups", "delete"],
            &["groups", "peers", "list"],
            &["groups", "peers", "add"],
            &["groups", "peers", "remove"],
            &["policies", "list"],
            &["policies", "get"],
            &["policies", "create"],
            &["policies", "update"],
            &["policies", "delete"],
            &["policies", "items"],
            &["presence", "list"],
            &["presence", "set"],
            &["users", "list"],
            &["users", "get"],
            &["users", "create"],
            &["users", "update"],
            &["users", "delete"],
            &["users", "avatar", "get"],
            &["users", "avatar", "set"],
            &["users", "avatar", "delete"],
            &["users", "media", "list"],
            &["users", "media", "get"],
            &["users", "media", "upload"],
            &["users", "media", "delete"],
            &["users", "messages", "weeks"],
            &["users", "messages", "week"],
            &["users", "messages", "send"],
            &["users", "messages", "delete"],
            &["users", "messages", "export"],
            &["groupchats", "messages", "export"],
            &["users", "import"],
            &["users", "export"],
            &["profile", "add"],
            &["profile", "list"],
            &["profile", "remove"],
            &["profile", "use"],
            &["profile", "test"],
        ];
        for path in paths {
            let mut cmd = &cli;
            for name in *path {
                cmd = cmd
                    .find_subcommand(name)
                    .unwrap_or_else(|| panic!("missing command `trillian {}`", path.join(" ")));
            }
        }
    }

    #[test]
    fn there_is_no_token_argument() {
        fn walk(cmd: &clap::Command, path: &str) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                assert!(
                    !id.contains("token") || id == "token_stdin",
                    "`{path}` takes a token as an argument (`{id}`): it would land in shell history"
                );
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        walk(&Cli::command(), "trillian");
    }
}

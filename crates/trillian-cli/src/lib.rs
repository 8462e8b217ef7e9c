//! `trillian`: the command-line companion of Trillian Server Admin.
//!
//! Every operation of the Trillian Server API v2 as a command, over the same profiles and OS
//! keychain as the desktop app (through `trillian-core`). See the README for the command list and
//! the recipe for adding a command.

pub mod cli;
mod completion;
mod context;
mod error;
mod flag;
mod group;
mod groupchat;
mod history;
mod media;
mod message;
mod output;
mod policy;
mod presence;
mod profile;
mod roster;
mod secret;
mod user;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use crate::error::{EXIT_API, EXIT_AUTH, EXIT_NETWORK, EXIT_USAGE, Error, Result};

use crate::cli::{Cli, Command};
use crate::context::Context;

/// Parses the command line, runs the command, prints the error (if any) on standard error and
/// returns the exit code.
pub fn main() -> ExitCode {
    // clap prints help and version (exit 0) and usage errors (exit 2) itself.
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trillian: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_API);
        }
    };
    let result = runtime.block_on(run(cli));
    // A hung keychain call may hold a blocking thread: exit without waiting for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "trillian: {}", output::printable(&e.to_string()));
            e.to_exit_code()
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let xml = cli.global.output == output::Format::Xml;
    let ctx = Context::new(cli.global);
    let journal_entry = cli.command.journal_entry();
    let result = match cli.command {
        Command::Profile(cmd) => profile::run(cmd, &ctx).await,
        Command::Users(cmd) => user::run(cmd, &ctx).await,
        Command::Groups(cmd) => group::run(cmd, &ctx).await,
        Command::Policies(cmd) => policy::run(cmd, &ctx).await,
        Command::Groupchats(cmd) => groupchat::run(cmd, &ctx).await,
        Command::Presence(cmd) => presence::run(cmd, &ctx).await,
        Command::Completions(args) => {
            completion::run(&args);
            Ok(())
        }
    };
    if let Some((action, target)) = journal_entry {
        ctx.journal(&action, &target, &result);
    }
    if xml && result.is_ok() {
        print_raw_answers(&ctx.raw_answers())?;
    }
    result
}

/// `--output xml`: the server's own XML answers of the command, byte for byte (a newline after
/// each that lacks one), or a clear note when there was none (a 204, a file, a local command).
fn print_raw_answers(answers: &[Vec<u8>]) -> Result<()> {
    if answers.is_empty() {
        eprintln!(
            "trillian: --output xml: the server's answer to this command is not XML (no XML \
             document was received), nothing to print"
        );
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    for body in answers {
        out.write_all(body).map_err(Error::stdout)?;
        if !body.ends_with(b"\n") {
            out.write_all(b"\n").map_err(Error::stdout)?;
        }
    }
    out.flush().map_err(Error::stdout)
}

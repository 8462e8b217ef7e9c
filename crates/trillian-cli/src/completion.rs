//! `trillian completions SHELL`: shell completion scripts.

use std::io;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to print a completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &Args) {
    let mut command = Cli::command();
    clap_complete::generate(
        args.shell,
        &mut command,
        "trillian",
        &mut io::stdout().lock(),
    );
}

//! `trillian-sandbox`: serve the API sandbox, or issue a token for one of its principals.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use trillian_sandbox::{Config, DbLocation, Owner, Sandbox};

#[derive(Parser)]
#[command(
    name = "trillian-sandbox",
    version,
    about = "A reference server of the Trillian Server API v2"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API. Prints `listening on http://IP:PORT` as the first line of standard output.
    Serve {
        /// Address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// SQLite file (created if missing; data and tokens survive restarts) or `:memory:`.
        #[arg(long, default_value = ":memory:")]
        db: String,
        /// Domain to serve; repeat for several. The first is the main one.
        #[arg(long = "domain", required = true)]
        domains: Vec<String>,
        /// Fill domains that have no users with the demo company.
        #[arg(long)]
        demo: bool,
        /// Base URL written in `href`s (default: the listening address).
        #[arg(long)]
        public_url: Option<String>,
        /// Seed of the demo data.
        #[arg(long, default_value_t = 0x7121_11a4)]
        seed: u64,
        /// Largest request body accepted (bytes); larger ones get 413.
        #[arg(long, default_value_t = trillian_sandbox::DEFAULT_MAX_BODY_BYTES)]
        max_body_bytes: usize,
        /// Largest media-upload body accepted (bytes; streamed to a file); larger ones get 413.
        #[arg(long, default_value_t = trillian_sandbox::DEFAULT_MAX_UPLOAD_BYTES)]
        max_upload_bytes: usize,
        /// Erase the domains' data first (then regenerate the demo data with --demo).
        #[arg(long)]
        reset: bool,
        /// After the `listening on` line, print `admin-token DOMAIN TOKEN` for each domain.
        #[arg(long)]
        print_admin_token: bool,
    },
    /// Create a token and print it (and nothing else) on standard output.
    Token {
        /// The sandbox's SQLite file.
        #[arg(long)]
        db: PathBuf,
        /// The token's domain (created if the file does not have it yet).
        #[arg(long)]
        domain: String,
        /// `admin`, or the IM address of an existing user.
        #[arg(long)]
        owner: String,
    },
}

fn db_location(db: &str) -> DbLocation {
    if db == ":memory:" {
        DbLocation::Memory
    } else {
        DbLocation::Path(PathBuf::from(db))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trillian-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> trillian_sandbox::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            db,
            domains,
            demo,
            public_url,
            seed,
            max_body_bytes,
            max_upload_bytes,
            reset,
            print_admin_token,
        } => {
            let mut config = Config::new(domains[0].clone())
                .listen(listen)
                .db(db_location(&db))
                .demo(demo)
                .seed(seed)
                .max_body_bytes(max_body_bytes)
                .max_upload_bytes(max_upload_bytes)
                .reset(reset);
            for d in domains.iter().skip(1) {
                config = config.domain(d.clone());
            }
            if let Some(url) = public_url {
                config = config.public_url(url);
            }
            let sandbox = Sandbox::start(config).await?;
            let stop = stopped();
            println!("listening on {}", sandbox.url());
            if print_admin_token {
                for d in sandbox.domains() {
                    println!("admin-token {d} {}", sandbox.admin_token(d));
                }
            }
            stop.await;
            sandbox.shutdown().await;
            Ok(())
        }
        Command::Token { db, domain, owner } => {
            let owner = if owner == "admin" {
                Owner::Admin
            } else {
                Owner::User(owner)
            };
            let config = Config::new(domain.clone()).db(DbLocation::Path(db));
            let token = tokio::task::spawn_blocking(move || {
                let state = trillian_sandbox::AppState::open(&config, "http://127.0.0.1")?;
                state.issue_token(&domain, owner)
            })
            .await
            .map_err(|e| trillian_sandbox::Error::Task(e.to_string()))??;
            println!("{token}");
            Ok(())
        }
    }
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called (before the
/// `listening on` line), not when it is first awaited: a SIGTERM sent right after that line is a
/// clean stop, not the default death.
fn stopped() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            return Box::pin(async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            });
        }
    }
    Box::pin(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

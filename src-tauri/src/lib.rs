//! Trillian Server Admin, the desktop shell: window, IPC commands, security frame.
//! What the app does lives in trillian-core; this crate only exposes it to the web view.

pub mod certificate;
pub mod commands;
pub mod dialog;
pub mod error;
pub mod state;
pub mod window;

#[cfg(test)]
mod security;

/// Starts the app. `--sandbox` on the command line opens the embedded sandbox directly.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let open_sandbox = std::env::args().skip(1).any(|a| a == "--sandbox");
    let core = match open_core() {
        Ok(core) => core,
        Err(e) => {
            eprintln!("Trillian Server Admin could not start: {e}");
            std::process::exit(1);
        }
    };
    let commands = commands::builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(window::navigation_guard())
        .manage(state::AppState::new(core, open_sandbox))
        .manage(commands::media::MediaState::default())
        .on_window_event(commands::media::on_window_event)
        .invoke_handler(commands.invoke_handler())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Trillian Server Admin could not start: {e}");
        std::process::exit(1);
    }
}

/// trillian-core on the OS's folders (honouring `XDG_CONFIG_HOME`/`XDG_DATA_HOME`), tokens in
/// the Secret Service. When that store is unavailable the Connect screen says so and offers
/// session-only mode.
fn open_core() -> trillian_core::Result<trillian_core::Core> {
    let paths = trillian_core::Paths::from_os()?;
    trillian_core::Core::new(paths, trillian_core::Keychain::secret_service())
}

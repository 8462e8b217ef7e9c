//! Declares the app's own commands to Tauri's ACL, so that only what the capability file in
//! `capabilities/` grants can be invoked, and only by the windows it names.

const COMMANDS: &[&str] = include!("src/commands/names.rs");

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}

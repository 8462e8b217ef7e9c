//! The main window's guard rails: where it may navigate, which links leave the app.

use url::Url;

use crate::error::{IpcError, IpcResult};

/// May the main window load `url`? Only the app's own pages: the embedded assets
/// (`tauri://localhost`, `http(s)://tauri.localhost` on Windows) and, in dev builds, the Vite
/// server named in `devUrl`.
pub fn navigation_allowed(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => {
            url.host_str() == Some("tauri.localhost")
                || (tauri::is_dev()
                    && url.host_str() == Some("localhost")
                    && url.port() == Some(5173))
        }
        _ => false,
    }
}

/// Keeps every webview of the app on the app's own pages: any other navigation is cancelled
/// (external links go through `open_external`, which hands https links to the OS browser).
pub fn navigation_guard<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = navigation_allowed(url);
            if !allowed {
                tracing::warn!(
                    "blocked navigation to {}://{}",
                    url.scheme(),
                    url.host_str().unwrap_or("")
                );
            }
            allowed
        })
        .build()
}

/// Checks a link the UI wants opened in the OS browser: absolute https with a host, no
/// credentials in it.
pub fn external_url(raw: &str) -> IpcResult<Url> {
    let url = Url::parse(raw.trim()).map_err(|_| IpcError::invalid("That is not a valid link."))?;
    if url.scheme() != "https" {
        return Err(IpcError::invalid("Only https links are opened."));
    }
    if url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(IpcError::invalid("That link is not allowed."));
    }
    Ok(url)
}

/// Hands an (already checked) https URL to the desktop's browser.
pub fn open_in_browser(url: &Url) -> std::io::Result<()> {
    #[cfg(target_os = "macos")]
    let mut cmd = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut cmd = {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    };
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let mut cmd = std::process::Command::new("xdg-open");
    cmd.arg(url.as_str())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_window_stays_on_the_app() {
        assert!(
            navigation_allowed(&url("tauri://localhost/")),
            "embedded assets"
        );
        assert!(
            navigation_allowed(&url("tauri://localhost/dashboard")),
            "client routes"
        );
        assert!(
            navigation_allowed(&url("http://tauri.localhost/")),
            "Windows asset origin"
        );
        for bad in [
            "https://example.com/",
            "http://example.com/",
            "tauri://evil.example/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,hi",
            "https://tauri.localhost.evil.example/",
            "http://127.0.0.1:8080/",
        ] {
            assert!(
                !navigation_allowed(&url(bad)),
                "{bad} must not load in the main window"
            );
        }
    }

    #[test]
    fn only_https_links_leave_the_app() {
        assert!(external_url("https://www.trillian.im/help").is_ok());
        for bad in [
            "http://www.trillian.im/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "not a url",
            "tauri://localhost/",
        ] {
            assert!(external_url(bad).is_err(), "{bad} must be refused");
        }
    }
}

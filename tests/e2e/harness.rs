//! Drives the real app: one tauri-driver (and so one app process) per launch, each with its own
//! XDG config/data folders; screenshots on failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};

/// A failed step, with what was expected.
pub type Step<T = ()> = Result<T, String>;

/// How long any one UI wait may take (the sandbox's first start generates its demo data).
pub const WAIT: Duration = Duration::from_secs(40);

/// `<target>/debug`, found from this test binary (`<target>/debug/deps/e2e-…`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("target/debug")
}

/// The app binary: `TRILLIAN_APP_PATH`, or `<target>/debug/trillian-admin`.
pub fn app_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TRILLIAN_APP_PATH") {
        return PathBuf::from(p);
    }
    let path = profile_dir().join("trillian-admin");
    assert!(
        path.exists(),
        "{} not found: build it first (npm run build -w ui && cargo build -p trillian-admin \
         --features custom-protocol), or set TRILLIAN_APP_PATH",
        path.display()
    );
    path
}

/// `<target>/e2e`: screenshots.
pub fn shots_dir() -> PathBuf {
    let dir = profile_dir()
        .parent()
        .map(|t| t.join("e2e"))
        .expect("target dir");
    std::fs::create_dir_all(&dir).ok();
    dir
}

/// The app's own folders for one test (kept across restarts within the test).
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM, not Child::kill (SIGKILL): on SIGTERM tauri-driver stops its WebKitWebDriver
        // (and so the app); after SIGKILL they are orphaned and keep the test's pipes open.
        if let Ok(pid) = libc::pid_t::try_from(self.0.id()) {
            // SAFETY: kill(2) on the pid of a child we spawned and have not reaped yet.
            #[allow(unsafe_code)]
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One running app and its WebDriver session.
pub struct App {
    pub client: Client,
    name: String,
    _driver: Driver,
}

impl App {
    /// Starts the app with `home`'s folders and `args`, and waits until its page has loaded.
    pub async fn launch(name: &str, home: &Home, args: &[&str]) -> App {
        App::launch_with(name, home, args, &[]).await
    }

    /// [`App::launch`] with extra environment for the app (for example the files a debug
    /// build's file dialog "picks": `TRILLIAN_E2E_PICK_FILES`).
    pub async fn launch_with(
        name: &str,
        home: &Home,
        args: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> App {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run inside scripts/test-env.sh"
        );
        let app = app_path();
        let port = free_port();
        let native_port = free_port();
        // The app inherits tauri-driver's environment: that is how it gets its own folders.
        let driver = Driver(
            Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()))
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native_port.to_string(),
                ])
                .env("XDG_CONFIG_HOME", home.config())
                .env("XDG_DATA_HOME", home.data())
                .env("RUST_LOG", "warn")
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn tauri-driver (cargo install tauri-driver --locked --version 2.1.0)"),
        );
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "tauri-driver did not listen"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = Capabilities::new();
        caps.insert(
            "tauri:options".to_string(),
            serde_json::json!({ "application": app, "args": args }),
        );
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("WebDriver session with the app");
        let app = App {
            client,
            name: name.to_owned(),
            _driver: driver,
        };
        let url = app.client.current_url().await.expect("current url");
        if url.scheme() != "tauri" {
            app.fail_now(&format!(
                "the app loaded {url}: it is a dev-mode build. Build it with embedded assets: \
                 npm run build -w ui && cargo build -p trillian-admin --features custom-protocol"
            ))
            .await;
        }
        app
    }

    /// Saves a screenshot as `<target>/e2e/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let path = shots_dir().join(format!("{name}.png"));
        // Let WebKit paint the last DOM change: its screenshot is of the last painted frame.
        tokio::time::sleep(Duration::from_millis(400)).await;
        match self.client.screenshot().await {
            Ok(png) => {
                std::fs::write(&path, png).ok();
            }
            Err(e) => eprintln!("screenshot failed: {e}"),
        }
        path
    }

    /// Screenshot, end the session, panic with `why`.
    pub async fn fail_now(&self, why: &str) -> ! {
        let shot = self.screenshot(&format!("{}-failure", self.name)).await;
        let _ = self.client.clone().close().await;
        panic!("{why}\n(screenshot: {})", shot.display());
    }

    /// Ends the session; the app exits.
    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
        drop(self);
    }

    /// Unwraps a step or fails the test with a screenshot.
    pub async fn check<T>(&self, step: Step<T>) -> T {
        match step {
            Ok(v) => v,
            Err(why) => self.fail_now(&why).await,
        }
    }

    pub async fn wait_for(&self, locator: Locator<'_>, what: &str) -> Step<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(locator)
            .await
            .map_err(|e| format!("waiting for {what}: {e}"))
    }

    /// A button by its visible text or accessible name, as a person would find it.
    pub async fn button(&self, name: &str) -> Step<Element> {
        let xpath =
            format!("//button[normalize-space()='{name}' or @aria-label='{name}'][not(@disabled)]");
        self.wait_for(Locator::XPath(&xpath), &format!("button {name:?}"))
            .await
    }

    pub async fn click(&self, name: &str) -> Step {
        let button = self.button(name).await?;
        button
            .click()
            .await
            .map_err(|e| format!("clicking {name:?}: {e}"))
    }

    /// Follows a link by its text.
    pub async fn click_link(&self, text: &str) -> Step {
        let xpath = format!("//a[normalize-space()='{text}']");
        let link = self
            .wait_for(Locator::XPath(&xpath), &format!("link {text:?}"))
            .await?;
        link.click()
            .await
            .map_err(|e| format!("clicking link {text:?}: {e}"))
    }

    /// Types into the field labelled `label` (replacing its content).
    pub async fn fill(&self, label: &str, text: &str) -> Step {
        let xpath = format!("//input[@id=//label[normalize-space()='{label}']/@for]");
        let input = self
            .wait_for(Locator::XPath(&xpath), &format!("field {label:?}"))
            .await?;
        input
            .clear()
            .await
            .map_err(|e| format!("clearing {label:?}: {e}"))?;
        input
            .send_keys(text)
            .await
            .map_err(|e| format!("typing into {label:?}: {e}"))
    }

    /// Waits until the element's text satisfies `ok`; returns it.
    pub async fn wait_text(
        &self,
        css: &str,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Step<String> {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < WAIT {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = el.text().await
            {
                if ok(&text) {
                    return Ok(text);
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        Err(format!("{what}: gave up waiting; last text {last:?}"))
    }

    /// Waits until nothing on the page says "Loading…", then fails if an error is shown.
    pub async fn settled(&self, what: &str) -> Step {
        let start = Instant::now();
        loop {
            let loading = self
                .client
                .find_all(Locator::XPath(
                    "//*[@role='status'][starts-with(normalize-space(), 'Loading')]",
                ))
                .await
                .map_err(|e| format!("{what}: {e}"))?;
            if loading.is_empty() {
                break;
            }
            if start.elapsed() > WAIT {
                return Err(format!("{what}: still loading after {WAIT:?}"));
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        let alerts = self
            .client
            .find_all(Locator::Css("[role='alert']"))
            .await
            .map_err(|e| format!("{what}: {e}"))?;
        for alert in alerts {
            let text = alert.text().await.unwrap_or_default();
            if !text.trim().is_empty() {
                return Err(format!("{what} shows an error: {text}"));
            }
        }
        Ok(())
    }

    pub async fn attr(&self, css: &str, name: &str) -> Step<Option<String>> {
        let el = self.wait_for(Locator::Css(css), css).await?;
        el.attr(name)
            .await
            .map_err(|e| format!("attribute {name} of {css}: {e}"))
    }

    /// The five dashboard counts, once they are shown.
    pub async fn dashboard_counts(&self) -> Step<Counts> {
        let mut read = [0usize; 5];
        for (slot, key) in
            read.iter_mut()
                .zip(["users", "groups", "policies", "groupchats", "online"])
        {
            let css = format!("[data-count='{key}']");
            let text = self
                .wait_text(&css, &format!("dashboard count {key}"), |t| {
                    t.trim().parse::<usize>().is_ok()
                })
                .await?;
            *slot = text
                .trim()
                .parse()
                .map_err(|e| format!("count {key}: {e}"))?;
        }
        let [users, groups, policies, groupchats, online] = read;
        Ok(Counts {
            users,
            groups,
            policies,
            groupchats,
            online,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub users: usize,
    pub groups: usize,
    pub policies: usize,
    pub groupchats: usize,
    pub online: usize,
}

/// What the server itself says, through the typed client.
pub async fn server_counts(base_url: &str, domain: &str, token: &str) -> Counts {
    use trillian_api::{Client, Expand, PresenceStatus, Token};
    let client = Client::builder(base_url, domain, Token::new(token))
        .build()
        .expect("client");
    let users = client.users().list().await.expect("users").len();
    let groups = client
        .groups()
        .list(Expand::empty())
        .await
        .expect("groups")
        .len();
    let policies = client.policies().list().await.expect("policies").len();
    let groupchats = client
        .groupchats()
        .list(Expand::empty())
        .await
        .expect("group chats")
        .len();
    let online = client
        .presence()
        .list()
        .await
        .expect("presence")
        .iter()
        .filter(|p| p.status != PresenceStatus::Offline)
        .count();
    Counts {
        users,
        groups,
        policies,
        groupchats,
        online,
    }
}

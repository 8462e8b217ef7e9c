//! The harness: one sandbox for the whole suite, and `trillian` runs against it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

pub const DOMAIN: &str = "example.com";

/// A token no server issued, to prove that a refused token never reaches any output.
pub const SENTINEL_TOKEN: &str = "SENTINEL-tok-7f3a9c1e5b";

/// The suite's sandbox, started once on its own runtime thread, and the tokens it issued.
pub struct Server {
    pub url: String,
    pub admin_token: String,
    requests: Mutex<tokio::sync::mpsc::UnboundedSender<TokenRequest>>,
}

type TokenRequest = (String, std::sync::mpsc::Sender<Option<String>>);

impl Server {
    /// A sandbox token of the user `im` (who must exist), issued on first use.
    pub fn user_token(&self, im: &str) -> String {
        let (tx, rx) = std::sync::mpsc::channel();
        self.requests
            .lock()
            .expect("lock")
            .send((im.to_owned(), tx))
            .expect("sandbox thread");
        rx.recv()
            .expect("sandbox answer")
            .unwrap_or_else(|| panic!("no token for {im}"))
    }
}

static SERVER: OnceLock<Server> = OnceLock::new();

pub fn server() -> &'static Server {
    SERVER.get_or_init(start_server)
}

fn start_server() -> Server {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (req_tx, mut req_rx) = tokio::sync::mpsc::unbounded_channel::<TokenRequest>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("sandbox runtime");
        runtime.block_on(async move {
            let config = trillian_sandbox::Config::new(DOMAIN);
            let sandbox = trillian_sandbox::Sandbox::start(config)
                .await
                .expect("start sandbox");
            let url = sandbox.url().to_string();
            let admin = sandbox.admin_token(DOMAIN);
            ready_tx.send((url, admin)).expect("hand over");
            // Serve token requests for the rest of the test process.
            while let Some((im, reply)) = req_rx.recv().await {
                let token = sandbox.user_token(DOMAIN, &im).or_else(|| {
                    sandbox
                        .issue_token(DOMAIN, trillian_sandbox::Owner::User(im))
                        .ok()
                });
                let _ = reply.send(token);
            }
        });
    });
    let (url, admin_token) = ready_rx.recv().expect("sandbox started");
    Server {
        url,
        admin_token,
        requests: Mutex::new(req_tx),
    }
}

/// The result of one `trillian` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub args: String,
}

impl Run {
    /// Asserts exit code 0 and returns the run.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "`trillian {}` failed:\n{}",
            self.args, self.stderr
        );
        self
    }

    /// Asserts this exit code, and a reason on standard error when it is not 0.
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code of `trillian {}`\nstdout: {}\nstderr: {}",
            self.args, self.stdout, self.stderr
        );
        if code != 0 {
            assert!(
                !self.stderr.trim().is_empty(),
                "a failure says why on stderr: {}",
                self.args
            );
        }
        self
    }

    /// Standard output as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`trillian {}` printed no JSON document ({e}):\n{}",
                self.args, self.stdout
            )
        })
    }
}

/// How a run finds its server and token.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub env: Vec<(String, String)>,
    pub prefix: Vec<String>,
    pub secrets: Vec<String>,
    pub stdin: Option<Vec<u8>>,
}

impl Invocation {
    /// One-off use: `--url --domain` with the token in `TRILLIAN_TOKEN`.
    pub fn one_off(url: &str, token: &str) -> Self {
        Invocation {
            env: vec![("TRILLIAN_TOKEN".into(), token.into())],
            prefix: vec!["--url".into(), url.into(), "--domain".into(), DOMAIN.into()],
            secrets: vec![token.into()],
            stdin: None,
        }
        .isolated_config(None)
    }

    /// The sandbox's administrator, one-off.
    pub fn admin() -> Self {
        let s = server();
        Invocation::one_off(&s.url, &s.admin_token)
    }

    /// Uses the config (profiles) folder `dir`, never the developer's own.
    pub fn isolated_config(mut self, dir: Option<&Path>) -> Self {
        self.env
            .retain(|(k, _)| k != "XDG_CONFIG_HOME" && k != "XDG_DATA_HOME");
        let dir = dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| std::env::temp_dir().join("trillian-cli-tests-none"));
        self.env.push((
            "XDG_CONFIG_HOME".into(),
            dir.join("config").display().to_string(),
        ));
        self.env.push((
            "XDG_DATA_HOME".into(),
            dir.join("data").display().to_string(),
        ));
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs `trillian ARGS` and checks that no secret appears in its output.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trillian"));
        cmd.args(&self.prefix).args(args);
        cmd.env_remove("TRILLIAN_TOKEN")
            .env_remove("TRILLIAN_PROFILE");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn trillian");
        if let Some(bytes) = &self.stdin {
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(bytes).expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait for trillian");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args: args.join(" "),
        };
        for secret in &self.secrets {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "the token appeared in the output of `trillian {}`",
                run.args
            );
        }
        run
    }
}

/// A name unique to this test process and call, for resources tests create.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}x{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs `trillian ARGS` on a pseudo-terminal (util-linux `script`), typing `typed`.
pub fn on_a_terminal(inv: &Invocation, args: &[&str], typed: &str) -> (i32, String) {
    use std::io::Write;
    let mut words: Vec<String> = vec![env!("CARGO_BIN_EXE_trillian").to_owned()];
    words.extend(inv.prefix.iter().cloned());
    words.extend(args.iter().map(|a| (*a).to_owned()));
    let line: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect();
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line.join(" "), "/dev/null"]);
    for (k, v) in &inv.env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd
        .spawn()
        .expect("util-linux `script` runs the command on a terminal");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(typed.as_bytes())
        .expect("type");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for secret in &inv.secrets {
        assert!(
            !text.contains(secret.as_str()),
            "the token appeared on the terminal"
        );
    }
    (out.status.code().unwrap_or(-1), text)
}

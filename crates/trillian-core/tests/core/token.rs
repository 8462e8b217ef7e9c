//! RELIABILITY 12: with a sentinel token, every failure path — refused connection, TLS failure,
//! 401, an undecodable answer — leaves the token out of every error's Display and Debug, every
//! report, the journal, every file, and every log line at trace level.

use std::io::Write;
use std::sync::{Arc, Mutex};

use trillian_core::{Core, ProfileDraft, StoreKind, Token};
use trillian_sandbox::{Config, Sandbox};

use crate::connection::TlsServer;
use crate::{Fixture, files_containing, sentinel};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

async fn exercise(
    core: &Core,
    url: &str,
    domain: &str,
    ca: Option<String>,
    secret: &str,
) -> String {
    let mut out = String::new();
    let p = core
        .save_profile(ProfileDraft {
            id: None,
            name: url.into(),
            base_url: url.into(),
            domain: domain.into(),
            ca_cert_pem: ca,
            post_for_updates: false,
            own_address: None,
        })
        .expect("save");
    core.set_token(&p.id, Token::new(secret))
        .await
        .expect("token");
    core.set_active(&p.id).expect("active");
    let report = core.test_connection(&p.id).await.expect("test");
    out.push_str(&format!("{report:?} {} ", report.summary()));
    out.push_str(&serde_json::to_string(&report).expect("json"));
    for result in [
        core.dashboard().await.map(|_| ()),
        core.users().await.map(|_| ()),
    ] {
        match result {
            Ok(()) => out.push_str("ok "),
            Err(e) => out.push_str(&format!("{e} {e:?} {:?} ", e.code())),
        }
    }
    out
}

#[test]
fn the_token_never_leaks_through_failures() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let secret = sentinel();
    let fx = Fixture::new();
    let outputs = tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async {
            let core = fx.core(StoreKind::SessionOnly);
            let mut outputs = Vec::new();
            // Refused connection.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .expect("bind")
                .local_addr()
                .expect("addr")
                .port();
            outputs.push(
                exercise(
                    &core,
                    &format!("http://127.0.0.1:{port}"),
                    "x.test",
                    None,
                    &secret,
                )
                .await,
            );
            // TLS failure (untrusted), then an undecodable answer (trusted, but HTML).
            let tls = TlsServer::start("localhost");
            let url = format!("https://localhost:{}", tls.port);
            outputs.push(exercise(&core, &url, "x.test", None, &secret).await);
            outputs.push(exercise(&core, &url, "x.test", Some(tls.ca_pem.clone()), &secret).await);
            // 401 from the real sandbox.
            let sandbox = Sandbox::start(Config::new("x.test").demo(false))
                .await
                .expect("sandbox");
            outputs.push(exercise(&core, sandbox.url(), "x.test", None, &secret).await);
            sandbox.shutdown().await;
            outputs
                .push(serde_json::to_string(&core.journal(1000).expect("journal")).expect("json"));
            outputs
        })
    });
    for (n, text) in outputs.iter().enumerate() {
        assert!(!text.contains(&secret), "case {n} leaks the token: {text}");
    }
    assert!(
        outputs[0].contains("unreachable") || outputs[0].contains("Unreachable"),
        "{}",
        outputs[0]
    );
    assert!(outputs[1].contains("Tls"), "{}", outputs[1]);
    assert!(outputs[3].contains("WrongToken"), "{}", outputs[3]);
    let logs = String::from_utf8_lossy(&logs.0.lock().expect("logs")).into_owned();
    assert!(!logs.is_empty(), "trace logging was captured");
    assert!(!logs.contains(&secret), "a log line holds the token");
    let files = files_containing(fx.dir.path(), &secret);
    assert!(files.is_empty(), "files hold the token: {files:?}");
}

//! "Test connection" against real servers: the sandbox over HTTP, a closed port, a TLS server
//! with a self-signed certificate (openssl s_server).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use trillian_core::{ConnectionReport, ProfileDraft, StoreKind, Token};
use trillian_sandbox::{Config, Sandbox};

use crate::{Fixture, sentinel};

fn draft(url: &str, domain: &str) -> ProfileDraft {
    ProfileDraft {
        id: None,
        name: "test".into(),
        base_url: url.into(),
        domain: domain.into(),
        ca_cert_pem: None,
        post_for_updates: false,
        own_address: None,
    }
}

#[tokio::test]
async fn sandbox_server_ok_wrong_token_other_domain_no_token() {
    let fx = Fixture::new();
    let core = fx.core(StoreKind::SessionOnly);
    let sandbox = Sandbox::start(Config::new("alpha.test").domain("beta.test").demo(true))
        .await
        .expect("sandbox");

    let p = core
        .save_profile(draft(sandbox.url(), "alpha.test"))
        .expect("save");
    assert_eq!(
        core.test_connection(&p.id).await.expect("test"),
        ConnectionReport::NoToken
    );

    core.set_token(&p.id, Token::new(sandbox.admin_token("alpha.test")))
        .await
        .expect("token");
    match core.test_connection(&p.id).await.expect("test") {
        ConnectionReport::Ok { counts } => {
            assert!(
                counts.users > 0 && counts.groups > 0 && counts.policies > 0,
                "{counts:?}"
            )
        }
        other => panic!("right token: {other:?}"),
    }
    // A client lent for operations this crate does not wrap: works, and keeps its token inside.
    let client = core.client(&p.id).await.expect("client");
    assert!(!client.users().list().await.expect("users").is_empty());
    assert!(!format!("{client:?}").contains(&sandbox.admin_token("alpha.test")));
    let quick = core
        .client_with(&p.id, |b| {
            b.request_timeout(Duration::from_secs(5)).max_retries(0)
        })
        .await
        .expect("client_with");
    assert!(
        !quick
            .groups()
            .list(trillian_api::Expand::empty())
            .await
            .expect("groups")
            .is_empty()
    );

    let secret = sentinel();
    core.set_token(&p.id, Token::new(secret.clone()))
        .await
        .expect("token");
    let report = core.test_connection(&p.id).await.expect("test");
    match &report {
        ConnectionReport::WrongToken { reason } => {
            assert!(
                reason.contains("invalid token"),
                "the server's reason: {reason}"
            )
        }
        other => panic!("wrong token: {other:?}"),
    }
    assert!(
        !format!("{report:?}").contains(&secret),
        "no token in the report"
    );
    let journal = serde_json::to_string(&core.journal(100).expect("journal")).expect("json");
    assert!(!journal.contains(&secret), "no token in the journal");

    // A token of another domain served by the same server: 401 "invalid token", as the API
    // rules; reported as a wrong token whose reason names the domain to check.
    core.set_token(&p.id, Token::new(sandbox.admin_token("beta.test")))
        .await
        .expect("token");
    match core.test_connection(&p.id).await.expect("test") {
        ConnectionReport::WrongToken { reason } => {
            assert!(
                reason.contains("alpha.test"),
                "the reason names the domain: {reason}"
            )
        }
        other => panic!("other domain's token: {other:?}"),
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn closed_port_is_unreachable_quickly() {
    let fx = Fixture::new();
    let core = fx.core(StoreKind::SessionOnly);
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let p = core
        .save_profile(draft(&format!("http://127.0.0.1:{port}"), "x.test"))
        .expect("save");
    core.set_token(&p.id, Token::new(sentinel()))
        .await
        .expect("token");
    let started = Instant::now();
    match core.test_connection(&p.id).await.expect("test") {
        ConnectionReport::Unreachable { reason } => {
            assert!(
                reason.to_lowercase().contains("refused"),
                "reason: {reason}"
            )
        }
        other => panic!("closed port: {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// openssl s_server with a certificate for `cn` signed by a fresh test CA; killed on drop.
pub struct TlsServer {
    child: Child,
    pub port: u16,
    pub ca_pem: String,
    _dir: tempfile::TempDir,
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl {args:?}");
}

impl TlsServer {
    pub fn start(cn: &str) -> TlsServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca = vec![
            "req",
            "-x509",
            "-days",
            "1",
            "-subj",
            "/CN=trillian-core test CA",
        ];
        ca.extend(ec);
        ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
        openssl(d, &ca);
        let subject = format!("/CN={cn}");
        let mut csr = vec!["req", "-subj", subject.as_str()];
        csr.extend(ec);
        csr.extend(["-keyout", "leaf.key", "-out", "leaf.csr"]);
        openssl(d, &csr);
        std::fs::write(
            d.join("ext.cnf"),
            format!(
                "subjectAltName=DNS:{cn}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            ),
        )
        .expect("ext");
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "1",
                "-out",
                "leaf.pem",
                "-extfile",
                "ext.cnf",
            ],
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let child = Command::new("openssl")
            .current_dir(d)
            .args([
                "s_server", "-quiet", "-www", "-cert", "leaf.pem", "-key", "leaf.key",
            ])
            .arg("-accept")
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s_server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "s_server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        let ca_pem = std::fs::read_to_string(d.join("ca.pem")).expect("ca");
        TlsServer {
            child,
            port,
            ca_pem,
            _dir: dir,
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn tls_problems_say_what_is_wrong_with_the_certificate() {
    let fx = Fixture::new();
    let core = fx.core(StoreKind::SessionOnly);
    let server = TlsServer::start("localhost");
    let url = format!("https://localhost:{}", server.port);

    // Untrusted (self-signed) certificate.
    let p = core.save_profile(draft(&url, "x.test")).expect("save");
    core.set_token(&p.id, Token::new(sentinel()))
        .await
        .expect("token");
    match core.test_connection(&p.id).await.expect("test") {
        ConnectionReport::Tls { reason } => {
            assert!(
                reason.contains("UnknownIssuer") || reason.contains("issuer"),
                "reason: {reason}"
            )
        }
        other => panic!("self-signed: {other:?}"),
    }

    // Trusted through the profile's CA: TLS passes (s_server then answers HTML, not the API).
    let mut d = draft(&url, "x.test");
    d.id = Some(p.id.clone());
    d.ca_cert_pem = Some(server.ca_pem.clone());
    core.save_profile(d).expect("save with CA");
    match core.test_connection(&p.id).await.expect("test") {
        ConnectionReport::Tls { reason } => panic!("the named CA must be trusted: {reason}"),
        ConnectionReport::Unreachable { reason } => panic!("reachable: {reason}"),
        _ => {}
    }

    // Trusted CA but another host name: a name mismatch.
    let mut d = draft(&format!("https://127.0.0.1:{}", server.port), "x.test");
    d.id = Some(p.id.clone());
    d.ca_cert_pem = Some(server.ca_pem.clone());
    core.save_profile(d).expect("save by IP");
    match core.test_connection(&p.id).await.expect("test") {
        ConnectionReport::Tls { reason } => {
            assert!(
                reason.contains("NotValidForName") || reason.contains("name"),
                "reason: {reason}"
            )
        }
        other => panic!("name mismatch: {other:?}"),
    }
}

//! TLS is always verified: an in-house CA is trusted only when given, and a certificate for
//! another host name fails even then. The certificates in `tests/fixtures/tls` were made once
//! with openssl (a CA, and a server certificate for `localhost` only, both valid for a century).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use trillian_api::*;

use crate::{TOKEN, fixture};

/// An HTTPS server on loopback answering every request with the reference's group chats.
async fn https_server() -> u16 {
    https_server_counting().await.0
}

/// [`https_server`], with the count of connections it accepted (one per attempt).
async fn https_server_counting() -> (u16, Arc<AtomicUsize>) {
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&fixture("tls/server.pem"))
            .collect::<Result<_, _>>()
            .expect("server certificate");
    let key = PrivateKeyDer::from_pem_slice(&fixture("tls/server.key")).expect("server key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let body = fixture("reference/groupchats_list.xml");
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.write_all(&body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, accepted)
}

fn client(url: String, with_ca: bool) -> Client {
    let mut b = Client::builder(url, "ceruleanstudios.com", Token::new(TOKEN)).max_retries(0);
    if with_ca {
        b = b.add_trusted_ca_pem(fixture("tls/ca.pem"));
    }
    b.build().expect("client")
}

#[tokio::test]
async fn an_in_house_ca_is_trusted_only_when_given() {
    let port = https_server().await;
    let url = format!("https://localhost:{port}");
    let r = client(url.clone(), false)
        .groupchats()
        .list(Expand::empty())
        .await;
    match r {
        Err(e @ Error::Transport { .. }) => {
            let text = format!("{e} {e:?}");
            assert!(
                text.to_lowercase().contains("issuer"),
                "fails on the issuer: {text}"
            );
            assert!(!text.contains(TOKEN), "no token in a TLS error");
        }
        other => panic!("an unknown CA must fail: {other:?}"),
    }
    let chats = client(url, true)
        .groupchats()
        .list(Expand::empty())
        .await
        .expect("trusted CA");
    assert_eq!(chats.len(), 2, "the answer came through TLS");
}

#[tokio::test]
async fn a_host_name_mismatch_fails_even_with_the_ca() {
    let port = https_server().await;
    // the certificate names `localhost` only; 127.0.0.1 is the same server under another name
    let c = client(format!("https://127.0.0.1:{port}"), true);
    let r = c.groupchats().list(Expand::empty()).await;
    match r {
        Err(Error::Transport { message }) => {
            assert!(
                message.contains("not valid for name"),
                "fails on the name: {message}"
            );
        }
        other => panic!("name mismatch must fail: {other:?}"),
    }
}

#[tokio::test]
async fn a_tls_failure_is_not_retried() {
    let (port, accepted) = https_server_counting().await;
    // retries enabled, with a backoff long enough to notice: a TLS failure must not use them
    let c = Client::builder(
        format!("https://localhost:{port}"),
        "ceruleanstudios.com",
        Token::new(TOKEN),
    )
    .max_retries(3)
    .retry_backoff(Duration::from_secs(2), Duration::from_secs(2))
    .build()
    .expect("client");
    let started = Instant::now();
    let r = c.groupchats().list(Expand::empty()).await;
    let took = started.elapsed();
    assert!(
        matches!(r, Err(Error::Transport { .. })),
        "an unknown CA fails: {r:?}"
    );
    assert!(
        took < Duration::from_secs(1),
        "failed at once, took {took:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "attempted once");
}

#[tokio::test]
async fn a_refused_connection_is_still_retried() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    // nothing listens on `port` any more: refused, which is transient
    let c = Client::builder(
        format!("http://127.0.0.1:{port}"),
        "ceruleanstudios.com",
        Token::new(TOKEN),
    )
    .max_retries(2)
    .retry_backoff(Duration::from_millis(300), Duration::from_millis(300))
    .build()
    .expect("client");
    let started = Instant::now();
    let r = c.groupchats().list(Expand::empty()).await;
    assert!(matches!(r, Err(Error::Transport { .. })), "refused: {r:?}");
    // two waits of at least half the 300 ms backoff each
    assert!(started.elapsed() >= Duration::from_millis(300), "retried");
}

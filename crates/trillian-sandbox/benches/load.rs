//! Load generator: requests per second and latency percentiles of the sandbox on loopback, with
//! 50 keep-alive connections speaking raw HTTP/1.1 (a minimal client, so that the generator costs
//! little of the shared CPU). Each scenario is bounded in time (`LOAD_SECS`, default 5, max 30).
//!
//! Run: `cargo bench -p trillian-sandbox --bench load` (release build). Prints one line a scenario
//! and fails (exit 1) on any unexpected status or connection error.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use trillian_sandbox::{Config, Owner, Sandbox};

const DOMAIN: &str = "load.test";
const CONNECTIONS: usize = 50;

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

struct Outcome {
    latencies: Vec<Duration>,
    errors: Vec<String>,
    bytes: u64,
}

/// Reads one response; returns (status, body length).
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<(u16, usize)> {
    buf.clear();
    let mut chunk = [0u8; 65536];
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed in body",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok((status, len))
}

async fn connection(addr: String, request: Vec<u8>, expect: u16, until: Instant) -> Outcome {
    let mut out = Outcome {
        latencies: Vec::new(),
        errors: Vec::new(),
        bytes: 0,
    };
    let mut stream = match TcpStream::connect(&addr).await {
        Ok(s) => s,
        Err(e) => {
            out.errors.push(format!("connect: {e}"));
            return out;
        }
    };
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(1 << 20);
    while Instant::now() < until {
        let start = Instant::now();
        if let Err(e) = stream.write_all(&request).await {
            out.errors.push(format!("write: {e}"));
            return out;
        }
        match read_response(&mut stream, &mut buf).await {
            Ok((status, len)) if status == expect => {
                out.latencies.push(start.elapsed());
                out.bytes += len as u64;
            }
            Ok((status, _)) => {
                out.errors.push(format!(
                    "status {status}: {}",
                    String::from_utf8_lossy(&buf)
                ));
                if out.errors.len() > 5 {
                    return out;
                }
            }
            Err(e) => {
                out.errors.push(format!("read: {e}"));
                return out;
            }
        }
    }
    out
}

/// One kind of request of a scenario, sent over `connections` connections.
struct Load {
    label: &'static str,
    request: Vec<u8>,
    expect: u16,
    connections: usize,
}

/// Runs the loads side by side for `secs`; prints one line per load; false on any error.
async fn scenario(addr: &str, loads: Vec<Load>, secs: u64) -> bool {
    let until = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut running = Vec::new();
    for load in &loads {
        let tasks: Vec<_> = (0..load.connections)
            .map(|_| {
                tokio::spawn(connection(
                    addr.to_owned(),
                    load.request.clone(),
                    load.expect,
                    until,
                ))
            })
            .collect();
        running.push(tasks);
    }
    let mut ok = true;
    for (load, tasks) in loads.iter().zip(running) {
        let mut latencies = Vec::new();
        let mut errors = Vec::new();
        let mut bytes = 0;
        for t in tasks {
            match t.await {
                Ok(o) => {
                    latencies.extend(o.latencies);
                    errors.extend(o.errors);
                    bytes += o.bytes;
                }
                Err(e) => errors.push(format!("task: {e}")),
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort_unstable();
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN)
        };
        println!(
            "{:<44} {:>3} conn {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  {:>7.1} MB/s  {} errors",
            load.label,
            load.connections,
            latencies.len() as f64 / elapsed,
            pct(0.50),
            pct(0.99),
            latencies
                .last()
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN),
            bytes as f64 / elapsed / 1e6,
            errors.len()
        );
        for e in errors.iter().take(3) {
            println!("    error: {}", e.chars().take(300).collect::<String>());
        }
        ok &= errors.is_empty();
    }
    ok
}

fn get(path: &str, token: &str) -> Vec<u8> {
    format!(
        "GET {path}?token={} HTTP/1.1\r\nHost: bench\r\n\r\n",
        enc(token)
    )
    .into_bytes()
}

fn main() {
    let secs: u64 = std::env::var("LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .clamp(1, 30);
    let dir = std::env::temp_dir().join(format!("trillian-sandbox-load-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let db = dir.join("load.db");

    // The server has its own runtime (as in the app), the generator another.
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let db_for_server = db.clone();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("server runtime");
        rt.block_on(async move {
            let sandbox = Sandbox::start(Config::new(DOMAIN).db_path(&db_for_server))
                .await
                .expect("start");
            sandbox
                .state()
                .seed_users(DOMAIN, "load", 1000)
                .expect("seed 1000 users");
            let a = sandbox
                .issue_token(DOMAIN, Owner::User(format!("load1@{DOMAIN}")))
                .expect("token");
            let _ = tx.send((
                sandbox.url().to_owned(),
                sandbox.admin_token(DOMAIN),
                a,
                sandbox.state().clone(),
            ));
            let _ = stop_rx.await;
            sandbox.shutdown().await;
        });
    });
    let (url, admin, sender, state) = rx.recv().expect("server up");
    let addr = url.trim_start_matches("http://").to_owned();
    println!(
        "trillian-sandbox load: {CONNECTIONS} connections, {secs} s a scenario, {} cores, file DB (WAL, synchronous=FULL)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    let rt = tokio::runtime::Runtime::new().expect("generator runtime");
    let ok = rt.block_on(async {
        let one = get(&format!("/v2/{DOMAIN}/users/load42@{DOMAIN}/"), &admin);
        let all = get(&format!("/v2/{DOMAIN}/users/"), &admin);
        let body =
            format!("from=load1%40{DOMAIN}&message=Sea+trial+at+14%3A00%2C+bring+the+spare+modem");
        let post = format!(
            "POST /v2/{DOMAIN}/users/load2@{DOMAIN}/messages/?token={} HTTP/1.1\r\nHost: bench\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            enc(&sender),
            body.len()
        )
        .into_bytes();
        let load = |label, request: &Vec<u8>, expect, connections| Load {
            label,
            request: request.clone(),
            expect,
            connections,
        };
        let mut ok = true;
        ok &= scenario(
            &addr,
            vec![load("GET one user", &one, 200, CONNECTIONS)],
            secs,
        )
        .await;
        ok &= scenario(
            &addr,
            vec![load("GET users (1,000 users)", &all, 200, CONNECTIONS)],
            secs,
        )
        .await;
        ok &= scenario(
            &addr,
            vec![load("POST messages (fsync each)", &post, 200, CONNECTIONS)],
            secs,
        )
        .await;
        state.set_user_list_cache(false);
        let cold = load(
            "GET users (1,000 users), no answer cache",
            &all,
            200,
            CONNECTIONS,
        );
        ok &= scenario(&addr, vec![cold], secs).await;
        state.set_user_list_cache(true);
        // Every user update invalidates the cached user list: it is written afresh after each.
        let patch_body = "displayname=Renamed+by+the+load+test";
        let patch = format!(
            "PATCH /v2/{DOMAIN}/users/load7@{DOMAIN}/?token={} HTTP/1.1\r\nHost: bench\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{patch_body}",
            enc(&admin),
            patch_body.len()
        )
        .into_bytes();
        let mixed = vec![
            load("GET users (1,000) while users change", &all, 200, CONNECTIONS - 5),
            load("  ... PATCH a user alongside", &patch, 200, 5),
        ];
        ok &= scenario(&addr, mixed, secs).await;
        ok
    });
    let _ = stop_tx.send(());
    let _ = server.join();
    let _ = std::fs::remove_dir_all(&dir);
    if !ok {
        eprintln!("load: errors above");
        std::process::exit(1);
    }
}

//! Servers that misbehave: echo the request (token included) in their errors, answer garbage,
//! redirect elsewhere. Whatever they do, the token never reaches the CLI's output, and the exit
//! code says what kind of failure it was.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use crate::common::{Invocation, SENTINEL_TOKEN};

/// Serves every connection with `respond(request line)` until the test process ends.
fn serve(respond: fn(&str) -> String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head);
            let line = text.lines().next().unwrap_or_default().to_owned();
            let _ = stream.write_all(respond(&line).as_bytes());
        }
    });
    url
}

fn response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn server_error_echoing_the_request_exits_1_without_the_token() {
    let url = serve(|line| {
        response(
            "500 Internal Server Error",
            "text/xml",
            &format!("<response><error>cannot serve {line}</error></response>"),
        )
    });
    let run = Invocation::one_off(&url, SENTINEL_TOKEN)
        .run(&["groups", "list"])
        .code(1);
    assert!(
        run.stderr
            .contains("cannot serve GET /v2/example.com/groups/"),
        "the server's reason is shown: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("<redacted>"),
        "the echoed token is redacted: {}",
        run.stderr
    );
}

#[test]
fn unauthorized_echoing_the_request_exits_3_without_the_token() {
    let url = serve(|line| {
        response(
            "401 Unauthorized",
            "text/xml",
            &format!("<response><error>bad token in {line}</error></response>"),
        )
    });
    Invocation::one_off(&url, SENTINEL_TOKEN)
        .run(&["users", "get", "a@example.com"])
        .code(3);
}

#[test]
fn undecodable_answer_echoing_the_request_exits_1_without_the_token() {
    let url = serve(|line| response("200 OK", "text/xml", &format!("<response><user {line}")));
    Invocation::one_off(&url, SENTINEL_TOKEN)
        .run(&["--output", "json", "users", "list"])
        .code(1);
}

#[test]
fn redirect_to_another_origin_is_not_followed() {
    let url = serve(|line| {
        let path = line.split(' ').nth(1).unwrap_or("/");
        format!(
            "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.2:9{path}\r\ncontent-length: 0\r\n\
             connection: close\r\n\r\n"
        )
    });
    let run = Invocation::one_off(&url, SENTINEL_TOKEN).run(&["policies", "list"]);
    assert_eq!(
        run.code, 1,
        "a redirect elsewhere is refused: {}",
        run.stderr
    );
}

#[test]
fn a_server_that_never_answers_exits_4_after_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    // Accept connections and hold them open without a word.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let started = std::time::Instant::now();
    let run = Invocation::one_off(&url, SENTINEL_TOKEN)
        .run(&["--timeout", "1", "users", "list"])
        .code(4);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "gave up in time: {:?} ({})",
        started.elapsed(),
        run.stderr
    );
}

/// A server that lists no users and creates each one slowly (150 ms).
fn slow_creator(line: &str) -> String {
    if line.starts_with("GET") {
        return response("200 OK", "text/xml", "<response></response>");
    }
    std::thread::sleep(Duration::from_millis(150));
    response(
        "201 Created",
        "text/xml",
        "<response><user name=\"x@example.com\"><displayname>X</displayname><email/>\
         <group>1</group><policy>0</policy><flags>0</flags><createdAt>0</createdAt></user>\
         </response>",
    )
}

#[test]
fn import_stopped_by_ctrl_c_reports_every_row_and_exits_1() {
    use std::process::{Command, Stdio};
    let url = serve(slow_creator);
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("many.csv");
    let mut text = String::from("im,password\n");
    for i in 0..30 {
        text.push_str(&format!("n{i}@example.com,tide-pool-{i}\n"));
    }
    std::fs::write(&csv, text).expect("write csv");
    let inv = Invocation::one_off(&url, SENTINEL_TOKEN);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trillian"));
    cmd.args(&inv.prefix)
        .args(["--output", "json", "users", "import", "--concurrency", "1"])
        .arg(&csv)
        .envs(inv.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn");
    std::thread::sleep(Duration::from_millis(1200));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(killed.success(), "SIGINT sent");
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains(SENTINEL_TOKEN) && !stderr.contains(SENTINEL_TOKEN));
    assert_eq!(
        out.status.code(),
        Some(1),
        "stopped is not success: {stderr}"
    );
    assert!(
        stderr.contains("not started"),
        "says what was left: {stderr}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON report");
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 30, "every row has a result");
    let created = report["created"].as_u64().unwrap_or(0);
    let not_started = report["not_started"].as_u64().unwrap_or(0);
    assert!(
        created >= 1 && not_started >= 1,
        "some done, some left: {report}"
    );
    assert_eq!(
        created + not_started,
        30,
        "nothing lost, nothing failed: {report}"
    );
}

#[test]
fn tls_failure_exits_4_without_the_token() {
    // A plain-HTTP server behind an https:// URL: the TLS handshake fails.
    let url = serve(|_| response("200 OK", "text/xml", "<response></response>"));
    let https = url.replace("http://", "https://");
    let run = Invocation::one_off(&https, SENTINEL_TOKEN)
        .run(&["users", "list"])
        .code(4);
    assert!(run.stdout.is_empty());
}

#[test]
fn a_byte_a_second_drip_exits_4_after_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: 4096\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for _ in 0..60 {
                    std::thread::sleep(Duration::from_millis(500));
                    if stream.write_all(b" ").is_err() {
                        return;
                    }
                }
            });
        }
    });
    let started = std::time::Instant::now();
    Invocation::one_off(&url, SENTINEL_TOKEN)
        .run(&["--timeout", "2", "users", "list"])
        .code(4);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "gave up: {:?}",
        started.elapsed()
    );
}

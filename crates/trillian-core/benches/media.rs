//! Media benchmark: thumbnails beside `vipsthumbnail` and ImageMagick on the same generated
//! files, and an upload's throughput and peak memory against the sandbox.
//!
//! `cargo bench -p trillian-core --bench media` (`MEDIA_BENCH_UPLOAD_MIB`, default 1024, sets the
//! upload's size; `MEDIA_BENCH_RUNS`, default 5, the runs per figure; `MEDIA_BENCH_THUMBNAILS=0`
//! skips the thumbnails). The sandbox runs in a
//! child process (this binary with `--sandbox-child`), so that each side's peak memory is its own;
//! the child also runs a trivial HTTP sink (reads a body, answers 200), and `curl -T` of the same
//! file to that sink, before and after the upload, is the loopback ceiling the upload is compared
//! with. Peers are timed as whole processes (that is how they are used); ours in-process, plus the
//! start-up of a process, measured separately.

use std::io::{BufRead, BufReader, Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use trillian_core::job::Cancel;
use trillian_core::media::thumbnail::{self, ImageLimits};
use trillian_core::media::{MediaOwner, UploadFile, UploadSink};
use trillian_core::{Core, Keychain, Paths, ProfileDraft, Token};

fn main() {
    if std::env::args().any(|a| a == "--sandbox-child") {
        sandbox_child();
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        // `cargo bench -- --list` asks for the benchmarks' names.
        println!("media: bench");
        return;
    }
    let runs: usize = env_num("MEDIA_BENCH_RUNS", 5);
    let upload_mib: u64 = env_num("MEDIA_BENCH_UPLOAD_MIB", 1024);
    let dir = tempfile::tempdir().expect("tempdir");
    // The upload first: peak memory is process-wide, and image decoding would raise it.
    upload_bench(dir.path(), upload_mib);
    if env_num("MEDIA_BENCH_THUMBNAILS", 1) != 0 {
        thumbnail_bench(dir.path(), runs);
    }
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn time_process(cmd: &str, args: &[&str], runs: usize) -> Option<Duration> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new(cmd)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        times.push(started.elapsed());
    }
    Some(median(times))
}

/// Photo-like pixels: gradients with noise (JPEG files of realistic size).
fn photo(width: u32, height: u32) -> RgbImage {
    let mut rng = fastrand::Rng::with_seed(42);
    RgbImage::from_fn(width, height, |x, y| {
        let n = rng.u8(..) / 5;
        Rgb([
            ((x * 255 / width) as u8).saturating_add(n),
            ((y * 255 / height) as u8).saturating_add(n),
            (((x / 40 + y / 40) % 2) as u8 * 120).saturating_add(n),
        ])
    })
}

fn write_image(path: &Path, image: DynamicImage, format: ImageFormat) {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode");
    std::fs::write(path, out.into_inner()).expect("write");
}

fn thumbnail_bench(dir: &Path, runs: usize) {
    let files: Vec<(&str, PathBuf)> = vec![
        ("JPEG 6000×4000", dir.join("photo.jpg")),
        ("PNG 4000×3000 RGBA", dir.join("alpha.png")),
        ("GIF 800×600", dir.join("anim.gif")),
        ("WebP 4000×3000", dir.join("big.webp")),
    ];
    write_image(&files[0].1, photo(6000, 4000).into(), ImageFormat::Jpeg);
    let base = photo(4000, 3000);
    let rgba = RgbaImage::from_fn(4000, 3000, |x, y| {
        let p = base.get_pixel(x, y).0;
        Rgba([
            p[0],
            p[1],
            p[2],
            if (x / 100 + y / 100) % 3 == 0 { 0 } else { 255 },
        ])
    });
    write_image(&files[1].1, rgba.into(), ImageFormat::Png);
    write_image(&files[2].1, photo(800, 600).into(), ImageFormat::Gif);
    write_image(&files[3].1, base.into(), ImageFormat::WebP);

    let start_up = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let _ = Command::new("true").status();
                t.elapsed()
            })
            .collect(),
    );
    println!("\n## Thumbnails (longest side 256 px, ≤ 65,535 bytes), median of {runs}");
    println!("process start-up (`true`): {:.1} ms", ms(start_up));
    println!(
        "| input | file | ours in-process | ours + start-up | vipsthumbnail | ImageMagick | image alone (full decode + thumbnail()) | ours/vips |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let limits = ImageLimits::default();
    for (label, path) in &files {
        let bytes = std::fs::read(path).expect("read");
        let mut times = Vec::new();
        let mut out_len = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let thumb = thumbnail::thumbnail_file(path, &limits).expect("thumbnail");
            times.push(t.elapsed());
            out_len = thumb.bytes.len();
        }
        let ours = median(times);
        let p = path.to_string_lossy().into_owned();
        let out_vips = dir.join("vips-out.jpg");
        let vips = time_process(
            "vipsthumbnail",
            &[&p, "-s", "256", "-o", &out_vips.to_string_lossy()],
            runs,
        );
        let out_im = dir.join("im-out.jpg");
        let first = format!("{p}[0]");
        let magick = time_process(
            "convert",
            &[&first, "-thumbnail", "256x256", &out_im.to_string_lossy()],
            runs,
        );
        let plain = median(
            (0..runs.min(3))
                .map(|_| {
                    let t = Instant::now();
                    let img = image::load_from_memory(&bytes).expect("decode");
                    let _ = img.thumbnail(256, 256);
                    t.elapsed()
                })
                .collect(),
        );
        let show = |d: Option<Duration>| d.map_or("n/a".into(), |d| format!("{:.0} ms", ms(d)));
        let ratio = vips.map_or("n/a".into(), |v| {
            format!("{:.2}×", ms(ours + start_up) / ms(v))
        });
        println!(
            "| {label} | {} KiB → {} B | {:.0} ms | {:.0} ms | {} | {} | {:.0} ms | {ratio} |",
            bytes.len() / 1024,
            out_len,
            ms(ours),
            ms(ours + start_up),
            show(vips),
            show(magick),
            ms(plain),
        );
    }
}

/// `VmRSS:`/`VmHWM:` of this process in bytes.
fn proc_status(field: &str) -> u64 {
    pid_status("self", field)
}

/// User + system CPU time of process `pid` (or `self`), from `/proc/PID/stat` (100 ticks a second).
fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// `VmRSS:`/`VmHWM:` of process `pid` (or `self`) in bytes.
fn pid_status(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
        * 1024
}

fn upload_bench(dir: &Path, mib: u64) {
    let size = mib << 20;
    let file = dir.join("upload.bin");
    {
        let mut rng = fastrand::Rng::with_seed(3);
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mib {
            rng.fill(&mut block);
            w.write_all(&block).expect("write");
        }
        w.flush().expect("flush");
    }
    let exe = std::env::current_exe().expect("exe");
    let mut child = Command::new(exe)
        .arg("--sandbox-child")
        .env("MEDIA_BENCH_BODY", (size * 2 + (64 << 20)).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sandbox child");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let ready = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.starts_with("SANDBOX "))
        .expect("sandbox ready line");
    let parts: Vec<&str> = ready.split_whitespace().collect();
    let (url, token, im, sink) = (
        parts[1].to_owned(),
        parts[2].to_owned(),
        parts[3].to_owned(),
        parts[4].to_owned(),
    );
    let child_pid = child.id().to_string();
    let ceiling_before = curl_ceiling(&file, &sink);
    let child_before = pid_status(&child_pid, "VmRSS:");
    let child_cpu_before = cpu_time(&child_pid);
    let own_cpu_before = cpu_time("self");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (elapsed, before, peak) = rt.block_on(async {
        let home = tempfile::tempdir().expect("home");
        let core = Core::new(
            Paths {
                config_dir: home.path().join("c"),
                data_dir: home.path().join("d"),
            },
            Keychain::session_only(),
        )
        .expect("core");
        let p = core
            .save_profile(ProfileDraft {
                id: None,
                name: "bench".into(),
                base_url: url,
                domain: "example.com".into(),
                ca_cert_pem: None,
                post_for_updates: false,
                own_address: None,
            })
            .expect("profile");
        core.set_token(&p.id, Token::new(token))
            .await
            .expect("token");
        core.set_active(&p.id).expect("active");
        let owner = MediaOwner::User(im);
        core.media_list(&owner).await.expect("warm up");
        let before = proc_status("VmRSS:");
        let sink: UploadSink = Arc::new(|_| {});
        let t = Instant::now();
        let report = core
            .media_upload(
                &owner,
                vec![UploadFile { path: file.clone() }],
                Cancel::new(),
                sink,
            )
            .await
            .expect("upload");
        let elapsed = t.elapsed();
        assert_eq!(report.succeeded(), 1, "{report:?}");
        (elapsed, before, proc_status("VmHWM:"))
    });
    let child_peak = pid_status(&child_pid, "VmHWM:");
    let child_cpu = cpu_time(&child_pid).saturating_sub(child_cpu_before);
    let own_cpu = cpu_time("self").saturating_sub(own_cpu_before);
    let ceiling_after = curl_ceiling(&file, &sink);
    drop(child.stdin.take());
    let _ = child.wait();
    let throughput = size as f64 / elapsed.as_secs_f64();
    println!("\n## Upload of {mib} MiB (random bytes) to the sandbox on loopback");
    println!(
        "time {:.2} s, throughput {:.0} MB/s (file bytes), uploading process peak RSS {} MiB \
         (+{} MiB over {} MiB before the upload); sandbox process peak RSS {} MiB ({} MiB before)",
        elapsed.as_secs_f64(),
        throughput / 1e6,
        peak >> 20,
        peak.saturating_sub(before) >> 20,
        before >> 20,
        child_peak >> 20,
        child_before >> 20,
    );
    println!(
        "CPU during the upload: uploading process {:.2} s, sandbox process {:.2} s ({:.0} % and \
         {:.0} % of one core over the upload's wall time; load average before: {})",
        own_cpu.as_secs_f64(),
        child_cpu.as_secs_f64(),
        own_cpu.as_secs_f64() / elapsed.as_secs_f64() * 100.0,
        child_cpu.as_secs_f64() / elapsed.as_secs_f64() * 100.0,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or("?"),
    );
    let ceilings: Vec<f64> = [ceiling_before, ceiling_after]
        .into_iter()
        .flatten()
        .map(|d| size as f64 / d.as_secs_f64())
        .collect();
    if ceilings.is_empty() {
        println!("loopback ceiling: n/a (curl not found or failed)");
    } else {
        let ceiling = ceilings.iter().sum::<f64>() / ceilings.len() as f64;
        println!(
            "loopback ceiling (curl -T of the same file to a trivial sink, before/after): {} → \
             mean {:.0} MB/s; upload/ceiling {:.2}× (goal ≥ 0.2×)",
            ceilings
                .iter()
                .map(|c| format!("{:.0} MB/s", c / 1e6))
                .collect::<Vec<_>>()
                .join(", "),
            ceiling / 1e6,
            throughput / ceiling
        );
    }
}

/// Wall time of `curl -T file` to the sink (None when curl is missing or fails).
fn curl_ceiling(file: &Path, sink: &str) -> Option<Duration> {
    let t = Instant::now();
    let status = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-T"])
        .arg(file)
        .arg(format!("http://{sink}/sink"))
        .stdout(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| t.elapsed())
}

/// A trivial HTTP/1.1 sink: reads each request's body (Content-Length) and answers 200.
async fn sink(listener: tokio::net::TcpListener) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    while let Ok((mut conn, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut buf = vec![0u8; 256 * 1024];
            let mut head = Vec::new();
            let body_start = loop {
                let n = conn.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                head.extend_from_slice(&buf[..n]);
                if let Some(at) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
            };
            let text = String::from_utf8_lossy(&head[..body_start]).to_ascii_lowercase();
            let len: u64 = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if text.contains("expect: 100-continue") {
                let _ = conn.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
            }
            let mut left = len.saturating_sub((head.len() - body_start) as u64);
            while left > 0 {
                let n = conn.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                left = left.saturating_sub(n as u64);
            }
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
        });
    }
}

/// Serves a demo sandbox until stdin closes; prints `SANDBOX <url> <admin token> <user>`.
fn sandbox_child() {
    let body: usize = env_num("MEDIA_BENCH_BODY", 1 << 30);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sandbox = trillian_sandbox::Sandbox::start(
            trillian_sandbox::Config::new("example.com")
                .demo(true)
                .max_upload_bytes(body),
        )
        .await
        .expect("sandbox");
        let token = sandbox.admin_token("example.com");
        let client =
            trillian_api::Client::builder(sandbox.url(), "example.com", Token::new(token.clone()))
                .build()
                .expect("client");
        let users = client.users().list().await.expect("users");
        let im = users.first().expect("demo users").name.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("sink");
        let sink_addr = listener.local_addr().expect("sink address");
        tokio::spawn(sink(listener));
        println!("SANDBOX {} {token} {im} {sink_addr}", sandbox.url());
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            let _ = std::io::stdin().read_line(&mut sink);
        })
        .await;
        sandbox.shutdown().await;
    });
}

//! Media against a real sandbox over HTTP: uploads (image and not), thumbnails (local, cached,
//! hostile), downloads checked byte for byte, delete and bulk delete, and a >100 MiB upload
//! whose memory is measured in a child process that does nothing else.

use std::io::{BufRead, BufReader, Cursor};
use std::path::Path;
use std::sync::{Arc, Mutex};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use trillian_api::{Expand, MediaUpload, Token};
use trillian_core::job::{Cancel, Outcome};
use trillian_core::media::{MediaKind, MediaOwner, UploadEvent, UploadFile, UploadSink};
use trillian_core::{Core, ErrorCode, Keychain, Paths, ProfileDraft};
use trillian_sandbox::{Config, Sandbox};

const DOMAIN: &str = "example.com";

struct Setup {
    _dir: tempfile::TempDir,
    files: std::path::PathBuf,
    core: Core,
    sandbox: Sandbox,
}

/// A demo sandbox, and a Core whose active profile is an ordinary server profile for it.
async fn setup(max_body: usize) -> Setup {
    let sandbox = Sandbox::start(Config::new(DOMAIN).demo(true).max_body_bytes(max_body))
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let core = core_for(dir.path(), sandbox.url(), &sandbox.admin_token(DOMAIN)).await;
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).expect("files dir");
    Setup {
        _dir: dir,
        files,
        core,
        sandbox,
    }
}

async fn core_for(dir: &Path, url: &str, token: &str) -> Core {
    let paths = Paths {
        config_dir: dir.join("config"),
        data_dir: dir.join("data"),
    };
    let core = Core::new(paths, Keychain::session_only()).expect("core");
    let profile = core
        .save_profile(ProfileDraft {
            id: None,
            name: "media test".into(),
            base_url: url.into(),
            domain: DOMAIN.into(),
            ca_cert_pem: None,
            post_for_updates: false,
            own_address: None,
        })
        .expect("profile");
    core.set_token(&profile.id, Token::new(token.to_owned()))
        .await
        .expect("token");
    core.set_active(&profile.id).expect("active");
    core
}

async fn first_groupchat(s: &Setup) -> MediaOwner {
    let client = s.core.active_client().await.expect("client");
    let chats = client
        .groupchats()
        .list(Expand::empty())
        .await
        .expect("chats");
    MediaOwner::GroupChat(
        chats
            .first()
            .expect("the demo has group chats")
            .name
            .clone(),
    )
}

fn photo_jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::from(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("jpeg");
    out.into_inner()
}

/// Collects the events of a job.
fn collector() -> (UploadSink, Arc<Mutex<Vec<UploadEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink_events = events.clone();
    let sink: UploadSink = Arc::new(move |e| {
        sink_events.lock().expect("events").push(e);
    });
    (sink, events)
}

#[tokio::test]
async fn images_and_other_files_upload_with_thumbnails_download_and_delete() {
    let s = setup(64 << 20).await;
    let owner = first_groupchat(&s).await;
    let jpeg = photo_jpeg(1600, 1200);
    let jpeg_path = s.files.join("deck photo.jpg");
    std::fs::write(&jpeg_path, &jpeg).expect("write jpeg");
    let text_path = s.files.join("notes.txt");
    std::fs::write(&text_path, "minutes of the sea trials\n".repeat(1000)).expect("write txt");

    let (sink, events) = collector();
    let report = s
        .core
        .media_upload(
            &owner,
            vec![
                UploadFile {
                    path: jpeg_path.clone(),
                },
                UploadFile {
                    path: text_path.clone(),
                },
            ],
            Cancel::new(),
            sink,
        )
        .await
        .expect("upload job");
    assert_eq!(report.succeeded(), 2, "{report:?}");
    match &report.items[0].outcome {
        Outcome::Done { detail: Some(d) } => {
            assert!(d.starts_with("1600×1200, thumbnail"), "image detail: {d}")
        }
        other => panic!("image outcome {other:?}"),
    }
    assert_eq!(
        report.items[1].outcome,
        Outcome::done_with("no thumbnail (not an image)")
    );
    // Per-file byte progress ends at each file's size.
    let events = events.lock().expect("events").clone();
    for (index, size) in [(0usize, jpeg.len() as u64), (1, 26_000)] {
        let last = events.iter().rev().find_map(|e| match e {
            UploadEvent::Bytes {
                index: i,
                sent,
                total,
            } if *i == index => Some((*sent, *total)),
            _ => None,
        });
        assert_eq!(last, Some((size, size)), "byte progress of file {index}");
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, UploadEvent::Item(_)))
            .count(),
        2
    );

    // The server lists both; the image has a thumbnail, the text none.
    let listed = s.core.media_list(&owner).await.expect("list");
    let image = listed
        .iter()
        .find(|e| e.name == "deck photo.jpg")
        .expect("image listed")
        .clone();
    let text = listed
        .iter()
        .find(|e| e.name == "notes.txt")
        .expect("text listed")
        .clone();
    assert_eq!(
        (image.kind, image.size),
        (MediaKind::Image, jpeg.len() as u64)
    );
    assert_eq!(image.content_type, "image/jpeg");
    assert!(!image.thumbnail.is_empty(), "the image has a thumbnail");
    assert_eq!(
        (text.kind, text.thumbnail.as_str()),
        (MediaKind::Document, "")
    );

    // The thumbnail the server keeps is the one made locally (≤ 256 px, ≤ 65,535 bytes).
    let client = s.core.active_client().await.expect("client");
    let api = match &owner {
        MediaOwner::GroupChat(n) => client.groupchats().media(n).thumbnail(&image.id).await,
        MediaOwner::User(n) => client.users().media(n).thumbnail(&image.id).await,
    }
    .expect("server thumbnail");
    assert!(api.bytes.len() <= 65_535);
    let t = image::load_from_memory(&api.bytes).expect("decodes");
    assert_eq!((t.width(), t.height()), (256, 192));

    // Shown from the disk cache of this profile (filled by the upload).
    let preview = s
        .core
        .media_thumbnail(&owner, &image.id, &image.thumbnail)
        .await
        .expect("preview")
        .expect("has one");
    assert_eq!(preview.bytes, api.bytes, "the cached local thumbnail");
    assert!(preview.data_url().starts_with("data:image/jpeg;base64,"));
    let cache = s.core.paths().data_dir.join("thumbnails");
    assert_eq!(count_files(&cache), 1, "one cached thumbnail");
    assert_eq!(
        s.core
            .media_thumbnail(&owner, &text.id, &text.thumbnail)
            .await
            .expect("none"),
        None
    );

    // Download: streamed to the chosen file, byte for byte, checked against the id.
    let dest = s.files.join("downloaded.jpg");
    let seen = Arc::new(Mutex::new(0u64));
    let seen2 = seen.clone();
    let progress: trillian_api::ProgressFn = Arc::new(move |done, _| {
        *seen2.lock().expect("seen") = done;
    });
    let got = s
        .core
        .media_download(&owner, &image.id, &dest, Some(progress), Cancel::new())
        .await
        .expect("download");
    assert!(got.verified, "SHA-256 equals the item id");
    assert_eq!(std::fs::read(&dest).expect("read"), jpeg, "same bytes");
    assert_eq!(*seen.lock().expect("seen"), jpeg.len() as u64);
    assert!(!s.files.join("downloaded.jpg.partial").exists());

    // Delete one, then bulk delete (the deleted one again is skipped: a safe re-run).
    s.core
        .media_delete(&owner, &image.id)
        .await
        .expect("delete");
    let report = s
        .core
        .media_delete_many(
            &owner,
            vec![image.id.clone(), text.id.clone()],
            Cancel::new(),
            |_| {},
        )
        .await
        .expect("bulk delete");
    assert_eq!(
        report.items[0].outcome,
        Outcome::skipped("already deleted"),
        "{report:?}"
    );
    assert_eq!(report.items[1].outcome, Outcome::done());
    let after = s.core.media_list(&owner).await.expect("list");
    assert!(
        after.iter().all(|e| e.id != image.id && e.id != text.id),
        "both gone from the server"
    );
    let journal = s.core.journal(20).expect("journal");
    assert!(
        journal.iter().any(|j| j.action == "media.delete"),
        "deletes are journaled"
    );
    s.sandbox.shutdown().await;
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// A PNG header declaring `width`×`height` over a tiny body.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::from(RgbImage::new(4, 4))
        .write_to(&mut out, ImageFormat::Png)
        .expect("png");
    let mut png = out.into_inner();
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let mut crc = 0xFFFF_FFFFu32;
    for &b in &png[12..29] {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    png[29..33].copy_from_slice(&(!crc).to_be_bytes());
    png
}

#[tokio::test]
async fn hostile_images_upload_without_thumbnail_and_hostile_thumbnails_are_refused() {
    let s = setup(64 << 20).await;
    let client = s.core.active_client().await.expect("client");
    let users = client.users().list().await.expect("users");
    let im = users.first().expect("demo users").name.clone();
    let owner = MediaOwner::User(im.clone());

    // A tiny PNG declaring 60000×60000: uploaded as a file, no thumbnail, the reason given.
    let bomb = s.files.join("bomb.png");
    std::fs::write(&bomb, png_declaring(60_000, 60_000)).expect("write");
    let (sink, _) = collector();
    let report = s
        .core
        .media_upload(&owner, vec![UploadFile { path: bomb }], Cancel::new(), sink)
        .await
        .expect("job");
    match &report.items[0].outcome {
        Outcome::Done { detail: Some(d) } => {
            assert!(d.contains("60000×60000"), "the reason names the size: {d}")
        }
        other => panic!("{other:?}"),
    }

    // A server whose thumbnail is a decompression bomb: the preview is refused, typed.
    let upload = MediaUpload::from_bytes("x.png", "image/png", b"not really".to_vec())
        .with_thumbnail(png_declaring(60_000, 60_000));
    let item = client
        .users()
        .media(&im)
        .upload(upload, None)
        .await
        .expect("raw upload")
        .expect("item");
    let err = s
        .core
        .media_thumbnail(&owner, &item.id, &item.thumbnail)
        .await
        .expect_err("refused");
    assert_eq!(err.code(), ErrorCode::Invalid, "{err}");
    assert!(err.to_string().contains("60000×60000"), "{err}");
    assert_eq!(
        count_files(&s.core.paths().data_dir.join("thumbnails")),
        0,
        "nothing hostile is cached"
    );
    // Still responsive: the list works right after.
    assert!(!s.core.media_list(&owner).await.expect("list").is_empty());
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn cancelling_stops_an_upload_in_flight() {
    let s = setup(512 << 20).await;
    let owner = first_groupchat(&s).await;
    let big = s.files.join("big.bin");
    write_random(&big, 96 << 20, 5);
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    let sink: UploadSink = Arc::new(move |e| {
        if let UploadEvent::Bytes { sent, .. } = e
            && sent > 8 << 20
        {
            trigger.cancel();
        }
    });
    let report = s
        .core
        .media_upload(&owner, vec![UploadFile { path: big }], cancel, sink)
        .await
        .expect("job");
    assert!(report.cancelled, "{report:?}");
    assert!(
        matches!(
            &report.items[0].outcome,
            Outcome::Failed {
                code: ErrorCode::Cancelled,
                ..
            }
        ),
        "{report:?}"
    );
    let listed = s.core.media_list(&owner).await.expect("list");
    assert!(listed.iter().all(|e| e.name != "big.bin"), "nothing stored");
    s.sandbox.shutdown().await;
}

fn write_random(path: &Path, len: usize, seed: u64) {
    use std::io::Write;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut block = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        rng.fill(&mut block);
        let n = left.min(block.len());
        file.write_all(&block[..n]).expect("write");
        left -= n;
    }
    file.flush().expect("flush");
}

/// The size of the file of the memory test.
const BIG: usize = 160 << 20;

/// A >100 MiB upload through `Core::media_upload`, in a child process that does nothing else,
/// so that its peak resident memory (VmHWM) is the upload's. The sandbox (which holds bodies in
/// memory, as a test server may) runs here in the parent. The encoder reads 192 KiB chunks: a
/// naive body would need ≈ 2.3× the file (Base64 + percent-encoding), ≈ 370 MiB here.
#[tokio::test]
async fn a_160_mib_upload_keeps_memory_flat() {
    let s = setup(BIG * 2).await;
    let owner = first_groupchat(&s).await;
    let MediaOwner::GroupChat(chat) = &owner else {
        unreachable!()
    };
    let big = s.files.join("big-upload.bin");
    write_random(&big, BIG, 7);
    let exe = std::env::current_exe().expect("test binary");
    let child = std::process::Command::new(exe)
        .args([
            "media::upload_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MEDIA_CHILD_URL", s.sandbox.url())
        .env("MEDIA_CHILD_TOKEN", s.sandbox.admin_token(DOMAIN))
        .env("MEDIA_CHILD_CHAT", chat)
        .env("MEDIA_CHILD_FILE", &big)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("child");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("child output");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "child failed: {text}");
    let line = BufReader::new(text.as_bytes())
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.find("MEMORY ").map(|at| l[at..].to_owned()))
        .unwrap_or_else(|| panic!("no MEMORY line in {text}"));
    let nums: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    let [before, peak] = nums[..] else {
        panic!("bad line {line}")
    };
    let growth = peak.saturating_sub(before);
    assert!(
        growth < 48 << 20,
        "peak memory grew by {} MiB for a {} MiB file (before {} MiB, peak {} MiB)",
        growth >> 20,
        BIG >> 20,
        before >> 20,
        peak >> 20
    );
    let listed = s.core.media_list(&owner).await.expect("list");
    let item = listed
        .iter()
        .find(|e| e.name == "big-upload.bin")
        .expect("uploaded");
    assert_eq!(item.size, BIG as u64, "all bytes arrived");
    s.sandbox.shutdown().await;
}

/// `VmRSS` or `VmHWM` of this process, in bytes.
fn proc_status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("field")
}

/// The child of [`a_160_mib_upload_keeps_memory_flat`]; does nothing when run on its own.
#[test]
#[ignore = "run by a_160_mib_upload_keeps_memory_flat in a child process"]
fn upload_child() {
    let (Ok(url), Ok(token), Ok(chat), Ok(file)) = (
        std::env::var("MEDIA_CHILD_URL"),
        std::env::var("MEDIA_CHILD_TOKEN"),
        std::env::var("MEDIA_CHILD_CHAT"),
        std::env::var("MEDIA_CHILD_FILE"),
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let core = core_for(dir.path(), &url, &token).await;
        let owner = MediaOwner::GroupChat(chat);
        // Warm up the connection and the client (not the upload's memory).
        core.media_list(&owner).await.expect("list");
        let before = proc_status("VmRSS:");
        let (sink, _) = collector();
        let report = core
            .media_upload(
                &owner,
                vec![UploadFile { path: file.into() }],
                Cancel::new(),
                sink,
            )
            .await
            .expect("upload");
        assert_eq!(report.succeeded(), 1, "{report:?}");
        let peak = proc_status("VmHWM:");
        println!("MEMORY {before} {peak}");
    });
}

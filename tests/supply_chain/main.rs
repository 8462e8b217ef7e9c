//! Known-vulnerable versions cannot land (RELIABILITY.md 6): the lock file must not hold a version
//! below the fix of an advisory that matters to this app. `cargo deny check advisories` needs the
//! RustSec database, which these machines cannot fetch; this test needs only `Cargo.lock`.

use std::path::Path;

/// (crate, lowest acceptable version, why)
const MINIMUMS: &[(&str, [u64; 3], &str)] = &[
    (
        "tauri",
        [2, 11, 1],
        "IPC and asset-protocol advisories fixed in 2.11.1",
    ),
    (
        "quick-xml",
        [0, 41, 0],
        "unbounded memory on crafted input before 0.41",
    ),
    (
        "image",
        [0, 25, 7],
        "decoder limits not enforced before 0.25.7",
    ),
];

/// Every `(name, version)` pair of a Cargo.lock, read line by line (the format is stable TOML with
/// one `name = "…"` followed by one `version = "…"` per `[[package]]`).
fn locked_packages(lock: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut name: Option<String> = None;
    for line in lock.lines() {
        let line = line.trim();
        if line == "[[package]]" {
            name = None;
        } else if let Some(v) = line.strip_prefix("name = ") {
            name = Some(v.trim_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("version = ")
            && let Some(n) = name.take()
        {
            out.push((n, v.trim_matches('"').to_string()));
        }
    }
    out
}

/// `major.minor.patch` of a version string; pre-release and build parts are ignored (a pre-release
/// of a fixed version counts as below it, so it is mapped one patch lower).
fn parse_version(v: &str) -> Option<[u64; 3]> {
    let (core, pre) = match v.split_once('-') {
        Some((c, _)) => (c, true),
        None => (v.split('+').next()?, false),
    };
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let mut ver = [parts.next()??, parts.next()??, parts.next()??];
    if pre {
        // 2.11.1-rc.1 < 2.11.1
        if ver[2] > 0 {
            ver[2] -= 1;
        } else {
            ver = [ver[0], ver[1].saturating_sub(1), u64::MAX];
        }
    }
    Some(ver)
}

fn violations(lock: &str) -> Vec<String> {
    let pkgs = locked_packages(lock);
    let mut bad = Vec::new();
    for (krate, min, why) in MINIMUMS {
        for (name, version) in pkgs.iter().filter(|(n, _)| n == krate) {
            match parse_version(version) {
                Some(v) if v >= *min => {}
                Some(_) => bad.push(format!(
                    "{name} {version} is below {}.{}.{} ({why})",
                    min[0], min[1], min[2]
                )),
                None => bad.push(format!("{name} has an unreadable version {version:?}")),
            }
        }
    }
    bad
}

#[test]
fn lock_file_has_no_known_vulnerable_versions() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let lock = std::fs::read_to_string(&path).expect("the workspace Cargo.lock is readable");
    let pkgs = locked_packages(&lock);
    assert!(
        pkgs.len() > 50,
        "Cargo.lock parsed into only {} packages",
        pkgs.len()
    );
    for krate in ["quick-xml", "image"] {
        assert!(
            pkgs.iter().any(|(n, _)| n == krate),
            "{krate} should be in Cargo.lock; did the parser break?"
        );
    }
    let bad = violations(&lock);
    assert!(
        bad.is_empty(),
        "known-vulnerable versions locked:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_catches_an_old_version() {
    let lock = "[[package]]\nname = \"tauri\"\nversion = \"2.11.0\"\n\n[[package]]\nname = \
                \"quick-xml\"\nversion = \"0.41.0\"\n\n[[package]]\nname = \"image\"\nversion = \
                \"0.25.7-rc.1\"\n";
    let bad = violations(lock);
    assert_eq!(
        bad.len(),
        2,
        "tauri 2.11.0 and image 0.25.7-rc.1 are too old: {bad:?}"
    );
    assert!(bad[0].starts_with("tauri 2.11.0"), "{bad:?}");
    assert!(bad[1].starts_with("image 0.25.7-rc.1"), "{bad:?}");
}

/// RELIABILITY.md 20: no AVIF decoder is compiled in (it ignores `image::Limits`).
#[test]
fn no_avif_decoder_is_locked() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let lock = std::fs::read_to_string(&path).expect("the workspace Cargo.lock is readable");
    let avif: Vec<_> = locked_packages(&lock)
        .into_iter()
        .filter(|(n, _)| {
            [
                "ravif",
                "rav1e",
                "dav1d",
                "dav1d-sys",
                "libavif",
                "avif-decode",
            ]
            .contains(&n.as_str())
        })
        .collect();
    assert!(
        avif.is_empty(),
        "AVIF crates locked: {avif:?} (turn off image's avif feature)"
    );
}

/// RELIABILITY.md 18: no code path disables TLS verification. Every Rust source of the
/// workspace is read; the calls that would do it must not appear.
#[test]
fn no_source_disables_certificate_verification() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let forbidden = [
        concat!("danger_accept_invalid", "_certs"),
        concat!("danger_accept_invalid", "_hostnames"),
        concat!(".dangerous", "()"),
        concat!("NoCertificate", "Verification"),
    ];
    let mut found = Vec::new();
    let mut read = 0usize;
    let mut stack = vec![
        root.join("crates"),
        root.join("src-tauri/src"),
        root.join("tests"),
    ];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != "node_modules" {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                read += 1;
                for f in forbidden {
                    if text.contains(f) {
                        found.push(format!("{}: {f}", path.display()));
                    }
                }
            }
        }
    }
    assert!(
        read > 50,
        "only {read} Rust sources read; is the walk broken?"
    );
    assert!(
        found.is_empty(),
        "TLS verification disabled in:\n{}",
        found.join("\n")
    );
}

//! The goals as ratios, measured interleaved (typed, raw, typed, raw, …) and reported as the
//! best of many rounds, which shared, busy machines disturb least. Prints one line per pair.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use quick_xml::Reader;
use quick_xml::events::Event;
use trillian_api::form::{Base64FormEncoder, SpecialCounter, UPLOAD_CHUNK};
use trillian_api::xml::{decode_list, decode_messages, encode_list, encode_messages};
use trillian_api::{Message, User, UserFlags};

include!("common/docs.rs");

fn best_of(rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    let (mut best_a, mut best_b) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        let t = Instant::now();
        a();
        best_a = best_a.min(t.elapsed());
        let t = Instant::now();
        b();
        best_b = best_b.min(t.elapsed());
    }
    (best_a, best_b)
}

fn report(name: &str, bytes: usize, ours: Duration, peer: Duration, peer_name: &str) {
    let mbs = |d: Duration| bytes as f64 / d.as_secs_f64() / 1e6;
    println!(
        "{name}: {:.2} ms ({:.0} MB/s) vs {peer_name} {:.2} ms ({:.0} MB/s): {:.2}x the time, \
         {:.2}x the throughput",
        ours.as_secs_f64() * 1e3,
        mbs(ours),
        peer.as_secs_f64() * 1e3,
        mbs(peer),
        ours.as_secs_f64() / peer.as_secs_f64(),
        peer.as_secs_f64() / ours.as_secs_f64(),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; any other run (cargo test --benches) only checks it builds
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let users = users_doc(100_000);
    let (typed, raw) = best_of(
        15,
        || {
            black_box(decode_list::<User>(black_box(users.as_bytes()), "bench").map(|v| v.len()))
                .ok();
        },
        || {
            black_box(raw_scan(black_box(&users)));
        },
    );
    report(
        "users_100k typed decode",
        users.len(),
        typed,
        raw,
        "raw scan",
    );

    let week = messages_doc(10_000);
    let (typed, raw) = best_of(
        200,
        || {
            black_box(decode_messages(black_box(week.as_bytes()), "bench").map(|v| v.len())).ok();
        },
        || {
            black_box(raw_scan(black_box(&week)));
        },
    );
    report(
        "messages_10k typed decode",
        week.len(),
        typed,
        raw,
        "raw scan",
    );

    let data: Vec<u8> = (0..32u64 << 20)
        .map(|i| (i.wrapping_mul(0x9E37_79B9) >> 13) as u8)
        .collect();
    let mut out = vec![0u8; UPLOAD_CHUNK / 3 * 4 + 4];
    let mut plain = || {
        for chunk in data.chunks(UPLOAD_CHUNK) {
            black_box(
                base64::engine::general_purpose::STANDARD
                    .encode_slice(chunk, &mut out)
                    .ok(),
            );
        }
    };
    let encode = || {
        let mut enc = Base64FormEncoder::new();
        for chunk in data.chunks(UPLOAD_CHUNK) {
            black_box(enc.encode(chunk).len());
        }
        black_box(enc.finish());
    };
    let (enc, b64) = best_of(30, encode, &mut plain);
    report(
        "upload encoder (32 MiB)",
        data.len(),
        enc,
        b64,
        "plain Base64",
    );
    let count_then_encode = || {
        let mut counter = SpecialCounter::new();
        for chunk in data.chunks(UPLOAD_CHUNK) {
            counter.update(chunk);
        }
        black_box(counter.finish());
        encode();
    };
    let (both, b64) = best_of(30, count_then_encode, &mut plain);
    report(
        "upload length count + encoder (32 MiB)",
        data.len(),
        both,
        b64,
        "plain Base64",
    );
}

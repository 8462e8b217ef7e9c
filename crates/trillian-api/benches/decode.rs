//! Typed decoding beside a raw quick-xml event scan of the same bytes (the practical ceiling),
//! and the streaming upload encoder beside plain Base64.

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::Reader;
use quick_xml::events::Event;
use trillian_api::form::{Base64FormEncoder, SpecialCounter, UPLOAD_CHUNK};
use trillian_api::xml::{decode_list, decode_messages, encode_list, encode_messages};
use trillian_api::{Message, User, UserFlags};

include!("common/docs.rs");

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

fn decoding(c: &mut Criterion) {
    let users = users_doc(100_000);
    let mut g = c.benchmark_group("users_100k");
    g.throughput(Throughput::Bytes(users.len() as u64));
    g.bench_function("raw_scan", |b| b.iter(|| raw_scan(black_box(&users))));
    g.bench_function("typed", |b| {
        b.iter(|| decode_list::<User>(black_box(users.as_bytes()), "bench").map(|v| v.len()))
    });
    g.finish();

    let week = messages_doc(10_000);
    let mut g = c.benchmark_group("messages_10k");
    g.throughput(Throughput::Bytes(week.len() as u64));
    g.bench_function("raw_scan", |b| b.iter(|| raw_scan(black_box(&week))));
    g.bench_function("typed", |b| {
        b.iter(|| decode_messages(black_box(week.as_bytes()), "bench").map(|v| v.len()))
    });
    g.finish();
}

fn upload(c: &mut Criterion) {
    let data: Vec<u8> = (0..32u64 << 20)
        .map(|i| (i.wrapping_mul(0x9E37_79B9) >> 13) as u8)
        .collect();
    let mut g = c.benchmark_group("upload_32MiB");
    g.throughput(Throughput::Bytes(data.len() as u64));
    let mut out = vec![0u8; UPLOAD_CHUNK / 3 * 4 + 4];
    g.bench_function("plain_base64", |b| {
        b.iter(|| {
            let mut n = 0;
            for chunk in data.chunks(UPLOAD_CHUNK) {
                n += base64::engine::general_purpose::STANDARD
                    .encode_slice(chunk, &mut out)
                    .unwrap_or(0);
            }
            n
        })
    });
    g.bench_function("form_encoder", |b| {
        b.iter(|| {
            let mut enc = Base64FormEncoder::new();
            let mut n = 0;
            for chunk in data.chunks(UPLOAD_CHUNK) {
                n += black_box(enc.encode(chunk)).len();
            }
            n + enc.finish().len()
        })
    });
    g.bench_function("length_count", |b| {
        b.iter(|| {
            let mut counter = SpecialCounter::new();
            for chunk in data.chunks(UPLOAD_CHUNK) {
                counter.update(chunk);
            }
            counter.finish()
        })
    });
    g.bench_function("count_then_encode", |b| {
        b.iter(|| {
            let mut counter = SpecialCounter::new();
            for chunk in data.chunks(UPLOAD_CHUNK) {
                counter.update(chunk);
            }
            let mut enc = Base64FormEncoder::new();
            let mut n = 0;
            for chunk in data.chunks(UPLOAD_CHUNK) {
                n += black_box(enc.encode(chunk)).len();
            }
            (counter.finish(), n)
        })
    });
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = decoding, upload }
criterion_main!(benches);

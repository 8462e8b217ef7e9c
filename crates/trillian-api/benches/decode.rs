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

fn users_doc(n: usize) -> String {
    let users: Vec<User> = (0..n)
        .map(|i| User {
            name: format!("user{i:06}@ceruleanstudios.com"),
            displayname: format!("User Number {i} & Co"),
            email: format!("user{i:06}@ceruleanstudios.com"),
            group: (i % 40) as u64 + 1,
            policy: (i % 3) as u64,
            flags: UserFlags::from_bits_retain((i % 7 == 0) as u32),
            created_at: 1_464_196_000 + i as u64,
            addressbook_href: Some(format!(
                "https://api.trillian.im/v2/ceruleanstudios.com/users/user{i:06}%40ceruleanstudios.com/addressbook/"
            )),
            media_href: Some(format!(
                "https://api.trillian.im/v2/ceruleanstudios.com/users/user{i:06}%40ceruleanstudios.com/media/"
            )),
            messages_href: Some(format!(
                "https://api.trillian.im/v2/ceruleanstudios.com/users/user{i:06}%40ceruleanstudios.com/messages/"
            )),
        })
        .collect();
    encode_list(&users)
}

fn messages_doc(n: usize) -> String {
    let texts = [
        "This is a test of our new group chat.",
        "Looks like it's working.",
        "Great - have a lovely day! <3 & see you",
        "Meeting at 10:00 in room \"Blue\"; bring the Q3 numbers, please.",
    ];
    let messages: Vec<Message> = (0..n)
        .map(|i| Message {
            timestamp: 1_464_200_972_389 + i as u64 * 1000,
            from: format!("user{:03}@ceruleanstudios.com", i % 50),
            text: texts[i % texts.len()].to_owned(),
        })
        .collect();
    encode_messages(&messages)
}

/// The ceiling: every event and attribute read, nothing kept.
fn raw_scan(doc: &str) -> usize {
    let mut reader = Reader::from_str(doc);
    let mut n = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => return n,
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let mut attrs = e.attributes();
                attrs.with_checks(false);
                n += attrs.count();
            }
            Ok(_) => n += 1,
        }
    }
}

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

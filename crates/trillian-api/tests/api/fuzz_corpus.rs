//! Replays the kept fuzz corpus (`fuzz/corpus/<target>/`) and any saved crash artifacts through
//! every decoder on stable: whatever libFuzzer once found must still decode or fail typed.

use trillian_api::xml;

fn decode_everything(data: &[u8]) {
    let _ = xml::decode_list::<trillian_api::User>(data, "replay");
    let _ = xml::decode_list::<trillian_api::Group>(data, "replay");
    let _ = xml::decode_list::<trillian_api::Policy>(data, "replay");
    let _ = xml::decode_list::<trillian_api::GroupChat>(data, "replay");
    let _ = xml::decode_list::<trillian_api::MediaItem>(data, "replay");
    let _ = xml::decode_list::<trillian_api::Presence>(data, "replay");
    let _ = xml::decode_members(data, "replay");
    let _ = xml::decode_one::<trillian_api::Member>(data, "replay");
    let _ = xml::decode_peers(data, "replay");
    let _ = xml::decode_peer(data, "replay");
    let _ = xml::decode_messages(data, "replay");
    let _ = xml::decode_one::<trillian_api::Message>(data, "replay");
    let _ = xml::decode_message_block(data, "replay");
    let _ = xml::decode_one::<trillian_api::MessageHistory>(data, "replay");
    let _ = xml::decode_error(data);
}

#[test]
fn the_fuzz_corpus_replays_without_a_panic() {
    let root = format!("{}/fuzz", env!("CARGO_MANIFEST_DIR"));
    let mut replayed = 0usize;
    for kind in ["corpus", "regressions"] {
        let Ok(targets) = std::fs::read_dir(format!("{root}/{kind}")) else {
            continue;
        };
        for target in targets.flatten() {
            let Ok(files) = std::fs::read_dir(target.path()) else {
                continue;
            };
            for file in files.flatten() {
                let data = std::fs::read(file.path()).expect("corpus file");
                decode_everything(&data);
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= 11 * 20,
        "the corpus is there: {replayed} inputs replayed"
    );
}

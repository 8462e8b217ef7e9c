#![no_main]
//! Fuzz target: hostile bytes as a messages answer never panic.

use libfuzzer_sys::fuzz_target;
use trillian_api::xml;

fuzz_target!(|data: &[u8]| {
    let _ = xml::decode_messages(data, "fuzz");
    let _ = xml::decode_one::<trillian_api::Message>(data, "fuzz");
    let _ = xml::decode_message_block(data, "fuzz");
});

#![no_main]
//! Fuzz target: hostile bytes as a peers answer never panic.

use libfuzzer_sys::fuzz_target;
use trillian_api::xml;

fuzz_target!(|data: &[u8]| {
    let _ = xml::decode_peers(data, "fuzz");
    let _ = xml::decode_peer(data, "fuzz");
});

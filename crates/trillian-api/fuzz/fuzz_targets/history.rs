#![no_main]
//! Fuzz target: hostile bytes as a history answer never panic.

use libfuzzer_sys::fuzz_target;
use trillian_api::xml;

fuzz_target!(|data: &[u8]| {
    let _ = xml::decode_one::<trillian_api::MessageHistory>(data, "fuzz");
});

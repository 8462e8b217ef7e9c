#![no_main]
//! Fuzz target: hostile bytes as a users answer never panic.

use libfuzzer_sys::fuzz_target;
use trillian_api::xml;

fuzz_target!(|data: &[u8]| {
    let _ = xml::decode_list::<trillian_api::User>(data, "fuzz");
});

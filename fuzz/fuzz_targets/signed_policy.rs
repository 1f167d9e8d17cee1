//! libFuzzer entry for [`recoup_fuzz::signed_policy`]; the invariants live there, so `cargo test` checks
//! the same function over the committed corpus.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| recoup_fuzz::signed_policy(data));

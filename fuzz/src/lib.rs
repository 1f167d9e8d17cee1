//! The fuzz targets of Recoup: each a function over arbitrary bytes that calls the real parsing
//! and verifying code and asserts its invariants with a panic (which libFuzzer reports as a
//! crash). The libFuzzer entries in `fuzz_targets/` only call these; the test at the bottom runs
//! them over the committed seed corpus, so a plain `cargo test` checks them without a fuzzer.
//!
//! The invariants, for every target: no panic on any input; a refused input is answered with a
//! typed error and changes nothing; an accepted input round-trips through its own serialization.

use std::cell::RefCell;

use ed25519_dalek::SigningKey;
use serde::Serialize;
use serde::de::DeserializeOwned;

use recoup_api::{
    AdminGrant, AdvanceClock, ChangesAnswer, ClaimBatch, ClaimSubmission, GenerationRequest,
    GeneratorSettings, PolicyKey, ReviewDecision, SignatureError, SignedPolicy, public_key,
};
use recoup_core::{Policy, PriceList, validate_details};
use recoup_store::{ChangePage, Store};

/// The secret of the key the signed-policy target pins (the seed corpus is signed with it).
pub const FUZZ_SIGNING_SECRET: [u8; 32] = [7; 32];

/// The key the signed-policy target pins.
pub fn fuzz_signing_key() -> SigningKey {
    SigningKey::from_bytes(&FUZZ_SIGNING_SECRET)
}

/// Target `documents`: the policy document and the price list, as the endpoint and the device
/// read them. The first byte picks which (even: policy, odd: prices), the rest is the document.
/// An accepted document re-read from its own JSON is the same document.
pub fn documents(data: &[u8]) {
    let Some((&which, doc)) = data.split_first() else {
        return;
    };
    if which % 2 == 0 {
        if let Ok(policy) = Policy::from_json(doc) {
            let text = policy.to_json();
            let again = Policy::from_json(text.as_bytes())
                .unwrap_or_else(|e| panic!("an accepted policy re-reads from its JSON: {e}"));
            assert_eq!(again, policy, "a policy round-trips through its JSON");
            assert_eq!(again.to_json(), text, "a policy's JSON is stable");
        }
    } else if let Ok(prices) = PriceList::from_json(doc) {
        let text = prices.to_json();
        let again = PriceList::from_json(text.as_bytes())
            .unwrap_or_else(|e| panic!("an accepted price list re-reads from its JSON: {e}"));
        assert_eq!(again, prices, "a price list round-trips through its JSON");
        assert_eq!(again.to_json(), text, "a price list's JSON is stable");
    }
}

/// Target `signed_policy`: a signed policy as the device receives it (JSON of [`SignedPolicy`]),
/// verified against the pinned key; and the same bytes read as a base64 public key. A document
/// that verifies is bound to its publication number and its text: changing either is refused.
pub fn signed_policy(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(key) = PolicyKey::from_base64(text)
    {
        assert_eq!(
            PolicyKey::from_base64(&key.to_base64()).ok(),
            Some(key),
            "an accepted public key round-trips through base64"
        );
    }
    let Ok(signed) = serde_json::from_slice::<SignedPolicy>(data) else {
        return;
    };
    let pinned = public_key(&fuzz_signing_key());
    let Ok(document) = signed.verify(&pinned) else {
        // A refusal is one of the typed errors, by construction of the Result.
        return;
    };
    assert_eq!(
        document,
        signed.document.as_bytes(),
        "verification hands back exactly the signed document"
    );
    let mut replayed = signed.clone();
    replayed.seq = signed.seq.wrapping_add(1);
    assert_eq!(
        replayed.verify(&pinned),
        Err(SignatureError::Invalid),
        "the same signature under another publication number is refused"
    );
    let mut tampered = signed.clone();
    tampered.document.push(' ');
    assert_eq!(
        tampered.verify(&pinned),
        Err(SignatureError::Invalid),
        "the same signature over another document is refused"
    );
    let other = SigningKey::from_bytes(&[8; 32]);
    assert_eq!(
        signed.verify(&public_key(&other)),
        Err(SignatureError::Invalid),
        "a document signed with the pinned key does not verify against another key"
    );
}

/// Parses `body` as the endpoint does (`serde_json::from_slice`); an accepted body serializes
/// and re-parses to the same value.
fn body_round_trips<T>(body: &[u8], what: &str) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let value: T = serde_json::from_slice(body).ok()?;
    let text =
        serde_json::to_vec(&value).unwrap_or_else(|e| panic!("an accepted {what} serializes: {e}"));
    let again: T = serde_json::from_slice(&text)
        .unwrap_or_else(|e| panic!("an accepted {what} re-parses from its own JSON: {e}"));
    assert_eq!(again, value, "a {what} round-trips through its JSON");
    Some(value)
}

/// Claim details as the policy checks them: accepted details are already normal (checking them
/// again gives the same text).
fn details_are_stable(details: &str) {
    let limits = Policy::builtin().claim_text();
    if let Ok(normal) = validate_details(details, limits) {
        assert_eq!(
            validate_details(&normal, limits).as_deref(),
            Ok(normal.as_str()),
            "accepted claim details are already normal"
        );
    }
}

/// Target `api_bodies`: every JSON body the endpoint accepts. The first byte picks the request
/// type (as the route would), the rest is the body.
pub fn api_bodies(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 8 {
        0 => {
            body_round_trips::<GenerationRequest>(body, "generation request");
        }
        1 => {
            if let Some(claim) = body_round_trips::<ClaimSubmission>(body, "claim") {
                details_are_stable(&claim.details);
            }
        }
        2 => {
            if let Some(batch) = body_round_trips::<ClaimBatch>(body, "claim batch") {
                for claim in &batch.claims {
                    details_are_stable(&claim.details);
                }
            }
        }
        3 => {
            body_round_trips::<AdminGrant>(body, "admin grant");
        }
        4 => {
            body_round_trips::<AdvanceClock>(body, "clock advance");
        }
        5 => {
            // serde_json's default float parser (without its `float_roundtrip` feature) may
            // read a number one unit in the last place off the shortest text it wrote, as the
            // fuzzer found (docs/fuzzing.md): a rate must come back within one ulp.
            if let Ok(s) = serde_json::from_slice::<GeneratorSettings>(body) {
                let text = serde_json::to_string(&s)
                    .unwrap_or_else(|e| panic!("accepted generator settings serialize: {e}"));
                let again: GeneratorSettings = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("generator settings re-parse: {e}"));
                let ulps = |a: f64, b: f64| a.to_bits().abs_diff(b.to_bits());
                assert!(
                    ulps(again.failure_rate, s.failure_rate) <= 1
                        && ulps(again.bad_rate, s.bad_rate) <= 1,
                    "generator settings round-trip within one ulp through {text}: {s:?} became {again:?}"
                );
            }
        }
        6 => {
            body_round_trips::<ReviewDecision>(body, "review decision");
        }
        _ => {
            // PUT /v1/admin/policy: the body is a policy document.
            documents(&[[0].as_slice(), body].concat());
        }
    }
}

thread_local! {
    /// The device's store, kept between runs while it is unchanged (opening one applies every
    /// migration, far slower than most runs): a refused page must leave it as it was, so it is
    /// reused after a refusal and replaced after an accepted page.
    static DEVICE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

/// Target `change_pages`: a device applying a page of the change feed as the sync engine does
/// (the `/v1/changes` answer, JSON of [`ChangesAnswer`], turned into a [`ChangePage`]). A
/// refused page is a typed error that changes nothing (no cursor, no entries, `verify()` holds);
/// an accepted page leaves a ledger that verifies, and applying it again adds nothing.
pub fn change_pages(data: &[u8]) {
    let Ok(answer) = serde_json::from_slice::<ChangesAnswer>(data) else {
        return;
    };
    let page = ChangePage {
        changes: answer.changes,
        last_seq: 0,
        has_more: answer.has_more,
    };
    DEVICE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let mut device = match slot.take() {
            Some(store) => store,
            None => {
                Store::open_in_memory().unwrap_or_else(|e| panic!("an in-memory store opens: {e}"))
            }
        };
        match device.apply_changes(&page, &answer.cursor) {
            Err(_) => {
                assert_eq!(
                    device.meta("sync.cursor").ok(),
                    Some(None),
                    "a refused page stores no cursor"
                );
                assert_eq!(
                    device.has_ledger_entries().ok(),
                    Some(false),
                    "a refused page writes no ledger entry"
                );
                if let Err(e) = device.verify() {
                    panic!("the device verifies after refusing a page: {e}");
                }
                *slot = Some(device);
            }
            Ok(_) => {
                if let Err(e) = device.verify() {
                    panic!("the device verifies after accepting a page: {e}");
                }
                let before = device.verify().ok();
                let again = device
                    .apply_changes(&page, &answer.cursor)
                    .unwrap_or_else(|e| panic!("an accepted page applies again: {e}"));
                assert_eq!(again.applied, 0, "a page applied twice adds nothing new");
                assert_eq!(
                    device.verify().ok(),
                    before,
                    "a page applied twice leaves the same totals"
                );
                // Changed: the next run starts from a new, empty device.
            }
        }
    });
}

/// Target `image_inspection`: the generator's inspection of an output (PNG or GIF). It never
/// panics and is a pure function of the bytes.
pub fn image_inspection(data: &[u8]) {
    let first = recoup_generator::inspect(data);
    assert!(!first.detail.is_empty(), "every verdict says why");
    if data.len() <= 512 {
        // Repeating costs a second decode: only on small inputs, which are most of a run.
        assert_eq!(
            recoup_generator::inspect(data),
            first,
            "the same bytes get the same verdict"
        );
    }
}

#[cfg(test)]
mod tests;

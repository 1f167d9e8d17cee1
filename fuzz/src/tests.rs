//! The targets over the committed seed corpus (what CI runs without a fuzzer), and the generator
//! of that corpus: `cargo test -- --ignored the_seed_corpus_is_regenerated` rewrites it from the
//! project's own code.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use recoup_core::Timestamp;
use recoup_api::{
    AdminGrant, AdvanceClock, ChangesAnswer, ClaimBatch, ClaimSubmission, GenerationRequest,
    GeneratorSettings, LocalDecision, ReviewDecision, SignedPolicy,
};
use recoup_core::{
    ClaimId, ClaimReason, Feature, GenerationId, GrantKind, OpId, Platform, Policy, PriceList,
    Surface,
};
use recoup_generator::{GenerateRequest, Quality, generate};
use recoup_store::{
    FinishGeneration, GrantRequest, Judgement, Outcome, StartGeneration, Store, SubmitClaim,
};
use uuid::Uuid;

use super::*;

/// A target function over bytes.
type Target = fn(&[u8]);

/// The targets, by the name of their corpus folder.
const TARGETS: [(&str, Target); 5] = [
    ("documents", documents),
    ("signed_policy", signed_policy),
    ("api_bodies", api_bodies),
    ("change_pages", change_pages),
    ("image_inspection", image_inspection),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("the corpus of {target} is committed: {e}"))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_holds_its_invariants_over_the_committed_corpus() {
    for (target, run) in TARGETS {
        let files = corpus_files(target);
        assert!(
            files.len() >= 3,
            "the corpus of {target} has a few seeds, found {}",
            files.len()
        );
        for file in files {
            let data = fs::read(&file).expect("a corpus file reads");
            // A panic names the file: the target's own message says which invariant broke.
            eprintln!("{target}: {}", file.display());
            run(&data);
        }
    }
}

#[test]
fn the_committed_corpus_stays_small() {
    let total: u64 = TARGETS
        .iter()
        .flat_map(|(t, _)| corpus_files(t))
        .map(|f| fs::metadata(f).expect("metadata").len())
        .sum();
    assert!(
        total < 1024 * 1024,
        "the seed corpus is under 1 MiB, it is {total} bytes"
    );
}

#[test]
fn the_seeds_reach_the_accepting_paths_of_their_targets() {
    let read = |target: &str, name: &str| {
        fs::read(corpus_dir(target).join(name)).expect("the seed is committed")
    };
    let policy = read("documents", "policy-builtin.json");
    assert!(
        Policy::from_json(&policy[1..]).is_ok(),
        "the built-in policy seed is accepted"
    );
    let signed: SignedPolicy =
        serde_json::from_slice(&read("signed_policy", "signed-builtin.json"))
            .expect("the signed seed parses");
    assert!(
        signed.verify(&public_key(&fuzz_signing_key())).is_ok(),
        "the signed seed verifies against the pinned key"
    );
    let answer: ChangesAnswer = serde_json::from_slice(&read("change_pages", "history-all.json"))
        .expect("the change seed parses");
    let mut device = Store::open_in_memory().expect("store");
    let page = ChangePage {
        changes: answer.changes,
        last_seq: 0,
        has_more: answer.has_more,
    };
    let report = device
        .apply_changes(&page, &answer.cursor)
        .expect("the whole history applies");
    assert!(
        report.applied >= 10,
        "the history seed has grants, generations, claims and refunds: {report:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The seed corpus, made by the project's own code.

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus_dir(target);
    fs::create_dir_all(&dir).expect("corpus folder");
    fs::write(dir.join(name), bytes).expect("corpus file");
}

fn tagged(tag: u8, body: &[u8]) -> Vec<u8> {
    [[tag].as_slice(), body].concat()
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("seed serializes")
}

fn id(n: u128) -> Uuid {
    // Version 7 ids at fixed times, so the corpus is the same every time it is made.
    uuid::Builder::from_unix_timestamp_millis(
        1_796_000_000_000 + n as u64,
        &n.to_le_bytes()[..10].try_into().expect("10 bytes"),
    )
    .into_uuid()
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_millis((1_796_000_000 + secs) * 1_000).expect("time")
}

/// An endpoint's history: grants, good and failed generations, a refunded claim, a rejected
/// one and one in review, served as pages of the change feed.
fn endpoint_pages() -> Vec<(String, ChangesAnswer)> {
    let mut store = Store::open_in_memory().expect("store");
    let mut n = 0u128;
    let mut next = || {
        n += 1;
        id(n)
    };
    for (kind, credits) in [(GrantKind::TopUp, 100), (GrantKind::Promotion, 20)] {
        let req = GrantRequest::new(OpId(next()), kind, credits);
        store.grant(&req, at(0)).expect("grant");
    }
    let mut generations = Vec::new();
    for (i, (feature, ok)) in [
        (Feature::VirtualModel, true),
        (Feature::VirtualModel, true),
        (Feature::VideoGenerator, false),
        (Feature::VirtualModel, true),
    ]
    .into_iter()
    .enumerate()
    {
        let t = at(10 + i as i64);
        let generation_id = GenerationId(next());
        store
            .start_generation(
                &StartGeneration {
                    generation_id,
                    feature,
                    platform: Platform::Web,
                    surface: Surface::Editor,
                },
                t,
            )
            .expect("start");
        let outcome = if ok {
            Outcome::Succeeded {
                output_ref: Some(format!("out/{generation_id}.png")),
            }
        } else {
            Outcome::Failed {
                error: "generator timed out".to_owned(),
            }
        };
        store
            .finish_generation(
                &FinishGeneration {
                    op_id: OpId(next()),
                    generation_id,
                    outcome,
                },
                t,
            )
            .expect("finish");
        generations.push(generation_id);
    }
    let judgements = [
        Judgement::Refund,
        Judgement::Reject {
            code: "not_clearly_unusable".to_owned(),
        },
        Judgement::Review,
    ];
    for (generation_id, judgement) in [generations[0], generations[1], generations[3]]
        .into_iter()
        .zip(judgements)
    {
        let req = SubmitClaim {
            claim_id: ClaimId(next()),
            generation_id,
            reason: ClaimReason::ArtifactsOrDistortions,
            details: "The face is melted and the hands have seven fingers.".to_owned(),
            reported_at: None,
        };
        store
            .adjudicate(&req, at(60), |_| judgement)
            .expect("adjudicate");
    }
    let answer = |page: recoup_store::ChangePage| ChangesAnswer {
        changes: page.changes,
        cursor: page.last_seq.to_string(),
        has_more: page.has_more,
        server_time: at(100),
        policy_version: Policy::builtin().version().to_owned(),
    };
    let mut pages = vec![(
        "history-all.json".to_owned(),
        answer(store.changes(0, 1000).expect("feed")),
    )];
    let mut after = 0;
    let mut i = 0;
    loop {
        let page = store.changes(after, 3).expect("feed");
        if page.changes.is_empty() {
            break;
        }
        after = page.last_seq;
        i += 1;
        pages.push((format!("history-page-{i}.json"), answer(page)));
    }
    pages
}

fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("png");
    out.into_inner()
}

fn gif(frames: Vec<RgbaImage>) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut out);
        enc.set_repeat(Repeat::Infinite).expect("repeat");
        enc.encode_frames(
            frames
                .into_iter()
                .map(|f| Frame::from_parts(f, 0, 0, Delay::from_numer_denom_ms(100, 1))),
        )
        .expect("gif");
    }
    out
}

#[test]
#[ignore = "rewrites fuzz/corpus from the project's code; run by hand after a format change"]
fn the_seed_corpus_is_regenerated() {
    // 1. Documents: the built-in ones, the shipped defaults, and a compact hand-written one.
    let policy = Policy::builtin().to_json();
    let prices = PriceList::builtin().to_json();
    write(
        "documents",
        "policy-builtin.json",
        &tagged(0, policy.as_bytes()),
    );
    write(
        "documents",
        "prices-builtin.json",
        &tagged(1, prices.as_bytes()),
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (tag, name) in [(0, "policy.default.json"), (1, "prices.default.json")] {
        let text = fs::read(root.join("docs").join(name)).expect("shipped default");
        write("documents", name, &tagged(tag, &text));
    }
    let compact: serde_json::Value = serde_json::from_str(&policy).expect("json");
    write(
        "documents",
        "policy-compact.json",
        &tagged(0, &serde_json::to_vec(&compact).expect("json")),
    );

    // 2. Signed policies: signed with the pinned key, one unsigned, one by another key; a key.
    let signed = SignedPolicy::sign(
        Policy::builtin().version(),
        1,
        policy.clone(),
        &fuzz_signing_key(),
    );
    write("signed_policy", "signed-builtin.json", &json(&signed));
    let small = SignedPolicy::sign("v2", 2, "{\"a\":1}".to_owned(), &fuzz_signing_key());
    write("signed_policy", "signed-small.json", &json(&small));
    let mut unsigned = small.clone();
    unsigned.signature.clear();
    write("signed_policy", "unsigned.json", &json(&unsigned));
    let other = SignedPolicy::sign(
        "v2",
        2,
        "{\"a\":1}".to_owned(),
        &SigningKey::from_bytes(&[9; 32]),
    );
    write("signed_policy", "other-key.json", &json(&other));
    write(
        "signed_policy",
        "key.txt",
        public_key(&fuzz_signing_key()).to_base64().as_bytes(),
    );

    // 3. Every request body, tagged with its route's number in `api_bodies`.
    let claim = ClaimSubmission {
        claim_id: ClaimId(id(900)),
        generation_id: GenerationId(id(901)),
        reason: ClaimReason::ArtifactsOrDistortions,
        details: "The face is melted and the hands have seven fingers.".to_owned(),
        submitted_at: Some(at(30)),
        local_decision: Some(LocalDecision {
            eligible: true,
            policy_version: Policy::builtin().version().to_owned(),
        }),
    };
    let bodies: [(u8, &str, Vec<u8>); 9] = [
        (
            0,
            "generation.json",
            json(&GenerationRequest {
                generation_id: GenerationId(id(902)),
                feature: Feature::VirtualModel,
                platform: Platform::Ios,
                surface: Surface::Editor,
            }),
        ),
        (1, "claim.json", json(&claim)),
        (
            1,
            "claim-minimal.json",
            br#"{"claim_id":"019e0000-0000-7000-8000-000000000001","generation_id":"019e0000-0000-7000-8000-000000000002","reason":"blank_output","details":"\u200b all black"}"#.to_vec(),
        ),
        (
            2,
            "batch.json",
            json(&ClaimBatch {
                claims: vec![claim.clone(), claim],
            }),
        ),
        (
            3,
            "grant.json",
            json(&AdminGrant {
                credits: 50,
                kind: GrantKind::Promotion,
                expires_in_days: Some(30),
                note: "welcome".to_owned(),
            }),
        ),
        (4, "clock.json", json(&AdvanceClock { secs: 3600 })),
        (
            5,
            "generator.json",
            json(&GeneratorSettings {
                failure_rate: 0.1,
                bad_rate: 0.25,
            }),
        ),
        (6, "review.json", json(&ReviewDecision { approve: true })),
        (7, "policy.json", policy.clone().into_bytes()),
    ];
    for (tag, name, body) in bodies {
        write("api_bodies", name, &tagged(tag, &body));
    }

    // 4. Change pages served by an endpoint's own store.
    for (name, answer) in endpoint_pages() {
        write("change_pages", &name, &json(&answer));
    }

    // 5. Images: small ones of each verdict (the fuzzer's inputs stay small), and a prefix of a
    //    real generated output.
    let blank = RgbImage::from_pixel(8, 8, Rgb([20, 20, 20]));
    write("image_inspection", "blank.png", &png(&blank));
    let gradient = RgbImage::from_fn(16, 12, |x, y| Rgb([(x * 16) as u8, (y * 20) as u8, 128]));
    write("image_inspection", "gradient.png", &png(&gradient));
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise = RgbImage::from_fn(16, 16, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [a, b, c, ..] = state.to_le_bytes();
        Rgb([a, b, c])
    });
    write("image_inspection", "noise.png", &png(&noise));
    let frames = vec![
        RgbaImage::from_pixel(8, 8, Rgba([0, 0, 0, 255])),
        RgbaImage::from_fn(8, 8, |x, y| Rgba([(x * 30) as u8, (y * 30) as u8, 60, 255])),
    ];
    write("image_inspection", "two-frames.gif", &gif(frames));
    let full = png(&gradient);
    write("image_inspection", "truncated.png", &full[..full.len() / 2]);
    let generated = generate(&GenerateRequest {
        feature: Feature::VideoGenerator,
        seed: 7,
        quality: Quality::Truncated,
    })
    .expect("generate");
    write(
        "image_inspection",
        "generated-video-truncated.gif",
        &generated.bytes[..generated.bytes.len().min(4096)],
    );
}

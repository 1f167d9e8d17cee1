//! The product's generation service end to end: a provider reports three generations for an
//! account over HTTP (a blank PNG, a fine PNG, a technical failure); a device linked to that
//! account learns of them through the change feed, reports the blank one (refunded at once)
//! and the fine one (in review), and cannot report the failed one.

use recoup_api::ProviderGeneration;
use recoup_core::{
    ClaimId, ClaimReason, Feature, GenerationId, GenerationStatus, MediaKind, Platform, Surface,
};
use recoup_generator::{GenerateRequest, Quality, generate};
use recoup_store::{ClaimOutcome, ClaimQuery, StoreError, SubmitClaim};
use recoup_sync::{Client, HttpTransport};
use recoup_tests::system::{ADMIN, Device, Endpoint};

fn png(quality: Quality) -> Vec<u8> {
    generate(&GenerateRequest {
        feature: Feature::FlatLay,
        seed: 11,
        quality,
    })
    .unwrap()
    .bytes
}

fn claim(id: GenerationId) -> SubmitClaim {
    SubmitClaim {
        claim_id: ClaimId::new_v7(),
        generation_id: id,
        reason: ClaimReason::BlankOrCorrupted,
        details: "nothing usable in it".into(),
        reported_at: None,
    }
}

#[test]
fn a_device_sees_provider_made_generations_and_reports_them_as_the_rules_say() {
    let endpoint = Endpoint::start();
    let mut device = Device::new(&endpoint.url(), &endpoint.url());
    let admin = Client::new(HttpTransport::new(&endpoint.url()).unwrap()).with_token(ADMIN);
    let created = admin.admin_create_provider("image service").unwrap();
    let provider =
        Client::new(HttpTransport::new(&endpoint.url()).unwrap()).with_token(created.key);

    let start = |platform| {
        let id = GenerationId::new_v7();
        let started = provider
            .provider_start(&ProviderGeneration {
                account_id: device.account.account_id,
                generation_id: id,
                feature: Feature::FlatLay,
                platform,
                surface: Surface::Editor,
                media_kind: MediaKind::Image,
            })
            .unwrap();
        assert_eq!(
            started.view.generation.status,
            GenerationStatus::Running,
            "a start places the hold"
        );
        id
    };
    let blank = start(Platform::Web);
    let fine = start(Platform::Android);
    let failed = start(Platform::Web);
    let b = provider
        .provider_output(blank, "image/png", png(Quality::Blank))
        .unwrap();
    assert_eq!(
        b.output.map(|o| o.findings.verdict).as_deref(),
        Some("blank"),
        "the blank output is inspected as blank"
    );
    provider
        .provider_output(fine, "image/png", png(Quality::Good))
        .unwrap();
    provider
        .provider_failure(failed, "the model timed out")
        .unwrap();

    device.sync_until_clean();
    let seen = |id| device.store.generation(id).unwrap();
    assert_eq!(
        seen(blank).status,
        GenerationStatus::Succeeded,
        "the blank one arrived"
    );
    assert_eq!(
        seen(fine).status,
        GenerationStatus::Succeeded,
        "the fine one arrived"
    );
    assert_eq!(
        seen(fine).platform,
        Platform::Android,
        "with the provider's platform"
    );
    assert_eq!(
        seen(failed).status,
        GenerationStatus::Failed,
        "the failure arrived"
    );
    assert_eq!(seen(failed).charged, 0, "the failed one charged nothing");

    let now = recoup_core::Timestamp::now();
    device.store.submit_claim(&claim(blank), now).unwrap();
    device.store.submit_claim(&claim(fine), now).unwrap();
    let refused = device
        .store
        .submit_claim(&claim(failed), now)
        .expect_err("a technical failure is not reportable");
    assert!(
        matches!(refused, StoreError::TechnicalFailure(_)),
        "refused as a technical failure: {refused:?}"
    );
    device.sync_until_clean();

    let claims = device
        .store
        .claims(&ClaimQuery {
            sync_state: None,
            before: None,
            limit: 10,
        })
        .unwrap();
    let outcome = |id| {
        claims
            .iter()
            .find(|c| c.generation_id == id)
            .and_then(|c| c.outcome)
    };
    assert_eq!(
        outcome(blank),
        Some(ClaimOutcome::Refunded),
        "blank: refunded"
    );
    assert_eq!(
        outcome(fine),
        Some(ClaimOutcome::InReview),
        "fine: in review"
    );
    assert_eq!(claims.len(), 2, "no claim on the failed one: {claims:?}");

    let direct = Client::new(HttpTransport::new(&endpoint.url()).unwrap())
        .with_token(device.account.token.clone());
    let server = direct.account().unwrap();
    let mine = device.store.balance(recoup_core::Timestamp::now()).unwrap();
    assert_eq!(
        mine.totals, server.balance.totals,
        "the device's ledger is the endpoint's"
    );
    device.store.verify().unwrap();
}

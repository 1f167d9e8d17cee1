//! Store records to the views the UI shows.

use recoup_core::Timestamp;
use recoup_device::sentence;

use recoup_core::{Decision, GenerationId, GenerationStatus, Policy};
use recoup_store::{ClaimRecord, GenerationRecord, GrantRecord, LedgerEntry};

use crate::error::{AppError, AppResult};
use crate::i18n::{Messages, ReasonFacts};
use crate::views::{
    Catalog, Choice, ClaimView, Eligibility, GenerationItem, GrantView, LedgerEntryView, ReasonView,
};

/// RFC 3339 in UTC, as every view carries time.
pub fn time(t: Timestamp) -> String {
    t.to_string()
}

/// Parses a generation id given by the UI.
pub fn generation_id(field: &str, s: &str) -> AppResult<GenerationId> {
    s.trim().parse::<GenerationId>().map_err(|e| {
        AppError::input(
            field,
            sentence!(
                "error-not-a-generation-id",
                "'{value}' is not a generation id ({cause})",
                value = s,
                cause = e.to_string()
            ),
        )
    })
}

/// The line a user is told about a report, in the app's language: the endpoint's answer once
/// decided, else what happens next.
pub fn claim_message(c: &ClaimRecord, m: &Messages) -> String {
    let verdict = c.verdict().map(|v| (v.outcome, v.refunded_credits));
    m.claim_line(verdict, c.local_decision.eligible)
}

/// What the reasons of a decision about `g` are about, under `policy`.
pub fn reason_facts(g: &GenerationRecord, d: &Decision, policy: &Policy) -> ReasonFacts {
    let s = policy.safeguards();
    ReasonFacts {
        feature: g.feature,
        platform: g.platform,
        surface: g.surface,
        window_closes_at: d.window_closes_at.map(time),
        refund_window_secs: u64::try_from(policy.refund_window().num_seconds()).unwrap_or(0),
        safeguard_window_secs: s.window_secs,
        refunds_max: s.refunds_max,
        share_max_percent: s.refunded_share_max_percent,
    }
}

/// A claim record as the UI shows it, in the app's language (`facts`: what its reasons are
/// about; without them the reasons keep the policy engine's own words).
pub fn claim(c: &ClaimRecord, m: &Messages, facts: Option<&ReasonFacts>) -> ClaimView {
    ClaimView {
        claim_id: c.claim_id.to_string(),
        generation_id: c.generation_id.to_string(),
        reason: c.reason,
        details: c.details.clone(),
        submitted_at: time(c.submitted_at),
        local_eligible: c.local_decision.eligible,
        local_reasons: reasons(&c.local_decision, m, facts),
        sync_state: c.sync_state,
        outcome: c.outcome,
        refunded_credits: c.refunded_credits,
        message: claim_message(c, m),
    }
}

fn reasons(d: &Decision, m: &Messages, facts: Option<&ReasonFacts>) -> Vec<ReasonView> {
    d.reasons
        .iter()
        .map(|r| ReasonView {
            code: r.code.as_str().to_owned(),
            rule: r.rule.clone(),
            message: facts.map_or_else(|| r.message.clone(), |f| m.reason(r, f)),
        })
        .collect()
}

/// A generation as the history grid shows it, in the app's language; `claim` is its report's
/// full record, if any.
pub fn generation(
    g: &GenerationRecord,
    claim_record: Option<&ClaimRecord>,
    m: &Messages,
    policy: &Policy,
) -> GenerationItem {
    GenerationItem {
        generation_id: g.generation_id.to_string(),
        feature: g.feature,
        feature_label: m.feature(g.feature),
        platform: g.platform,
        surface: g.surface,
        media_kind: g.media_kind,
        status: g.status,
        state: recoup_device::state::generation_state(g),
        started_at: time(g.started_at),
        finished_at: g.finished_at.map(time),
        cost: g.cost,
        charged: g.charged,
        failure: g.failure.clone(),
        has_output: g.status == GenerationStatus::Succeeded && g.output_ref.is_some(),
        claim: claim_record.map(|c| claim(c, m, Some(&reason_facts(g, &c.local_decision, policy)))),
    }
}

/// A decision as the claim dialog shows it before Submit, in the app's language (`facts`: what
/// its reasons are about; none when it has none).
pub fn eligibility(
    id: GenerationId,
    d: &Decision,
    now: Timestamp,
    m: &Messages,
    facts: Option<&ReasonFacts>,
) -> Eligibility {
    Eligibility {
        generation_id: id.to_string(),
        eligible: d.eligible,
        reasons: reasons(d, m, facts),
        refundable_credits: d.refundable_credits,
        window_closes_at: d.window_closes_at.map(time),
        window_secs_left: d
            .window_closes_at
            .map(|c| c.duration_since(now).num_seconds().max(0)),
        // `now` is the clock the decision was made with (the corrected device clock).
        policy_version: d.policy_version.clone(),
        rule: d.rule.clone(),
    }
}

/// A grant as the balance screen shows it.
pub fn grant(g: &GrantRecord) -> GrantView {
    GrantView {
        grant_id: g.terms.grant_id.to_string(),
        kind: g.terms.kind,
        credits: g.terms.credits,
        available: g.balances.available,
        granted_at: time(g.terms.granted_at),
        expires_at: g.terms.expires_at.map(time),
        note: g.terms.note.clone(),
        live: g.live,
    }
}

/// A ledger entry as the ledger screen shows it, in the app's language.
pub fn entry(e: &LedgerEntry, m: &Messages) -> LedgerEntryView {
    LedgerEntryView {
        seq: e.seq,
        kind: e.kind,
        kind_label: m.entry_kind(e.kind),
        grant_id: e.grant_id.to_string(),
        generation_id: e.generation_id.map(|g| g.to_string()),
        credits: e.credits,
        at: time(e.at),
    }
}

/// The pickers' vocabulary in the app's language, with the details bounds of `policy`.
pub fn catalog(policy: &Policy, m: &Messages) -> Catalog {
    fn choices<T: Copy>(all: &[T], label: impl Fn(T) -> String) -> Vec<Choice<T>> {
        all.iter()
            .map(|&v| Choice {
                value: v,
                label: label(v),
            })
            .collect()
    }
    let text = policy.claim_text();
    Catalog {
        features: choices(recoup_core::Feature::ALL, |f| m.feature(f)),
        platforms: choices(recoup_core::Platform::ALL, |p| m.platform(p)),
        surfaces: choices(recoup_core::Surface::ALL, |s| m.surface(s)),
        reasons: choices(recoup_core::ClaimReason::ALL, |r| m.claim_reason(r)),
        details_len_min: text.details_len_min,
        details_len_max: text.details_len_max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use recoup_core::{Feature, MediaKind, Platform, Surface};
    use recoup_store::ClaimSummary;

    fn record(status: GenerationStatus, claim: Option<ClaimSummary>) -> GenerationRecord {
        let t: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        GenerationRecord {
            generation_id: GenerationId::new_v7(),
            feature: Feature::Logo,
            platform: Platform::Web,
            surface: Surface::Editor,
            media_kind: MediaKind::Image,
            status,
            failure: None,
            cost: 2,
            charged: 2,
            price_version: "p".into(),
            started_at: t,
            finished_at: Some(t),
            hold_expires_at: t,
            output_ref: Some("/v1/x".into()),
            claim,
        }
    }

    fn en() -> &'static Messages {
        Messages::of(crate::i18n::Language::En)
    }

    #[test]
    fn only_a_finished_successful_generation_has_an_output() {
        // Where a generation stands is the device layer's (`recoup_device::state`, tested there).
        assert!(
            !generation(
                &record(GenerationStatus::Failed, None),
                None,
                en(),
                &Policy::builtin()
            )
            .has_output,
            "a technical failure has none"
        );
        assert!(
            generation(
                &record(GenerationStatus::Succeeded, None),
                None,
                en(),
                &Policy::builtin()
            )
            .has_output,
            "a success has one"
        );
    }

    #[test]
    fn generation_ids_from_the_ui_are_checked() {
        let e = generation_id("generation_id", "nope").unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidInput);
        assert!(e.message.starts_with("generation_id:"), "{}", e.message);
        let id = GenerationId::new_v7();
        assert_eq!(generation_id("g", &id.to_string()).unwrap(), id);
    }
}

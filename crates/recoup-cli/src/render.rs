//! Human-readable output: short sentences that say what happened and what to do next, and
//! tables for lists.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use recoup_core::Timestamp;

use recoup_api::{AccountView, GeneratorSettings, ReviewItem, SignedPolicy};
use recoup_core::{Balances, Decision, GenerationStatus, Policy, PriceList};
use recoup_core::{Feature, Platform};
use recoup_store::{
    AccountBalance, ClaimOutcome, ClaimRecord, GenerationRecord, GrantRecord, HistoryPage,
    LedgerEntry, SweepReport, SyncState,
};
use recoup_sync::{PolicyStatus, SyncReport};
use uuid::Uuid;

use crate::link::{LoginOutcome, RemoteGeneration};
use crate::views::SyncStateView;

pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    t
}

pub(crate) fn when(t: Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// "2 h 5 min", "3 min", "40 s".
pub fn span(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min"),
        _ => format!("{h} h {m} min"),
    }
}

pub fn policy(p: &Policy) -> String {
    let mut t = table(&["feature", "ios", "android", "web"]);
    let mark = |b: bool| if b { "yes" } else { "no" };
    for f in Feature::ALL {
        t.add_row(vec![
            f.as_str(),
            mark(p.feature_refundable(*f, Platform::Ios)),
            mark(p.feature_refundable(*f, Platform::Android)),
            mark(p.feature_refundable(*f, Platform::Web)),
        ]);
    }
    let s = p.safeguards();
    let excluded: Vec<_> = recoup_core::Surface::ALL
        .iter()
        .filter(|x| p.surface_excluded(**x))
        .map(|x| x.as_str())
        .collect();
    format!(
        "Policy {}\n\
         Refund window: {} after the generation finishes. One claim per generation: {}.\n\
         Never refundable in: {}.\n\
         Safeguards: at most {} refunds, and refunds at most {}% of spend once {} credits are spent, per {}.\n\
         Claim details: {} to {} characters.\n{t}",
        p.version(),
        recoup_core::policy::human_duration(p.refund_window()),
        if p.one_claim_per_generation() {
            "yes"
        } else {
            "no"
        },
        excluded.join(", "),
        s.refunds_max,
        s.refunded_share_max_percent,
        s.share_min_spent_credits,
        recoup_core::policy::human_duration(recoup_core::time::saturating_seconds(
            i64::try_from(s.window_secs).unwrap_or(i64::MAX)
        )),
        p.claim_text().details_len_min,
        p.claim_text().details_len_max,
    )
}

pub fn prices(p: &PriceList) -> String {
    let mut t = table(&["feature", "credits"]);
    for f in Feature::ALL {
        t.add_row(vec![f.as_str().to_owned(), p.price(*f).to_string()]);
    }
    format!(
        "Price list {}. A hold that is not settled within {} is released.\n{t}",
        p.version(),
        span(i64::try_from(p.hold_stale_after_secs()).unwrap_or(i64::MAX))
    )
}

pub fn decision(d: &Decision) -> String {
    let mut out = if d.eligible {
        format!(
            "Refundable: yes. Reporting it now would ask for {} credit(s) back; the endpoint has the final word.",
            d.refundable_credits
        )
    } else {
        "Refundable: no. A report is still recorded and sent as feedback.".to_owned()
    };
    for r in &d.reasons {
        out.push_str(&format!("\n  - {} ({}): {}", r.code, r.rule, r.message));
    }
    match (d.window_closes_at, d.window_left_secs()) {
        (Some(_), Some(left)) => {
            out.push_str(&format!("\nRefund window closes in {}.", span(left)))
        }
        (Some(closed), None) => {
            out.push_str(&format!("\nRefund window closed at {}.", when(closed)))
        }
        _ => {}
    }
    out.push_str(&format!("\nPolicy {} (rule {}).", d.policy_version, d.rule));
    out
}

pub fn totals_line(b: &Balances) -> String {
    format!(
        "available {}  held {}  spent {}  refunded {}  expired {}  (granted {})",
        b.available, b.held, b.spent, b.refunded, b.expired, b.granted
    )
}

pub fn grant(g: &GrantRecord) -> String {
    format!(
        "Granted {} credits ({}, priority {}{}). Grant {}.",
        g.terms.credits,
        g.terms.kind,
        g.terms.priority,
        g.terms
            .expires_at
            .map(|e| format!(", expires {}", when(e)))
            .unwrap_or_default(),
        g.terms.grant_id
    )
}

pub fn balance(b: &AccountBalance, swept: SweepReport) -> String {
    let mut t = table(&[
        "grant",
        "kind",
        "prio",
        "expires",
        "available",
        "held",
        "spent",
        "refunded",
        "expired",
    ]);
    for g in &b.grants {
        let x = g.balances;
        t.add_row(vec![
            g.terms.grant_id.to_string(),
            g.terms.kind.to_string(),
            g.terms.priority.to_string(),
            g.terms
                .expires_at
                .map(when)
                .unwrap_or_else(|| "never".into())
                + if g.live { "" } else { " (expired)" },
            x.available.to_string(),
            x.held.to_string(),
            x.spent.to_string(),
            x.refunded.to_string(),
            x.expired.to_string(),
        ]);
    }
    let mut out = format!(
        "Available: {} credits\n{}",
        b.totals.available,
        totals_line(&b.totals)
    );
    if b.grants.is_empty() {
        out.push_str("\nNo credits yet: add some with `recoup grant --credits 100`.");
    } else {
        out.push_str(&format!("\nGrants, in the order they are spent:\n{t}"));
    }
    if swept != SweepReport::default() {
        out.push('\n');
        out.push_str(&self::swept(&swept));
    }
    out
}

pub fn swept(s: &SweepReport) -> String {
    format!(
        "Sweep: {} stale hold(s) released ({} credits back), {} credits expired with their grants.",
        s.holds_expired, s.hold_credits_released, s.credits_expired
    )
}

pub fn entries(es: &[LedgerEntry]) -> String {
    if es.is_empty() {
        return "No ledger entries.".to_owned();
    }
    let mut t = table(&["seq", "at", "kind", "credits", "grant", "generation"]);
    for e in es {
        t.add_row(vec![
            e.seq.to_string(),
            when(e.at),
            e.kind.to_string(),
            e.credits.to_string(),
            e.grant_id.to_string(),
            e.generation_id.map(|g| g.to_string()).unwrap_or_default(),
        ]);
    }
    t.to_string()
}

fn state(g: &GenerationRecord) -> String {
    use recoup_device::GenerationState as S;
    let report = g.claim.as_ref();
    match recoup_device::state::generation_state(g) {
        S::TechnicalFailure => "technical failure: not charged".to_owned(),
        S::Running => "running (credits held)".to_owned(),
        S::Succeeded => "charged".to_owned(),
        S::Refunded => "refunded".to_owned(),
        S::NotRefunded => "not refunded (feedback recorded)".to_owned(),
        S::InReview => "in review".to_owned(),
        S::Pending => match report {
            Some(c) if c.local_eligible => format!("refund pending ({})", c.sync_state),
            Some(c) => format!("reported, not refundable ({})", c.sync_state),
            None => "reported".to_owned(),
        },
    }
}

pub fn generated(g: &GenerationRecord, d: &Decision) -> String {
    let what = match g.status {
        GenerationStatus::Succeeded => format!("succeeded and was charged {} credit(s)", g.charged),
        GenerationStatus::Failed => format!(
            "failed for a technical reason: the {} credit(s) held were released, nothing was charged",
            g.cost
        ),
        GenerationStatus::Running => format!("is running with {} credit(s) held", g.cost),
    };
    let next = if d.eligible {
        format!(
            "If the result is unusable, report it within {}: recoup report {} --reason blank_or_corrupted --details \"...\"",
            d.window_left_secs().map(span).unwrap_or_default(),
            g.generation_id
        )
    } else {
        format!(
            "Not refundable if reported: {}",
            d.reasons
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "Generation {} ({} on {}, {}) {}.\n{}",
        g.generation_id, g.feature, g.platform, g.surface, what, next
    )
}

pub fn history(p: &HistoryPage) -> String {
    if p.items.is_empty() {
        return "No generations. Make one with `recoup generate --feature virtual_model`."
            .to_owned();
    }
    let mut t = table(&[
        "generation",
        "started",
        "feature",
        "platform",
        "surface",
        "cost",
        "state",
    ]);
    for g in &p.items {
        t.add_row(vec![
            g.generation_id.to_string(),
            when(g.started_at),
            g.feature.to_string(),
            g.platform.to_string(),
            g.surface.to_string(),
            g.cost.to_string(),
            state(g),
        ]);
    }
    match p.next {
        Some(next) => format!("{t}\nMore: recoup history --before {next}"),
        None => t.to_string(),
    }
}

pub fn reported(c: &ClaimRecord, queued: u64) -> String {
    let verdict = if c.local_decision.eligible {
        format!(
            "This report can be refunded ({} credit(s)); the refund shows as pending until the endpoint confirms it.",
            c.local_decision.refundable_credits
        )
    } else {
        let reasons: Vec<_> = c
            .local_decision
            .reasons
            .iter()
            .map(|r| r.message.as_str())
            .collect();
        format!(
            "This report cannot be refunded: {} It is kept and sent as feedback. Thank you for your feedback.",
            reasons.join(" ")
        )
    };
    format!(
        "Report {} recorded for generation {}.\n{}\nQueued for the endpoint: {} item(s) waiting to sync.",
        c.claim_id, c.generation_id, verdict, queued
    )
}

pub fn claims(cs: &[ClaimRecord]) -> String {
    if cs.is_empty() {
        return "No reports yet.".to_owned();
    }
    let mut t = table(&[
        "claim",
        "generation",
        "submitted",
        "reason",
        "device says",
        "sync",
        "endpoint says",
    ]);
    for c in cs {
        t.add_row(vec![
            c.claim_id.to_string(),
            c.generation_id.to_string(),
            when(c.submitted_at),
            c.reason.to_string(),
            if c.local_decision.eligible {
                "refundable".to_owned()
            } else {
                let codes: Vec<_> = c
                    .local_decision
                    .reasons
                    .iter()
                    .map(|r| r.code.as_str())
                    .collect();
                format!("no: {}", codes.join(", "))
            },
            c.sync_state.to_string(),
            claim_status(c),
        ]);
    }
    t.to_string()
}

/// What the endpoint said about a claim, as the user is told it.
pub fn claim_status(c: &ClaimRecord) -> String {
    match (recoup_device::state::verdict_message(c), c.outcome) {
        (Some(message), outcome) => match (&c.outcome_code, outcome) {
            (Some(code), Some(ClaimOutcome::NotRefunded)) => format!("{message} ({code})"),
            _ => message,
        },
        (None, _) => match c.sync_state {
            SyncState::Queued if c.local_decision.eligible => {
                "Refund pending: waiting to sync".to_owned()
            }
            SyncState::Queued => "Waiting to sync (sent as feedback)".to_owned(),
            SyncState::Sent => "Sent; no answer yet, will retry".to_owned(),
            SyncState::Acknowledged => "Acknowledged".to_owned(),
            SyncState::Quarantined => {
                "Set aside after repeated failures: `recoup sync --retry-quarantined`".to_owned()
            }
        },
    }
}

fn offset_words(ms: i64) -> String {
    let secs = ms / 1000;
    if secs == 0 {
        "the device clock agrees with the endpoint's".to_owned()
    } else if secs > 0 {
        format!(
            "the endpoint's clock is {} ahead of this device",
            span(secs)
        )
    } else {
        format!("the endpoint's clock is {} behind this device", span(-secs))
    }
}

pub fn sync_state_line(s: &SyncStateView) -> String {
    if !s.linked {
        return format!(
            "Not linked to an endpoint ({} item(s) in the outbox; `recoup login` to link).",
            s.queued
        );
    }
    format!(
        "Linked to {} (account {}); network {}; {} item(s) waiting to sync; last sync {}.",
        s.endpoint.as_deref().unwrap_or("?"),
        s.account_id.as_deref().unwrap_or("?"),
        if s.online { "on" } else { "off" },
        s.queued,
        s.last_sync_at.as_deref().unwrap_or("never"),
    )
}

pub fn sync_report(r: &SyncReport, requeued: u64) -> String {
    let mut lines = Vec::new();
    if requeued > 0 {
        lines.push(format!(
            "{requeued} report(s) set aside earlier were put back in the queue."
        ));
    }
    push_lines(&mut lines, r);
    lines.extend(pulled(r));
    if let Some(ms) = r.clock_offset_ms {
        lines.push(format!(
            "Clock: {}; refund windows are checked with the endpoint's time.",
            offset_words(ms)
        ));
    }
    lines.extend(policy_status(&r.policy));
    for e in &r.errors {
        lines.push(format!(
            "Problem ({:?}): {}{}",
            e.phase,
            e.message,
            if e.transient {
                " (the next sync tries again)"
            } else {
                ""
            }
        ));
    }
    lines.push(format!(
        "{} item(s) still waiting in the outbox.",
        r.still_queued
    ));
    lines.join("\n")
}

/// What the push did: sent and answered, refused, to be retried, set aside.
fn push_lines(lines: &mut Vec<String>, r: &SyncReport) {
    if r.sent == 0 {
        lines.push("Nothing to send.".to_owned());
    } else {
        lines.push(format!(
            "Sent {} report(s); {} answered: {} refunded ({} credits), {} not refunded, {} in review.",
            r.sent, r.answered, r.refunded, r.refunded_credits, r.not_refunded, r.in_review
        ));
    }
    for n in &r.notices {
        lines.push(format!("  {}: {}", n.claim_id, n.message));
    }
    if r.rejected > 0 {
        lines.push(format!(
            "{} report(s) were refused by the endpoint and recorded as not refunded:",
            r.rejected
        ));
        for j in &r.rejections {
            lines.push(format!("  {} ({:?}): {}", j.claim_id, j.code, j.message));
        }
    }
    if r.retried > 0 {
        lines.push(format!(
            "{} report(s) could not be delivered and will be retried with backoff.",
            r.retried
        ));
    }
    if r.quarantined > 0 {
        lines.push(format!(
            "{} report(s) kept failing and were set aside; `recoup sync --retry-quarantined` tries them again.",
            r.quarantined
        ));
    }
}

/// What the pull brought, if it pulled anything.
fn pulled(r: &SyncReport) -> Option<String> {
    if r.pages == 0 {
        return None;
    }
    Some(format!(
        "Pulled {} new change(s) in {} page(s){}{}.",
        r.pulled,
        r.pages,
        if r.claims_decided > 0 {
            format!(
                "; {} decision(s) arrived (see `recoup claims`)",
                r.claims_decided
            )
        } else {
            String::new()
        },
        if r.more_to_pull {
            "; more wait for the next sync"
        } else {
            ""
        }
    ))
}

/// What the policy phase did, if it asked.
fn policy_status(p: &PolicyStatus) -> Option<String> {
    match p {
        PolicyStatus::NotChecked => None,
        PolicyStatus::Unchanged { version } => Some(format!("Policy {version} is up to date.")),
        PolicyStatus::Updated { from, to } => Some(format!(
            "Policy updated: {to} is now in force (was {from})."
        )),
        PolicyStatus::Refused {
            offered,
            kept,
            reason,
        } => Some(format!(
            "Policy {offered} was REFUSED ({}): {reason}. {kept} stays in force.",
            reason.code()
        )),
    }
}

pub fn logged_in(o: &LoginOutcome) -> String {
    let mut out = format!(
        "Linked to {} as account {}{}.\n\
         Token stored in {} (readable by you only; the app keeps it in the OS keychain).\n\
         Policy-signing key pinned: {}.",
        o.endpoint,
        o.account_id,
        match (o.created, o.allowance_credits) {
            (true, Some(c)) => format!(" (new sandbox account, {c} credits allowance)"),
            _ => String::new(),
        },
        o.credentials_file.display(),
        o.policy_key
    );
    match (&o.sync, &o.sync_error) {
        (Some(r), _) => {
            out.push('\n');
            out.push_str(&sync_report(r, 0));
        }
        (None, Some(e)) => out.push_str(&format!("\nFirst sync failed: {e}")),
        _ => {}
    }
    out
}

pub fn account(v: &AccountView, s: &SyncStateView) -> String {
    let skew = v.server_time.duration_since(Timestamp::now());
    let skew_ms = skew.num_milliseconds();
    format!(
        "Account {} on {}\nOn the endpoint: available {} credits\n{}\nEndpoint time: {} ({}).\n{}",
        v.account_id,
        s.endpoint.as_deref().unwrap_or("?"),
        v.balance.totals.available,
        totals_line(&v.balance.totals),
        when(v.server_time),
        offset_words(skew_ms),
        sync_state_line(s)
    )
}

pub fn network(s: &SyncStateView, sync: Option<&SyncReport>, error: Option<&str>) -> String {
    let mut out = if s.online {
        "Network on: syncs reach the endpoint.".to_owned()
    } else {
        "Network off (forced): nothing is sent or read; reports still work and wait in the outbox. \
         `recoup network on` to go back online."
            .to_owned()
    };
    out.push('\n');
    out.push_str(&sync_state_line(s));
    if let Some(r) = sync {
        out.push_str("\nBack online, synced:\n");
        out.push_str(&sync_report(r, 0));
    }
    if let Some(e) = error {
        out.push_str(&format!("\nBack online, but the sync failed: {e}"));
    }
    out
}

pub fn generated_remote(
    g: &GenerationRecord,
    d: Option<&Decision>,
    run: &RemoteGeneration,
) -> String {
    let mut out = match d {
        Some(d) => generated(g, d),
        None => format!(
            "Generation {} ({} on {}, {}) ran on the endpoint: {}.",
            g.generation_id, g.feature, g.platform, g.surface, g.status
        ),
    };
    out = out.replacen("Generation ", "Generation (on the endpoint) ", 1);
    if let Some(p) = &run.output_file {
        out.push_str(&format!("\nOutput saved to {}.", p.display()));
    }
    for n in &run.notes {
        out.push('\n');
        out.push_str(n);
    }
    out
}

/// At most `max` characters of `s`, with "…" when cut.
fn clip(s: &str, max: usize) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

pub fn reviews(items: &[ReviewItem]) -> String {
    if items.is_empty() {
        return "No claims waiting for review.".to_owned();
    }
    let mut t = table(&[
        "account",
        "claim",
        "generation",
        "reason",
        "details",
        "submitted",
    ]);
    for i in items {
        let c = &i.claim;
        t.add_row(vec![
            i.account_id.to_string(),
            c.claim_id.to_string(),
            c.generation_id.to_string(),
            c.reason.to_string(),
            clip(&c.details.replace(['\n', '\r'], " "), 60),
            when(c.submitted_at),
        ]);
    }
    format!(
        "{} claim(s) waiting for review, oldest first:\n{t}\n\
         Decide with `recoup admin approve ACCOUNT_ID CLAIM_ID` (refund) or `recoup admin reject ACCOUNT_ID CLAIM_ID`.",
        items.len()
    )
}

pub fn reviewed(account: Uuid, c: &ClaimRecord) -> String {
    match c.outcome {
        Some(ClaimOutcome::Refunded) => {
            let credits = c.refunded_credits.unwrap_or(0);
            let told = recoup_api::ClaimAnswer::message_for(&recoup_store::Verdict {
                outcome: ClaimOutcome::Refunded,
                code: None,
                refunded_credits: credits,
                decided_at: None,
            });
            let unit = if credits == 1 { "credit" } else { "credits" };
            format!(
                "Refunded {credits} {unit} to account {account} (claim {}, generation {}).\n\
                 The user is told \"{told}\" at their next sync.",
                c.claim_id, c.generation_id
            )
        }
        Some(ClaimOutcome::NotRefunded) => format!(
            "Rejected: not clearly unusable; the user is thanked for the feedback \
             (claim {} of account {account}, generation {}).",
            c.claim_id, c.generation_id
        ),
        Some(ClaimOutcome::InReview) | None => format!(
            "Claim {} of account {account} is still in review.",
            c.claim_id
        ),
    }
}

pub fn published(s: &SignedPolicy, version: &str) -> String {
    let mut out = format!(
        "Published policy {} as publication {}, signed with key {}.\n\
         Devices put it in force at their next sync; the endpoint decides with it from now on.",
        s.version, s.seq, s.key
    );
    if s.version != version {
        out.push_str(&format!(
            "\nNote: the file says version {version}, the endpoint published {}.",
            s.version
        ));
    }
    out
}

pub fn admin_grant(account: Uuid, g: &GrantRecord) -> String {
    format!(
        "{} to account {account}; it arrives on the account's devices with their next sync.",
        grant(g).trim_end_matches('.')
    )
}

pub fn clock_advanced(account: Uuid, secs: u64, now: Timestamp) -> String {
    format!(
        "Account {account}'s test clock moved forward {}: it now reads {}.\n\
         Holds gone stale and grants past their expiry were settled as the real clock would have.",
        span(i64::try_from(secs).unwrap_or(i64::MAX)),
        when(now)
    )
}

pub fn generator(s: &GeneratorSettings) -> String {
    format!(
        "Sandbox generator: {}% of generations fail technically (never charged); \
         {}% of the successful ones come out deliberately bad (refunded at once when reported).",
        percent(s.failure_rate),
        percent(s.bad_rate)
    )
}

fn percent(rate: f64) -> String {
    let p = format!("{:.2}", rate * 100.0);
    p.trim_end_matches('0').trim_end_matches('.').to_owned()
}

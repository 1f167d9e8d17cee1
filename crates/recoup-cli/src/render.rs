//! Human-readable output: short sentences that say what happened and what to do next, and
//! tables for lists.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use jiff::Timestamp;

use recoup_core::{Balances, Decision, GenerationStatus, Policy, PriceList};
use recoup_core::{Feature, Platform};
use recoup_store::{
    AccountBalance, ClaimOutcome, ClaimRecord, GenerationRecord, GrantRecord, HistoryPage,
    LedgerEntry, SweepReport,
};

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    t
}

fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
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
        recoup_core::policy::human_duration(jiff::SignedDuration::from_secs(
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
        g.credits,
        g.kind,
        g.priority,
        g.expires_at
            .map(|e| format!(", expires {}", when(e)))
            .unwrap_or_default(),
        g.grant_id
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
            g.grant_id.to_string(),
            g.kind.to_string(),
            g.priority.to_string(),
            g.expires_at.map(when).unwrap_or_else(|| "never".into())
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
    match (&g.status, &g.claim) {
        (GenerationStatus::Failed, _) => "technical failure: not charged".to_owned(),
        (GenerationStatus::Running, _) => "running (credits held)".to_owned(),
        (GenerationStatus::Succeeded, None) => "charged".to_owned(),
        (GenerationStatus::Succeeded, Some(c)) => match c.outcome {
            Some(ClaimOutcome::Refunded) => "refunded".to_owned(),
            Some(ClaimOutcome::NotRefunded) => "not refunded (feedback recorded)".to_owned(),
            Some(ClaimOutcome::InReview) => "in review".to_owned(),
            None if c.local_eligible => format!("refund pending ({})", c.sync_state),
            None => format!("reported, not refundable ({})", c.sync_state),
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
        "outcome",
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
            c.outcome.map_or("pending", |o| o.as_str()).to_owned(),
        ]);
    }
    t.to_string()
}

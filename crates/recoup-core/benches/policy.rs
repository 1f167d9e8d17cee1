//! Cost of one policy decision. Budget: under 1 µs (Cedar's published median is 4-11 µs per
//! authorization; this job is simpler and must be clearly faster).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use recoup_core::{
    AccountHistory, Feature, GenerationFacts, GenerationStatus, Platform, Policy, Surface,
};
use recoup_core::{TimeDelta, Timestamp};

fn decisions(c: &mut Criterion) {
    let policy = Policy::builtin();
    let finished: Timestamp = "2026-11-25T10:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let now = finished + TimeDelta::hours(1);
    let eligible = GenerationFacts {
        feature: Feature::VirtualModel,
        platform: Platform::Web,
        surface: Surface::Editor,
        status: GenerationStatus::Succeeded,
        finished_at: Some(finished),
        charged_credits: 4,
    };
    let refused_for_four_reasons = GenerationFacts {
        feature: Feature::AiShadows,
        surface: Surface::BatchEditor,
        ..eligible
    };
    let history = AccountHistory::default();
    let claimed = AccountHistory {
        already_claimed: true,
        ..history
    };
    let late = finished + TimeDelta::hours(48);

    let mut g = c.benchmark_group("policy_decision");
    g.bench_function("eligible", |b| {
        b.iter(|| policy.evaluate(black_box(&eligible), black_box(&history), black_box(now)))
    });
    g.bench_function("refused_four_reasons", |b| {
        b.iter(|| {
            policy.evaluate(
                black_box(&refused_for_four_reasons),
                black_box(&claimed),
                black_box(late),
            )
        })
    });
    g.bench_function("whole_seed_table_54_cells", |b| {
        b.iter(|| {
            let mut eligible_cells = 0;
            for f in Feature::ALL {
                for p in Platform::ALL {
                    let facts = GenerationFacts {
                        feature: *f,
                        platform: *p,
                        ..eligible
                    };
                    eligible_cells += usize::from(policy.evaluate(&facts, &history, now).eligible);
                }
            }
            black_box(eligible_cells)
        })
    });
    g.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);

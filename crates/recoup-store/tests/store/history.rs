//! History: keyset pagination, newest first, with filters by feature, platform, status and
//! claimed, alone and combined.

use std::collections::HashSet;

use recoup_core::{Feature, GenerationId, GenerationStatus, GrantKind, Platform, Surface};
use recoup_store::{HISTORY_PAGE_MAX, HistoryFilter, HistoryQuery, Store};

use crate::support::{TestClock, claim_req, finish, grant, start_on};

const GENERATIONS: usize = 250;

#[derive(Debug, Clone, Copy)]
struct Made {
    id: GenerationId,
    feature: Feature,
    platform: Platform,
    status: GenerationStatus,
    claimed: bool,
}

impl Made {
    fn passes(&self, f: &HistoryFilter) -> bool {
        f.feature.is_none_or(|v| v == self.feature)
            && f.platform.is_none_or(|v| v == self.platform)
            && f.status.is_none_or(|v| v == self.status)
            && f.claimed.is_none_or(|v| v == self.claimed)
    }
}

/// 250 generations one second apart (all within the 900 s before holds go stale), mixing
/// features, platforms and outcomes; every fourth succeeded one is reported.
fn history_of_250() -> (Store, Vec<Made>) {
    let mut clock = TestClock::start();
    let mut store = Store::open_in_memory().unwrap();
    grant(&mut store, GrantKind::Allowance, 100_000, None, clock.now());
    let mut made = Vec::new();
    for i in 0..GENERATIONS {
        let now = clock.advance(1);
        let feature = Feature::ALL[i % Feature::ALL.len()];
        let platform = Platform::ALL[(i / 5) % Platform::ALL.len()];
        let id = start_on(&mut store, feature, platform, Surface::Editor, now);
        let status = match i % 4 {
            0 | 1 => {
                finish(&mut store, id, true, now);
                GenerationStatus::Succeeded
            }
            2 => {
                finish(&mut store, id, false, now);
                GenerationStatus::Failed
            }
            _ => GenerationStatus::Running,
        };
        let claimed = status == GenerationStatus::Succeeded && i % 8 == 0;
        if claimed {
            store.submit_claim(&claim_req(id, now), now).unwrap();
        }
        made.push(Made {
            id,
            feature,
            platform,
            status,
            claimed,
        });
    }
    (store, made)
}

/// Pages through the history with `filter`, checking each page's shape; returns the ids seen.
fn page_through(store: &Store, filter: HistoryFilter, limit: u32) -> Vec<GenerationId> {
    let mut seen = Vec::new();
    let mut before = None;
    for _ in 0..=GENERATIONS {
        let page = store
            .history(&HistoryQuery {
                filter,
                before,
                limit,
            })
            .unwrap();
        assert!(
            page.items.len() <= limit as usize,
            "a page never holds more than the limit"
        );
        seen.extend(page.items.iter().map(|g| g.generation_id));
        match page.next {
            Some(next) => {
                assert_eq!(
                    page.items.len(),
                    limit as usize,
                    "only the last page may be short"
                );
                assert_eq!(
                    Some(next),
                    page.items.last().map(|g| g.generation_id),
                    "the cursor is the last item of the page"
                );
                before = Some(next);
            }
            None => return seen,
        }
    }
    panic!("pagination did not end after {GENERATIONS} pages");
}

#[test]
fn pages_of_50_return_every_generation_once_newest_first() {
    let (store, made) = history_of_250();
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .history(&HistoryQuery {
                filter: HistoryFilter::default(),
                before,
                limit: 50,
            })
            .unwrap();
        pages.push(page.items.len());
        let next = page.next;
        before = next;
        if next.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination must end");
    }
    assert_eq!(
        pages,
        vec![50; 5],
        "250 generations are exactly five full pages; the fifth says there is no next page"
    );
    let seen = page_through(&store, HistoryFilter::default(), 50);
    let newest_first: Vec<GenerationId> = made.iter().rev().map(|m| m.id).collect();
    assert_eq!(
        seen, newest_first,
        "every generation once, newest first, across pages"
    );
    let unique: HashSet<GenerationId> = seen.iter().copied().collect();
    assert_eq!(unique.len(), GENERATIONS, "no generation is listed twice");
}

#[test]
fn history_items_show_what_happened() {
    let (store, made) = history_of_250();
    let page = store
        .history(&HistoryQuery {
            filter: HistoryFilter::default(),
            before: None,
            limit: HISTORY_PAGE_MAX,
        })
        .unwrap();
    assert_eq!(
        page.items.len(),
        HISTORY_PAGE_MAX as usize,
        "the largest page size is accepted"
    );
    for item in &page.items {
        let m = made.iter().find(|m| m.id == item.generation_id).unwrap();
        assert_eq!(
            (
                item.feature,
                item.platform,
                item.status,
                item.claim.is_some()
            ),
            (m.feature, m.platform, m.status, m.claimed),
            "generation {} reads back as made",
            m.id
        );
        let charged = if m.status == GenerationStatus::Succeeded {
            item.cost
        } else {
            0
        };
        assert_eq!(
            item.charged, charged,
            "only a succeeded generation is charged"
        );
        assert_eq!(
            item.finished_at.is_some(),
            m.status != GenerationStatus::Running,
            "finished_at is set once finished"
        );
    }
}

#[test]
fn filters_by_feature_platform_status_and_claimed_alone_and_combined() {
    let (store, made) = history_of_250();
    let mut filters = vec![
        HistoryFilter {
            feature: Some(Feature::VirtualModel),
            ..HistoryFilter::default()
        },
        HistoryFilter {
            platform: Some(Platform::Android),
            ..HistoryFilter::default()
        },
        HistoryFilter {
            claimed: Some(true),
            ..HistoryFilter::default()
        },
        HistoryFilter {
            claimed: Some(false),
            ..HistoryFilter::default()
        },
        HistoryFilter {
            feature: Some(Feature::Text),
            platform: Some(Platform::Ios),
            ..HistoryFilter::default()
        },
        HistoryFilter {
            status: Some(GenerationStatus::Succeeded),
            claimed: Some(false),
            ..HistoryFilter::default()
        },
        HistoryFilter {
            feature: Some(Feature::VirtualModel),
            platform: Some(Platform::Ios),
            status: Some(GenerationStatus::Succeeded),
            claimed: Some(true),
        },
        HistoryFilter {
            status: Some(GenerationStatus::Running),
            claimed: Some(true),
            ..HistoryFilter::default()
        },
    ];
    for status in GenerationStatus::ALL {
        filters.push(HistoryFilter {
            status: Some(*status),
            ..HistoryFilter::default()
        });
    }
    let mut non_empty = 0;
    for filter in filters {
        let want: Vec<GenerationId> = made
            .iter()
            .rev()
            .filter(|m| m.passes(&filter))
            .map(|m| m.id)
            .collect();
        let got = page_through(&store, filter, 7);
        assert_eq!(
            got, want,
            "filter {filter:?}: exactly the matching generations, newest first"
        );
        non_empty += usize::from(!want.is_empty());
    }
    assert!(
        non_empty >= 10,
        "the fixture must make most filters match something, else the test proves little"
    );
}

#[test]
fn page_size_outside_1_to_200_is_refused() {
    let store = Store::open_in_memory().unwrap();
    for limit in [0, HISTORY_PAGE_MAX + 1] {
        let err = store
            .history(&HistoryQuery {
                filter: HistoryFilter::default(),
                before: None,
                limit,
            })
            .unwrap_err();
        assert!(
            matches!(
                err,
                recoup_store::StoreError::InvalidInput { field: "limit", .. }
            ),
            "limit {limit} is refused naming the field, got {err:?}"
        );
    }
    let empty = store
        .history(&HistoryQuery {
            filter: HistoryFilter::default(),
            before: None,
            limit: 1,
        })
        .unwrap();
    assert!(
        empty.items.is_empty() && empty.next.is_none(),
        "an empty history is one empty last page"
    );
}

//! The credit ledger's rules, free of storage: grant burn-down order, how a hold is spread over
//! grants, where a refund goes back to, and the invariants every state must satisfy.
//!
//! Credits are integers. A generation *holds* its price when it starts (available -> held); success
//! *captures* the hold (held -> spent), a technical failure *voids* it (held -> available). A refund
//! returns the charge to the grants it came from (Orb's "amendment"); refunded credits are counted
//! apart from spent, so that for every grant and for the whole account:
//!
//! `granted = available + held + spent - refunded + expired`.

use std::cmp::Ordering;

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::GrantId;

/// Highest amount of one grant, in credits.
pub const GRANT_CREDITS_MAX: u64 = 100_000_000;

/// Lowest-numbered priority burns first (as in Stripe credit grants). Priorities are 0..=100.
pub const PRIORITY_MAX: u32 = 100;

crate::spelled_enum!(
    /// What a grant is.
    GrantKind, "grant kind", [
        /// The monthly allowance of a plan.
        Allowance => "allowance", "allowance",
        /// A purchased top-up pack.
        TopUp => "top_up", "top-up pack",
        /// A promotional grant.
        Promotion => "promotion", "promotion",
        /// Credits refunded after their original grant expired, re-granted so they are not lost.
        Refund => "refund", "refund re-grant",
    ]
);

impl GrantKind {
    /// The priority a grant of this kind gets unless told otherwise: promotions and re-granted
    /// refunds first (they usually expire soonest), then the allowance, then paid top-ups last,
    /// so that what the user paid for lasts longest.
    pub const fn default_priority(self) -> u32 {
        match self {
            GrantKind::Promotion | GrantKind::Refund => 10,
            GrantKind::Allowance => 50,
            GrantKind::TopUp => 90,
        }
    }
}

/// A grant's fixed terms and its current available credits: what burn-down needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantSlice {
    /// The grant.
    pub id: GrantId,
    /// Lower burns first.
    pub priority: u32,
    /// When it was granted.
    pub granted_at: Timestamp,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// Credits still available in it.
    pub available: u64,
}

impl GrantSlice {
    /// Whether the grant can still be spent at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|e| now < e)
    }
}

/// The documented burn-down order: priority (lowest first), then earliest expiry (grants that
/// never expire last), then oldest grant, then id (a total order, so the result is deterministic).
pub fn burn_order(a: &GrantSlice, b: &GrantSlice) -> Ordering {
    a.priority
        .cmp(&b.priority)
        .then_with(|| match (a.expires_at, b.expires_at) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.granted_at.cmp(&b.granted_at))
        .then_with(|| a.id.cmp(&b.id))
}

/// Part of an amount taken from (or returned to) one grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The grant.
    pub grant: GrantId,
    /// Credits.
    pub credits: u64,
}

/// A ledger operation was refused by the rules. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Not enough live credits for the hold.
    #[error("not enough credits: this needs {needed}, {available} are available")]
    InsufficientCredits {
        /// Credits asked for.
        needed: u64,
        /// Credits available in live grants.
        available: u64,
    },
    /// An amount was zero or above the bound.
    #[error("invalid amount {amount}: {why}")]
    InvalidAmount {
        /// The amount given.
        amount: u64,
        /// Why it is refused.
        why: &'static str,
    },
    /// A refund would exceed what was charged.
    #[error("a refund of {requested} credits exceeds the {charged} credits charged")]
    RefundExceedsCharge {
        /// Credits asked to refund.
        requested: u64,
        /// Credits charged.
        charged: u64,
    },
}

/// Spreads `amount` over the live grants in burn-down order.
pub fn allocate(
    grants: &[GrantSlice],
    amount: u64,
    now: Timestamp,
) -> Result<Vec<Allocation>, LedgerError> {
    if amount == 0 {
        return Err(LedgerError::InvalidAmount {
            amount,
            why: "a hold must be at least 1 credit",
        });
    }
    let mut live: Vec<&GrantSlice> = grants
        .iter()
        .filter(|g| g.available > 0 && g.is_live(now))
        .collect();
    live.sort_by(|a, b| burn_order(a, b));
    let available: u64 = live.iter().map(|g| g.available).sum();
    if available < amount {
        return Err(LedgerError::InsufficientCredits {
            needed: amount,
            available,
        });
    }
    let mut left = amount;
    let mut out = Vec::new();
    for g in live {
        if left == 0 {
            break;
        }
        let take = left.min(g.available);
        out.push(Allocation {
            grant: g.id,
            credits: take,
        });
        left -= take;
    }
    debug_assert_eq!(
        left, 0,
        "available >= amount was checked, so the loop covers it"
    );
    Ok(out)
}

/// Where a refund of `amount` goes: back to the grants the charge came from, last burned first,
/// never more to a grant than it gave. `charged` is the capture's allocations in burn order.
pub fn refund_allocation(
    charged: &[Allocation],
    amount: u64,
) -> Result<Vec<Allocation>, LedgerError> {
    let total: u64 = charged.iter().map(|a| a.credits).sum();
    if amount == 0 {
        return Err(LedgerError::InvalidAmount {
            amount,
            why: "a refund must be at least 1 credit",
        });
    }
    if amount > total {
        return Err(LedgerError::RefundExceedsCharge {
            requested: amount,
            charged: total,
        });
    }
    let mut left = amount;
    let mut out = Vec::new();
    for a in charged.iter().rev() {
        if left == 0 {
            break;
        }
        let back = left.min(a.credits);
        out.push(Allocation {
            grant: a.grant,
            credits: back,
        });
        left -= back;
    }
    Ok(out)
}

/// Totals of a grant or an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balances {
    /// Everything ever granted.
    pub granted: u64,
    /// Spendable now.
    pub available: u64,
    /// Held by running generations.
    pub held: u64,
    /// Charged by finished generations (gross: refunds do not lower it).
    pub spent: u64,
    /// Given back by refunds.
    pub refunded: u64,
    /// Lost to grant expiry.
    pub expired: u64,
}

/// A state broke a ledger invariant: a bug, never a user error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ledger invariant broken: {0}")]
pub struct InvariantViolation(pub String);

impl Balances {
    /// Checks conservation: `granted = available + held + spent - refunded + expired`, and that
    /// refunds never exceed spending.
    pub fn check(&self) -> Result<(), InvariantViolation> {
        let rhs = i128::from(self.available) + i128::from(self.held) + i128::from(self.spent)
            - i128::from(self.refunded)
            + i128::from(self.expired);
        if i128::from(self.granted) != rhs {
            return Err(InvariantViolation(format!(
                "conservation: granted {} != available {} + held {} + spent {} - refunded {} + expired {}",
                self.granted, self.available, self.held, self.spent, self.refunded, self.expired
            )));
        }
        if self.refunded > self.spent {
            return Err(InvariantViolation(format!(
                "refunded {} exceeds spent {}",
                self.refunded, self.spent
            )));
        }
        Ok(())
    }

    /// Adds another set of totals (an account is the sum of its grants). A sum past `u64::MAX`
    /// can only come from damaged totals (grants are bounded far below it), so it is refused as
    /// an invariant violation and `self` is left as it was, never wrapped or half-added.
    pub fn add(&mut self, other: &Balances) -> Result<(), InvariantViolation> {
        let sum = |what: &str, a: u64, b: u64| {
            a.checked_add(b).ok_or_else(|| {
                InvariantViolation(format!("{what}: {a} + {b} overflows the credit counter"))
            })
        };
        *self = Balances {
            granted: sum("granted", self.granted, other.granted)?,
            available: sum("available", self.available, other.available)?,
            held: sum("held", self.held, other.held)?,
            spent: sum("spent", self.spent, other.spent)?,
            refunded: sum("refunded", self.refunded, other.refunded)?,
            expired: sum("expired", self.expired, other.expired)?,
        };
        Ok(())
    }
}

crate::spelled_enum!(
    /// The kind of a ledger entry.
    EntryKind, "entry kind", [
        /// Credits granted (+available).
        Grant => "grant", "grant",
        /// A generation started (available -> held).
        Hold => "hold", "hold",
        /// A generation succeeded (held -> spent).
        Capture => "capture", "capture",
        /// A generation failed technically (held -> available).
        Void => "void", "void",
        /// A hold went stale and was released (held -> available).
        HoldExpired => "hold_expired", "stale hold released",
        /// A refund (+available, +refunded).
        Refund => "refund", "refund",
        /// A grant expired (available -> expired).
        Expire => "expire", "expiry",
    ]
);

impl EntryKind {
    /// How an entry of this kind moves a grant's totals by `credits`. An entry that would take
    /// more than a total holds is refused, and the totals are left as they were.
    ///
    /// ```
    /// use recoup_core::{Balances, EntryKind};
    ///
    /// let mut b = Balances::default();
    /// EntryKind::Grant.apply(&mut b, 10).unwrap();
    /// EntryKind::Hold.apply(&mut b, 4).unwrap();
    /// EntryKind::Capture.apply(&mut b, 4).unwrap();
    /// assert_eq!((b.granted, b.available, b.held, b.spent), (10, 6, 0, 4));
    /// assert!(EntryKind::Capture.apply(&mut b, 1).is_err(), "nothing is held any more");
    /// ```
    pub fn apply(self, b: &mut Balances, credits: u64) -> Result<(), InvariantViolation> {
        let c = credits;
        // Taking more than a total holds is refused: credits never go negative.
        let take = |total: &mut u64, what: &str| {
            *total = total.checked_sub(c).ok_or_else(|| {
                InvariantViolation(format!("{} would make {what} negative", self.as_str()))
            })?;
            Ok::<(), InvariantViolation>(())
        };
        match self {
            EntryKind::Grant => {
                b.granted += c;
                b.available += c;
            }
            EntryKind::Hold => {
                take(&mut b.available, "available")?;
                b.held += c;
            }
            EntryKind::Capture => {
                take(&mut b.held, "held")?;
                b.spent += c;
            }
            EntryKind::Void | EntryKind::HoldExpired => {
                take(&mut b.held, "held")?;
                b.available += c;
            }
            EntryKind::Refund => {
                b.available += c;
                b.refunded += c;
            }
            EntryKind::Expire => {
                take(&mut b.available, "available")?;
                b.expired += c;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn grant(n: u128, priority: u32, expires: Option<&str>, available: u64) -> GrantSlice {
        GrantSlice {
            id: GrantId(Uuid::from_u128(n)),
            priority,
            granted_at: t("2026-01-01T00:00:00Z"),
            expires_at: expires.map(t),
            available,
        }
    }

    #[test]
    fn burns_by_priority_then_expiry_then_age() {
        let now = t("2026-01-10T00:00:00Z");
        let gs = [
            grant(1, 50, None, 10),
            grant(2, 50, Some("2026-02-01T00:00:00Z"), 10),
            grant(3, 10, None, 3),
            grant(4, 50, Some("2026-01-20T00:00:00Z"), 2),
        ];
        let got = allocate(&gs, 20, now).unwrap();
        let order: Vec<_> = got
            .iter()
            .map(|a| (a.grant.0.as_u128(), a.credits))
            .collect();
        assert_eq!(
            order,
            vec![(3, 3), (4, 2), (2, 10), (1, 5)],
            "priority 10 first, then earliest expiry, never-expiring last"
        );
    }

    #[test]
    fn expired_grants_are_not_spent() {
        let now = t("2026-03-01T00:00:00Z");
        let gs = [
            grant(1, 10, Some("2026-02-01T00:00:00Z"), 100),
            grant(2, 50, None, 5),
        ];
        assert_eq!(
            allocate(&gs, 6, now),
            Err(LedgerError::InsufficientCredits {
                needed: 6,
                available: 5
            })
        );
    }

    #[test]
    fn refunds_go_back_last_burned_first_and_never_exceed_the_charge() {
        let a = |n: u128, c| Allocation {
            grant: GrantId(Uuid::from_u128(n)),
            credits: c,
        };
        let charged = [a(1, 3), a(2, 4)];
        assert_eq!(
            refund_allocation(&charged, 7).unwrap(),
            vec![a(2, 4), a(1, 3)]
        );
        assert_eq!(
            refund_allocation(&charged, 5).unwrap(),
            vec![a(2, 4), a(1, 1)]
        );
        assert_eq!(
            refund_allocation(&charged, 8),
            Err(LedgerError::RefundExceedsCharge {
                requested: 8,
                charged: 7
            })
        );
    }

    #[test]
    fn conservation_detects_a_missing_credit() {
        let ok = Balances {
            granted: 10,
            available: 5,
            held: 1,
            spent: 6,
            refunded: 2,
            expired: 0,
        };
        assert!(ok.check().is_ok(), "10 = 5 + 1 + 6 - 2 + 0");
        let bad = Balances { available: 4, ..ok };
        assert!(
            bad.check().is_err(),
            "one credit vanished: must be reported"
        );
    }

    #[test]
    fn balances_add_refuses_overflow_and_leaves_the_totals_as_they_were() {
        let before = Balances {
            granted: u64::MAX,
            available: u64::MAX,
            ..Balances::default()
        };
        let mut total = before;
        let one = Balances {
            granted: 1,
            available: 1,
            ..Balances::default()
        };
        let got = total.add(&one);
        assert!(
            got.is_err(),
            "u64::MAX + 1 credits must be refused, not wrapped to 0 (got {got:?})"
        );
        assert_eq!(
            total, before,
            "a refused sum must not leave the totals half-added"
        );
    }

    #[test]
    fn balances_add_sums_every_column() {
        let mut total = Balances {
            granted: 10,
            available: 5,
            held: 1,
            spent: 6,
            refunded: 2,
            expired: 0,
        };
        let other = Balances {
            granted: 3,
            available: 1,
            held: 0,
            spent: 0,
            refunded: 0,
            expired: 2,
        };
        assert!(total.add(&other).is_ok(), "small totals add without error");
        assert_eq!(
            total,
            Balances {
                granted: 13,
                available: 6,
                held: 1,
                spent: 6,
                refunded: 2,
                expired: 2,
            },
            "each column is the sum of the two"
        );
    }

    #[test]
    fn entries_move_the_totals_as_documented_and_never_below_zero() {
        let mut b = Balances::default();
        let steps = [
            (EntryKind::Grant, 10),
            (EntryKind::Hold, 6),
            (EntryKind::Capture, 4),
            (EntryKind::Void, 1),
            (EntryKind::HoldExpired, 1),
            (EntryKind::Refund, 3),
            (EntryKind::Expire, 2),
        ];
        for (kind, credits) in steps {
            assert!(
                kind.apply(&mut b, credits).is_ok(),
                "{kind} of {credits} applies to {b:?}"
            );
            assert!(b.check().is_ok(), "{kind} keeps conservation: {b:?}");
        }
        assert_eq!(
            b,
            Balances {
                granted: 10,
                available: 7,
                held: 0,
                spent: 4,
                refunded: 3,
                expired: 2,
            },
            "grant 10, hold 6, capture 4, void 1, release 1, refund 3, expire 2"
        );
        for kind in [
            EntryKind::Hold,
            EntryKind::Capture,
            EntryKind::Void,
            EntryKind::HoldExpired,
            EntryKind::Expire,
        ] {
            let mut empty = Balances::default();
            assert!(
                kind.apply(&mut empty, 1).is_err(),
                "{kind} of 1 credit from empty totals must be refused"
            );
            assert_eq!(
                empty,
                Balances::default(),
                "a refused {kind} must leave the totals as they were"
            );
        }
    }
}

//! Client-made identifiers. Every generation, claim, grant and ledger operation carries a UUIDv7
//! made by whoever originates it. The id is persisted before anything is sent, and it is the
//! idempotency key: repeating an operation with the same id returns the first result.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The text given is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{value}' is not a valid {kind} id (expected a UUID such as 0192f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f)"
)]
pub struct InvalidId {
    /// Which id was parsed.
    pub kind: &'static str,
    /// What was given.
    pub value: String,
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered UUIDv7.
            pub fn new_v7() -> Self {
                Self(Uuid::now_v7())
            }

            /// The 16 bytes, big-endian, as stored (they sort by creation time for v7).
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }

            /// Rebuilds an id from its stored bytes.
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| InvalidId {
                    kind: $kind,
                    value: s.to_owned(),
                })
            }
        }
    };
}

id_type!(
    /// A generation (one run of an AI feature). Also the id of the hold it places.
    GenerationId, "generation"
);
id_type!(
    /// A refund claim ("Bad result" report).
    ClaimId, "claim"
);
id_type!(
    /// A credit grant (allowance, top-up, promotion, refund re-grant).
    GrantId, "grant"
);
id_type!(
    /// One ledger operation, the idempotency key of a write.
    OpId, "operation"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_sort_by_creation() {
        let a = GenerationId::new_v7();
        let b = GenerationId::new_v7();
        assert!(
            a.as_bytes() < b.as_bytes(),
            "UUIDv7 bytes must sort by creation time"
        );
    }

    #[test]
    fn bad_text_is_a_typed_error() {
        let err = "not-a-uuid".parse::<ClaimId>().unwrap_err();
        assert_eq!(err.kind, "claim");
        assert!(
            err.to_string()
                .contains("'not-a-uuid' is not a valid claim id")
        );
    }
}

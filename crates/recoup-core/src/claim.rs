//! The "Bad result" report: a reason from a fixed list and details within the policy's bounds.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::catalog::UnknownIdentifier;
use crate::policy::ClaimTextLimits;

/// Why the user says the result is bad. A fixed list, so reports can be counted and triaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimReason {
    /// Artifacts, distortions, extra limbs, melted text.
    ArtifactsOrDistortions,
    /// The wrong subject or product was changed or shown.
    WrongSubject,
    /// The result ignores what was asked for.
    IgnoredPrompt,
    /// The output is blank, corrupted or cut off.
    BlankOrCorrupted,
    /// Something else (say what in the details).
    Other,
}

impl ClaimReason {
    /// Every reason, in the order a menu shows them.
    pub const ALL: &'static [ClaimReason] = &[
        ClaimReason::ArtifactsOrDistortions,
        ClaimReason::WrongSubject,
        ClaimReason::IgnoredPrompt,
        ClaimReason::BlankOrCorrupted,
        ClaimReason::Other,
    ];

    /// The stable spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClaimReason::ArtifactsOrDistortions => "artifacts_or_distortions",
            ClaimReason::WrongSubject => "wrong_subject",
            ClaimReason::IgnoredPrompt => "ignored_prompt",
            ClaimReason::BlankOrCorrupted => "blank_or_corrupted",
            ClaimReason::Other => "other",
        }
    }

    /// The label a menu shows.
    pub const fn label(self) -> &'static str {
        match self {
            ClaimReason::ArtifactsOrDistortions => "Artifacts or distortions",
            ClaimReason::WrongSubject => "Wrong subject",
            ClaimReason::IgnoredPrompt => "Ignored my prompt",
            ClaimReason::BlankOrCorrupted => "Blank or corrupted output",
            ClaimReason::Other => "Other",
        }
    }
}

impl fmt::Display for ClaimReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClaimReason {
    type Err = UnknownIdentifier;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownIdentifier {
                kind: "reason",
                value: s.to_owned(),
                expected: Self::ALL
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// The details text of a claim was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetailsError {
    /// Too short (after trimming).
    #[error(
        "the details are too short: {len} characters, at least {min} are needed to say what is wrong"
    )]
    TooShort {
        /// Characters given.
        len: usize,
        /// Fewest allowed.
        min: u32,
    },
    /// Too long.
    #[error("the details are too long: {len} characters, at most {max} are allowed")]
    TooLong {
        /// Characters given.
        len: usize,
        /// Most allowed.
        max: u32,
    },
    /// Contains control characters other than newline and tab.
    #[error("the details contain a control character (only text, new lines and tabs are allowed)")]
    ControlCharacter,
}

/// Checks and normalises claim details: trims surrounding white space, counts characters (not
/// bytes), refuses control characters other than newline and tab.
pub fn validate_details(text: &str, limits: ClaimTextLimits) -> Result<String, DetailsError> {
    let trimmed = text.trim();
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(DetailsError::ControlCharacter);
    }
    let len = trimmed.chars().count();
    if len < limits.details_len_min as usize || len == 0 {
        return Err(DetailsError::TooShort {
            len,
            min: limits.details_len_min.max(1),
        });
    }
    if len > limits.details_len_max as usize {
        return Err(DetailsError::TooLong {
            len,
            max: limits.details_len_max,
        });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ClaimTextLimits = ClaimTextLimits {
        details_len_min: 3,
        details_len_max: 10,
    };

    #[test]
    fn details_are_trimmed_and_counted_in_characters() {
        assert_eq!(validate_details("  ééé  ", LIMITS), Ok("ééé".to_owned()));
        assert_eq!(
            validate_details("éééééééééé", LIMITS).map(|s| s.chars().count()),
            Ok(10),
            "10 two-byte characters are 10 characters, within the bound"
        );
    }

    #[test]
    fn empty_short_long_and_control_details_are_refused() {
        assert_eq!(
            validate_details("   ", LIMITS),
            Err(DetailsError::TooShort { len: 0, min: 3 })
        );
        assert_eq!(
            validate_details("abcdefghijk", LIMITS),
            Err(DetailsError::TooLong { len: 11, max: 10 })
        );
        assert_eq!(
            validate_details("ab\u{0}cd", LIMITS),
            Err(DetailsError::ControlCharacter)
        );
    }

    #[test]
    fn empty_details_are_refused_even_when_the_policy_allows_zero() {
        let limits = ClaimTextLimits {
            details_len_min: 0,
            details_len_max: 10,
        };
        assert!(matches!(
            validate_details("", limits),
            Err(DetailsError::TooShort { .. })
        ));
    }

    #[test]
    fn reasons_parse_from_their_spelling() {
        for r in ClaimReason::ALL {
            assert_eq!(r.as_str().parse::<ClaimReason>(), Ok(*r));
        }
        let err = "meh".parse::<ClaimReason>().unwrap_err();
        assert!(
            err.to_string().contains("blank_or_corrupted"),
            "lists choices: {err}"
        );
    }
}

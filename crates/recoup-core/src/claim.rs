//! The "Bad result" report: a reason from a fixed list and details within the policy's bounds.

use crate::policy::ClaimTextLimits;

crate::spelled_enum!(
    /// Why the user says the result is bad. A fixed list, so reports can be counted and triaged.
    ClaimReason, "reason", [
        /// Artifacts, distortions, extra limbs, melted text.
        ArtifactsOrDistortions => "artifacts_or_distortions", "Artifacts or distortions",
        /// The wrong subject or product was changed or shown.
        WrongSubject => "wrong_subject", "Wrong subject",
        /// The result ignores what was asked for.
        IgnoredPrompt => "ignored_prompt", "Ignored my prompt",
        /// The output is blank, corrupted or cut off.
        BlankOrCorrupted => "blank_or_corrupted", "Blank or corrupted output",
        /// Something else (say what in the details).
        Other => "other", "Other",
    ]
);

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
    // Invisible characters say nothing: a text of zero-width spaces, joiners or other format
    // characters (Unicode category Cf) must not pass the minimum, so they are not counted there.
    let said = trimmed.chars().filter(|c| !is_format(*c)).count();
    let visible = trimmed.chars().any(|c| !c.is_whitespace() && !is_format(c));
    if said < limits.details_len_min as usize || !visible {
        return Err(DetailsError::TooShort {
            len: said,
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

/// A format character (Unicode general category Cf: zero-width space and joiners, directional
/// marks, the byte-order mark, ...): it changes how text shows, and shows nothing itself.
fn is_format(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    c.general_category() == GeneralCategory::Format
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ClaimTextLimits = ClaimTextLimits {
        details_len_min: 3,
        details_len_max: 10,
    };

    #[test]
    fn details_made_only_of_zero_width_or_format_characters_are_too_short() {
        for invisible in [
            "\u{200B}\u{200B}\u{200B}\u{200B}",
            "\u{200D}\u{2060}\u{FEFF}\u{200E}\u{202E}",
            "\u{200B} \u{200B} \u{200B}",
        ] {
            assert!(
                matches!(
                    validate_details(invisible, LIMITS),
                    Err(DetailsError::TooShort { .. })
                ),
                "{invisible:?} says nothing and must be refused as too short"
            );
        }
        assert_eq!(
            validate_details("ok\u{200B}!", LIMITS),
            Ok("ok\u{200B}!".to_owned()),
            "visible text with a zero-width space inside is kept as written"
        );
        assert!(
            matches!(
                validate_details("a\u{200B}\u{200B}\u{200B}", LIMITS),
                Err(DetailsError::TooShort { len: 1, .. })
            ),
            "only the visible character counts towards the minimum"
        );
    }

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

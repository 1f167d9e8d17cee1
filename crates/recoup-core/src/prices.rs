//! What each feature costs, in whole credits. A versioned document like the policy: the endpoint
//! can replace it, the client keeps the last good one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{FEATURE_COUNT, Feature};
use crate::document::{self, DocumentError};
use crate::policy::check_window;

const DOC: &str = "price list";

/// Highest price of one generation, in credits.
pub const PRICE_CREDITS_MAX: u64 = 10_000;

/// The built-in price per feature. Video costs more than a still image.
const DEFAULT_PRICES: [(Feature, u64); FEATURE_COUNT] = [
    (Feature::VirtualModel, 4),
    (Feature::FlatLay, 4),
    (Feature::GhostMannequin, 4),
    (Feature::EditWithAi, 2),
    (Feature::Recolor, 2),
    (Feature::ProductBeautifier, 2),
    (Feature::Ironing, 2),
    (Feature::VideoGenerator, 20),
    (Feature::Logo, 2),
    (Feature::Text, 1),
    (Feature::CreateAnyImage, 2),
    (Feature::InstagramStory, 2),
    (Feature::AiBackgrounds, 1),
    (Feature::AiShadows, 1),
    (Feature::ImageEnhancer, 1),
    (Feature::AiExpand, 2),
    (Feature::Retouch, 1),
    (Feature::StudioShot, 4),
];

/// The price list as written in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceDocument {
    /// Version label.
    pub version: String,
    /// A hold that has not been captured or voided after this long is stale and is released
    /// (the credits return): a generation cannot keep credits locked forever.
    pub hold_stale_after_secs: u64,
    /// Credits per generation, per feature. Every feature must be listed.
    pub credits: BTreeMap<String, u64>,
}

/// A validated price list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceList {
    version: String,
    hold_stale_after_secs: u64,
    credits: [u64; FEATURE_COUNT],
}

impl PriceList {
    /// The built-in prices.
    pub fn builtin() -> Self {
        let mut credits = [0; FEATURE_COUNT];
        for (f, c) in DEFAULT_PRICES {
            credits[f.index()] = c;
        }
        Self {
            version: "builtin-2026-11-25".to_owned(),
            hold_stale_after_secs: 15 * 60,
            credits,
        }
    }

    /// Reads and validates a price document.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DocumentError> {
        let doc: PriceDocument = document::parse(DOC, bytes)?;
        Self::from_document(doc)
    }

    /// Validates a parsed price document.
    pub fn from_document(doc: PriceDocument) -> Result<Self, DocumentError> {
        let version = doc.version.trim();
        if version.is_empty() || version.len() > 64 || version.chars().any(char::is_control) {
            return Err(DocumentError::invalid(
                DOC,
                "version",
                "must be 1 to 64 printable characters",
            ));
        }
        check_window(DOC, "hold_stale_after_secs", doc.hold_stale_after_secs)?;
        let credits = document::feature_table(DOC, "credits", doc.credits, |f, c| {
            if c == 0 || c > PRICE_CREDITS_MAX {
                return Err(DocumentError::invalid(
                    DOC,
                    format!("credits.{f}"),
                    format!("must be between 1 and {PRICE_CREDITS_MAX} credits, got {c}"),
                ));
            }
            Ok(c)
        })?;
        Ok(Self {
            version: version.to_owned(),
            hold_stale_after_secs: doc.hold_stale_after_secs,
            credits,
        })
    }

    /// As a document.
    pub fn to_document(&self) -> PriceDocument {
        PriceDocument {
            version: self.version.clone(),
            hold_stale_after_secs: self.hold_stale_after_secs,
            credits: Feature::ALL
                .iter()
                .map(|f| (f.as_str().to_owned(), self.credits[f.index()]))
                .collect(),
        }
    }

    /// As pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_document()).unwrap_or_default()
    }

    /// Version label.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Credits one generation of `feature` costs.
    pub fn price(&self, feature: Feature) -> u64 {
        self.credits[feature.index()]
    }

    /// After how long an unsettled hold is released.
    pub fn hold_stale_after_secs(&self) -> u64 {
        self.hold_stale_after_secs
    }
}

impl Default for PriceList {
    fn default() -> Self {
        Self::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_round_trips_through_json() {
        let p = PriceList::builtin();
        let back = PriceList::from_json(p.to_json().as_bytes()).unwrap();
        assert_eq!(back, p, "the built-in list must survive its own JSON");
    }

    #[test]
    fn video_costs_more_than_any_image() {
        let p = PriceList::builtin();
        let video = p.price(Feature::VideoGenerator);
        for f in Feature::ALL
            .iter()
            .filter(|f| **f != Feature::VideoGenerator)
        {
            assert!(p.price(*f) < video, "{f} must cost less than a video");
        }
    }

    #[test]
    fn zero_price_and_missing_feature_are_refused_by_name() {
        let mut doc = PriceList::builtin().to_document();
        doc.credits.insert("logo".into(), 0);
        let err = PriceList::from_document(doc).unwrap_err();
        assert!(err.to_string().contains("credits.logo"), "{err}");

        let mut doc = PriceList::builtin().to_document();
        doc.credits.remove("retouch");
        let err = PriceList::from_document(doc).unwrap_err();
        assert!(err.to_string().contains("credits.retouch"), "{err}");
    }
}

//! The fixed vocabulary shared by the policy, the API, the CLI and the database: platforms,
//! surfaces, features and media kinds. The spellings are the brief's and never change; a
//! policy or price document can only refer to these.

/// A value given for an identifier is not one of the known spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{value}': expected one of {expected}")]
pub struct UnknownIdentifier {
    /// Which identifier family was parsed (`feature`, `platform`, ...).
    pub kind: &'static str,
    /// The value that was given, as given.
    pub value: String,
    /// The accepted spellings, comma separated.
    pub expected: String,
}

/// Declares a closed enum with one stable spelling per value (the same in the policy, the API,
/// the CLI and the database) and a label for people: `ALL`, `as_str`, `label`, `index`,
/// `Display`, `FromStr` (refusing unknown spellings with [`UnknownIdentifier`], which lists the
/// valid ones) and serde in snake_case. A crate that declares one may have a `ts` feature (with
/// `ts-rs` as a dependency): with it on, the enum also derives `ts_rs::TS`, a union of the
/// spellings, for the app's generated TypeScript types.
#[macro_export]
macro_rules! spelled_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal, [ $( $(#[$vmeta:meta])* $variant:ident => $text:literal, $label:literal ),+ $(,)? ]
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(::ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The stable spelling used everywhere (policy, API, CLI, database).
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }

            /// The name a person reads.
            pub const fn label(self) -> &'static str {
                match self { $( $name::$variant => $label, )+ }
            }

            /// Position in [`Self::ALL`], used to index fixed-size tables.
            pub const fn index(self) -> usize {
                self as usize
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::catalog::UnknownIdentifier;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err($crate::catalog::UnknownIdentifier {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: [$( $text ),+].join(", "),
                    }),
                }
            }
        }
    };
}

spelled_enum!(
    /// The platform a generation was made on. The desktop app counts as `web`.
    Platform, "platform", [
        /// The iOS app.
        Ios => "ios", "iOS",
        /// The Android app.
        Android => "android", "Android",
        /// The web app (and the desktop app unless a QA tester simulates another platform).
        Web => "web", "the Web App",
    ]
);

spelled_enum!(
    /// Where in the product the AI tool was used.
    Surface, "surface", [
        /// A single image or video in the editor.
        Editor => "editor", "the editor",
        /// The Batch Editor.
        BatchEditor => "batch_editor", "the Batch Editor",
        /// The Product Catalog Editor.
        ProductCatalog => "product_catalog", "the Product Catalog Editor",
    ]
);

spelled_enum!(
    /// An AI feature that spends credits, as listed in the help article's table.
    Feature, "feature", [
        /// Virtual Model.
        VirtualModel => "virtual_model", "Virtual Model",
        /// Flat Lay.
        FlatLay => "flat_lay", "Flat Lay",
        /// Ghost Mannequin.
        GhostMannequin => "ghost_mannequin", "Ghost Mannequin",
        /// Edit with AI.
        EditWithAi => "edit_with_ai", "Edit with AI",
        /// Recolor.
        Recolor => "recolor", "Recolor",
        /// Product Beautifier.
        ProductBeautifier => "product_beautifier", "Product Beautifier",
        /// Ironing.
        Ironing => "ironing", "Ironing",
        /// Video Generator (the only feature whose output is a video).
        VideoGenerator => "video_generator", "Video Generator",
        /// Logo.
        Logo => "logo", "Logo",
        /// Text.
        Text => "text", "Text",
        /// Create any image.
        CreateAnyImage => "create_any_image", "Create any image",
        /// Instagram Story.
        InstagramStory => "instagram_story", "Instagram Story",
        /// AI Backgrounds.
        AiBackgrounds => "ai_backgrounds", "AI Backgrounds",
        /// AI Shadows.
        AiShadows => "ai_shadows", "AI Shadows",
        /// Image Enhancer.
        ImageEnhancer => "image_enhancer", "Image Enhancer",
        /// AI Expand.
        AiExpand => "ai_expand", "AI Expand",
        /// Retouch.
        Retouch => "retouch", "Retouch",
        /// Studio Shot.
        StudioShot => "studio_shot", "Studio Shot",
    ]
);

spelled_enum!(
    /// What a generation produces.
    MediaKind, "media kind", [
        /// A still image.
        Image => "image", "image",
        /// A video.
        Video => "video", "video",
    ]
);

impl Feature {
    /// The kind of media this feature produces.
    pub const fn media_kind(self) -> MediaKind {
        match self {
            Feature::VideoGenerator => MediaKind::Video,
            _ => MediaKind::Image,
        }
    }
}

/// Number of platforms, for fixed-size tables.
pub const PLATFORM_COUNT: usize = 3;
/// Number of surfaces, for fixed-size tables.
pub const SURFACE_COUNT: usize = 3;
/// Number of features, for fixed-size tables.
pub const FEATURE_COUNT: usize = 18;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_identifier_round_trips_through_its_spelling() {
        for f in Feature::ALL {
            assert_eq!(
                f.as_str().parse::<Feature>(),
                Ok(*f),
                "feature {f} must parse back"
            );
        }
        for p in Platform::ALL {
            assert_eq!(
                p.as_str().parse::<Platform>(),
                Ok(*p),
                "platform {p} must parse back"
            );
        }
        for s in Surface::ALL {
            assert_eq!(
                s.as_str().parse::<Surface>(),
                Ok(*s),
                "surface {s} must parse back"
            );
        }
    }

    #[test]
    fn table_sizes_match_the_vocabulary() {
        assert_eq!(
            Feature::ALL.len(),
            FEATURE_COUNT,
            "the seed table has 18 features"
        );
        assert_eq!(Platform::ALL.len(), PLATFORM_COUNT, "ios, android, web");
        assert_eq!(
            Surface::ALL.len(),
            SURFACE_COUNT,
            "editor, batch_editor, product_catalog"
        );
        for (i, f) in Feature::ALL.iter().enumerate() {
            assert_eq!(f.index(), i, "index must be the position in ALL");
        }
    }

    #[test]
    fn unknown_spelling_names_the_kind_and_the_choices() {
        let err = "Ghost Mannequin".parse::<Feature>().unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("unknown feature 'Ghost Mannequin'"),
            "got: {text}"
        );
        assert!(
            text.contains("ghost_mannequin"),
            "must list valid spellings: {text}"
        );
    }

    #[test]
    fn serde_uses_the_same_spelling() {
        let json = serde_json::to_string(&Surface::BatchEditor).unwrap();
        assert_eq!(json, "\"batch_editor\"");
        assert!(serde_json::from_str::<Feature>("\"teleport\"").is_err());
    }

    #[test]
    fn only_the_video_generator_makes_video() {
        let videos: Vec<_> = Feature::ALL
            .iter()
            .filter(|f| f.media_kind() == MediaKind::Video)
            .collect();
        assert_eq!(videos, vec![&Feature::VideoGenerator]);
    }
}

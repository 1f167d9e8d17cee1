//! # recoup-generator
//!
//! The endpoint's built-in generator, the reference stand-in for a real AI backend, and the
//! objective "clearly unusable" check the endpoint uses to auto-approve refunds.
//!
//! - [`generate`] makes a real file from a [`GenerateRequest`], deterministically (same request,
//!   same bytes): a 320×240 PNG for image features, an 8-frame 160×120 animated GIF for
//!   `video_generator`, each a picture of its feature (a model wearing the garment for
//!   `virtual_model`, a headline for `text`, an emblem for `logo`, a moving film strip for the
//!   video, ...) so they tell apart at a glance; or, on request, a deliberately bad one
//!   ([`Quality::Blank`], [`Quality::Noise`], [`Quality::Truncated`]). [`pick_quality`] and
//!   [`pick_failure`] draw those outcomes from a seed at a given rate.
//! - [`inspect`] decodes a PNG, JPEG or GIF output (within hard bounds), or walks an MP4 or
//!   WebM container's structure without decoding frames (no video decoder: an intact video
//!   is `usable` and goes to a person), and gives a [`Verdict`]: `usable`, or
//!   one of the clearly unusable kinds (`blank`, `corrupt`, `truncated`, `noise`) with a
//!   [detail](Inspection::detail) that names the measured numbers.
//!
//! ```
//! use recoup_core::Feature;
//! use recoup_generator::{GenerateRequest, Quality, Verdict, generate, inspect, pick_quality};
//!
//! let request = GenerateRequest { feature: Feature::StudioShot, seed: 7, quality: Quality::Good };
//! let shot = generate(&request)?;
//! assert_eq!(shot.content_type, "image/png");
//! assert_eq!(generate(&request)?, shot, "same request, same bytes");
//! assert_eq!(inspect(&shot.bytes).verdict, Verdict::Usable);
//!
//! // A deliberately bad result is caught objectively.
//! let blank = generate(&GenerateRequest { quality: Quality::Blank, ..request })?;
//! let verdict = inspect(&blank.bytes).verdict;
//! assert_eq!(verdict, Verdict::Blank);
//! assert!(verdict.clearly_unusable());
//!
//! // The video is an animated GIF; cutting it short is detected.
//! let video = generate(&GenerateRequest { feature: Feature::VideoGenerator, ..request })?;
//! assert_eq!((video.content_type, video.frames), ("image/gif", 8));
//! assert_eq!(inspect(&video.bytes[..video.bytes.len() / 2]).verdict, Verdict::Truncated);
//!
//! // A simulator draws the outcome from the seed: here, never bad.
//! assert_eq!(pick_quality(42, 0.0), Quality::Good);
//! # Ok::<(), recoup_generator::GeneratorError>(())
//! ```
#![deny(missing_docs)]

mod container;
mod draw;
mod font;
mod generate;
mod inspect;
mod rng;

pub use generate::{
    CONTENT_TYPE_GIF, CONTENT_TYPE_PNG, GenerateRequest, Generated, GeneratorError, IMAGE_HEIGHT,
    IMAGE_WIDTH, Quality, VIDEO_FRAME_DELAY_MS, VIDEO_FRAMES, VIDEO_HEIGHT, VIDEO_WIDTH, generate,
    pick_failure, pick_quality,
};
pub use inspect::{
    BLANK_STD_MAX, INSPECT_ALLOC_MAX, INSPECT_BYTES_MAX, INSPECT_DIMENSION_MAX, INSPECT_PIXELS_MAX,
    Inspection, NOISE_HISTOGRAM_ENTROPY_MIN, NOISE_NEIGHBOUR_DIFF_MIN, Verdict, inspect, sniff,
};

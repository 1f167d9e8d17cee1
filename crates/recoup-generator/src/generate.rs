//! The built-in generator: real PNG and GIF files, made deterministically from a seed, good or
//! deliberately bad.

use std::fmt;
use std::str::FromStr;

use image::codecs::gif::{GifEncoder, Repeat};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{Delay, ExtendedColorType, Frame, ImageEncoder, Rgb, RgbImage, RgbaImage};
use recoup_core::{Feature, MediaKind, UnknownIdentifier};
use serde::{Deserialize, Serialize};

use crate::draw::Scene;
use crate::inspect::Verdict;
use crate::rng::{SplitMix64, derive};

/// Width of a generated still image, in pixels.
pub const IMAGE_WIDTH: u32 = 320;
/// Height of a generated still image, in pixels.
pub const IMAGE_HEIGHT: u32 = 240;
/// Width of a generated video (animated GIF), in pixels.
pub const VIDEO_WIDTH: u32 = 160;
/// Height of a generated video (animated GIF), in pixels.
pub const VIDEO_HEIGHT: u32 = 120;
/// Number of frames in a generated video.
pub const VIDEO_FRAMES: u32 = 8;
/// Time each video frame is shown, in milliseconds.
pub const VIDEO_FRAME_DELAY_MS: u32 = 100;

/// The MIME type of a generated still image.
pub const CONTENT_TYPE_PNG: &str = "image/png";
/// The MIME type of a generated video.
pub const CONTENT_TYPE_GIF: &str = "image/gif";

/// Stream tags, so that the picks made from one seed are independent of each other and of the
/// pixels.
const TAG_QUALITY: u64 = 1;
const TAG_FAILURE: u64 = 2;
const TAG_BLANK: u64 = 3;
const TAG_NOISE: u64 = 4;
const TAG_TRUNCATE: u64 = 5;

/// Anything that went wrong while making an output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeneratorError {
    /// The image encoder refused the pixels (should not happen with the built-in sizes).
    #[error("could not encode the generated {format}: {source}")]
    Encode {
        /// `"png"` or `"gif"`.
        format: &'static str,
        /// The encoder's error.
        #[source]
        source: image::ImageError,
    },
}

/// What the generator should make: a good result or one of the clearly unusable kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// A plausible result.
    Good,
    /// A single flat (or near-flat) colour.
    Blank,
    /// Uniform random pixels.
    Noise,
    /// A valid file cut off partway, so it cannot be decoded completely.
    Truncated,
}

impl Quality {
    /// Every quality, in declaration order.
    pub const ALL: &'static [Quality] = &[
        Quality::Good,
        Quality::Blank,
        Quality::Noise,
        Quality::Truncated,
    ];

    /// The bad kinds only.
    pub const BAD: &'static [Quality] = &[Quality::Blank, Quality::Noise, Quality::Truncated];

    /// The stable spelling (`good`, `blank`, `noise`, `truncated`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Quality::Good => "good",
            Quality::Blank => "blank",
            Quality::Noise => "noise",
            Quality::Truncated => "truncated",
        }
    }

    /// The verdict [`crate::inspect`] gives an output of this quality.
    pub const fn expected_verdict(self) -> Verdict {
        match self {
            Quality::Good => Verdict::Usable,
            Quality::Blank => Verdict::Blank,
            Quality::Noise => Verdict::Noise,
            Quality::Truncated => Verdict::Truncated,
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Quality {
    type Err = UnknownIdentifier;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quality::ALL
            .iter()
            .copied()
            .find(|q| q.as_str() == s)
            .ok_or_else(|| UnknownIdentifier {
                kind: "quality",
                value: s.to_owned(),
                expected: Quality::ALL
                    .iter()
                    .map(|q| q.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// One generation to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GenerateRequest {
    /// The AI feature being simulated: decides the look and whether the output is a video.
    pub feature: Feature,
    /// Everything random about the output comes from this: same request, same bytes.
    pub seed: u64,
    /// Good, or which way to be bad.
    pub quality: Quality,
}

/// A generated output: the encoded file and what it claims to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The encoded file (PNG or GIF; for [`Quality::Truncated`], a prefix of one).
    pub bytes: Vec<u8>,
    /// [`CONTENT_TYPE_PNG`] or [`CONTENT_TYPE_GIF`].
    pub content_type: &'static str,
    /// Width in pixels (of the intended image, also when truncated).
    pub width: u32,
    /// Height in pixels (of the intended image, also when truncated).
    pub height: u32,
    /// Number of frames: 1 for a still image.
    pub frames: u32,
}

/// Makes one output for `req`, deterministically: a PNG for image features, an animated GIF for
/// `video_generator`.
///
/// # Errors
///
/// [`GeneratorError::Encode`] if the image encoder fails (not expected for the built-in sizes).
pub fn generate(req: &GenerateRequest) -> Result<Generated, GeneratorError> {
    let video = req.feature.media_kind() == MediaKind::Video;
    let (width, height, frame_count) = if video {
        (VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_FRAMES)
    } else {
        (IMAGE_WIDTH, IMAGE_HEIGHT, 1)
    };

    // Different features with the same seed give different bad outputs too.
    let feature_seed = derive(req.seed, 0x100 + req.feature.index() as u64);
    let frames: Vec<RgbImage> = match req.quality {
        Quality::Good | Quality::Truncated => {
            let scene = Scene::new(req.feature, req.seed);
            // The video moves: each frame is the scene at its moment of the loop.
            (0..frame_count)
                .map(|i| scene.render(width, height, i, frame_count))
                .collect()
        }
        Quality::Blank => {
            let mut rng = SplitMix64::new(derive(feature_seed, TAG_BLANK));
            let colour = blank_colour(&mut rng);
            (0..frame_count)
                .map(|_| blank(width, height, colour, &mut rng))
                .collect()
        }
        Quality::Noise => {
            let mut rng = SplitMix64::new(derive(feature_seed, TAG_NOISE));
            (0..frame_count)
                .map(|_| noise(width, height, &mut rng))
                .collect()
        }
    };

    let (mut bytes, content_type) = if video {
        (encode_gif(frames)?, CONTENT_TYPE_GIF)
    } else {
        // A still image has exactly one frame.
        let encoded = match frames.first() {
            Some(frame) => encode_png(frame)?,
            None => Vec::new(),
        };
        (encoded, CONTENT_TYPE_PNG)
    };

    if req.quality == Quality::Truncated {
        // Cut somewhere between 30% and 80% of the file: past the headers, well before the end.
        let mut rng = SplitMix64::new(derive(feature_seed, TAG_TRUNCATE));
        let keep = (bytes.len() as f64 * (0.3 + 0.5 * rng.next_f64())) as usize;
        bytes.truncate(keep.clamp(1, bytes.len().saturating_sub(1)));
    }

    Ok(Generated {
        bytes,
        content_type,
        width,
        height,
        frames: frame_count,
    })
}

/// Whether a generation with this seed should come out bad, and how: `Good` with probability
/// `1 - bad_rate`, otherwise blank, noise or truncated with equal probability. `bad_rate` is
/// clamped to `[0, 1]`; NaN counts as 0. Deterministic in `seed`, and independent of
/// [`pick_failure`] for the same seed.
pub fn pick_quality(seed: u64, bad_rate: f64) -> Quality {
    let mut rng = SplitMix64::new(derive(seed, TAG_QUALITY));
    if rng.next_f64() < clamp_rate(bad_rate) {
        let i = rng.below(Quality::BAD.len() as u64) as usize;
        Quality::BAD.get(i).copied().unwrap_or(Quality::Blank)
    } else {
        Quality::Good
    }
}

/// Whether a generation with this seed should fail for a technical reason (with probability
/// `failure_rate`, clamped to `[0, 1]`; NaN counts as 0). Deterministic in `seed`.
pub fn pick_failure(seed: u64, failure_rate: f64) -> bool {
    let mut rng = SplitMix64::new(derive(seed, TAG_FAILURE));
    rng.next_f64() < clamp_rate(failure_rate)
}

fn clamp_rate(rate: f64) -> f64 {
    if rate.is_nan() {
        0.0
    } else {
        rate.clamp(0.0, 1.0)
    }
}

/// White, black, a light grey or a pale tint: what a failed generation tends to look like.
fn blank_colour(rng: &mut SplitMix64) -> [u8; 3] {
    match rng.below(4) {
        0 => [255, 255, 255],
        1 => [0, 0, 0],
        2 => {
            let g = 200 + rng.below(50) as u8;
            [g, g, g]
        }
        _ => [
            215 + rng.below(40) as u8,
            215 + rng.below(40) as u8,
            215 + rng.below(40) as u8,
        ],
    }
}

/// A flat colour with a one-level dither on a few pixels: "near-flat", as a real blank output
/// from a lossy pipeline would be.
fn blank(width: u32, height: u32, colour: [u8; 3], rng: &mut SplitMix64) -> RgbImage {
    let dither_seed = rng.next_u64();
    RgbImage::from_fn(width, height, |x, y| {
        let h = crate::rng::mix64(dither_seed ^ ((u64::from(y) << 20) | u64::from(x)));
        let bump = |c: u8| {
            if h.is_multiple_of(8) {
                if c == 255 { c - 1 } else { c + 1 }
            } else {
                c
            }
        };
        Rgb([bump(colour[0]), bump(colour[1]), bump(colour[2])])
    })
}

fn noise(width: u32, height: u32, rng: &mut SplitMix64) -> RgbImage {
    RgbImage::from_fn(width, height, |_, _| {
        let v = rng.next_u64().to_le_bytes();
        Rgb([v[0], v[1], v[2]])
    })
}

fn encode_png(img: &RgbImage) -> Result<Vec<u8>, GeneratorError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|source| GeneratorError::Encode {
            format: "png",
            source,
        })?;
    Ok(out)
}

fn encode_gif(frames: Vec<RgbImage>) -> Result<Vec<u8>, GeneratorError> {
    let err = |source| GeneratorError::Encode {
        format: "gif",
        source,
    };
    let mut out = Vec::new();
    {
        // Speed 10 is NeuQuant's usual trade-off; the encoder writes the trailer when dropped.
        let mut encoder = GifEncoder::new_with_speed(&mut out, 30);
        encoder.set_repeat(Repeat::Infinite).map_err(err)?;
        for f in frames {
            let rgba = RgbaImage::from_fn(f.width(), f.height(), |x, y| {
                let Rgb([r, g, b]) = *f.get_pixel(x, y);
                image::Rgba([r, g, b, 255])
            });
            let delay = Delay::from_numer_denom_ms(VIDEO_FRAME_DELAY_MS, 1);
            encoder
                .encode_frame(Frame::from_parts(rgba, 0, 0, delay))
                .map_err(err)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::inspect;

    fn req(feature: Feature, seed: u64, quality: Quality) -> GenerateRequest {
        GenerateRequest {
            feature,
            seed,
            quality,
        }
    }

    #[test]
    fn every_feature_good_decodes_is_usable_and_is_deterministic() {
        for &feature in Feature::ALL {
            let a = generate(&req(feature, 11, Quality::Good)).unwrap();
            let again = generate(&req(feature, 11, Quality::Good)).unwrap();
            let other = generate(&req(feature, 12, Quality::Good)).unwrap();
            assert_eq!(a, again, "{feature}: same request gave different bytes");
            assert_ne!(
                a.bytes, other.bytes,
                "{feature}: seeds 11 and 12 gave same bytes"
            );

            let format = if feature == Feature::VideoGenerator {
                image::ImageFormat::Gif
            } else {
                image::ImageFormat::Png
            };
            let decoded = image::load_from_memory_with_format(&a.bytes, format)
                .unwrap_or_else(|e| panic!("{feature}: good output does not decode: {e}"));
            assert_eq!(
                (decoded.width(), decoded.height()),
                (a.width, a.height),
                "{feature}: decoded size differs from the reported one"
            );
            let verdict = inspect(&a.bytes);
            assert_eq!(
                verdict.verdict,
                Verdict::Usable,
                "{feature}: good output judged {verdict:?}"
            );
        }
    }

    #[test]
    fn the_video_is_an_animated_gif_with_motion() {
        use image::AnimationDecoder;
        let g = generate(&req(Feature::VideoGenerator, 5, Quality::Good)).unwrap();
        assert_eq!(g.content_type, CONTENT_TYPE_GIF, "video content type");
        assert_eq!(g.frames, VIDEO_FRAMES, "video frame count");
        assert_eq!(g.bytes.last(), Some(&0x3B), "GIF ends with its trailer");
        let frames = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&g.bytes))
            .unwrap()
            .into_frames()
            .collect_frames()
            .unwrap();
        assert_eq!(frames.len(), VIDEO_FRAMES as usize, "decoded frame count");
        let first = frames[0].buffer();
        let moved = frames
            .iter()
            .skip(1)
            .filter(|f| {
                let diff: u64 = f
                    .buffer()
                    .as_raw()
                    .iter()
                    .zip(first.as_raw())
                    .map(|(a, b)| u64::from(a.abs_diff(*b)))
                    .sum();
                diff > u64::from(VIDEO_WIDTH * VIDEO_HEIGHT) // > 1 level per pixel on average
            })
            .count();
        assert!(
            moved >= 6,
            "only {moved} of 7 later frames differ from the first"
        );
    }

    #[test]
    fn still_images_are_pngs_of_the_documented_size() {
        let g = generate(&req(Feature::StudioShot, 1, Quality::Good)).unwrap();
        assert_eq!(g.content_type, CONTENT_TYPE_PNG, "image content type");
        assert_eq!(
            (g.width, g.height, g.frames),
            (IMAGE_WIDTH, IMAGE_HEIGHT, 1),
            "size"
        );
    }

    /// The first frame of a good output at the video's size (a still image averaged over 2×2
    /// blocks), so that all 18 features can be compared pixel by pixel.
    fn thumbnail(feature: Feature, seed: u64) -> RgbImage {
        use image::AnimationDecoder;
        let g = generate(&req(feature, seed, Quality::Good)).unwrap();
        let first = if g.frames > 1 {
            let frames = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&g.bytes))
                .unwrap()
                .into_frames()
                .collect_frames()
                .unwrap();
            image::DynamicImage::ImageRgba8(frames[0].buffer().clone()).to_rgb8()
        } else {
            image::load_from_memory(&g.bytes).unwrap().to_rgb8()
        };
        let k = first.width() / VIDEO_WIDTH;
        RgbImage::from_fn(VIDEO_WIDTH, VIDEO_HEIGHT, |x, y| {
            let mut sum = [0u32; 3];
            for dy in 0..k {
                for dx in 0..k {
                    let p = first.get_pixel(x * k + dx, y * k + dy);
                    for c in 0..3 {
                        sum[c] += u32::from(p[c]);
                    }
                }
            }
            Rgb(sum.map(|s| (s / (k * k)) as u8))
        })
    }

    /// Mean absolute difference per channel, and of the luminance once each image's mean
    /// luminance is taken away (so two pictures of the same layout in other colours still
    /// count as alike).
    fn differences(a: &RgbImage, b: &RgbImage) -> (f64, f64) {
        let lum = |p: &Rgb<u8>| {
            0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
        };
        let n = f64::from(a.width() * a.height());
        let mean_a = a.pixels().map(lum).sum::<f64>() / n;
        let mean_b = b.pixels().map(lum).sum::<f64>() / n;
        let (mut colour, mut layout) = (0.0, 0.0);
        for (p, q) in a.pixels().zip(b.pixels()) {
            colour += (0..3).map(|c| f64::from(p[c].abs_diff(q[c]))).sum::<f64>() / 3.0;
            layout += ((lum(p) - mean_a) - (lum(q) - mean_b)).abs();
        }
        (colour / n, layout / n)
    }

    #[test]
    fn features_differ_visibly() {
        // Every pair of the 18 features, same seed: the pictures differ pixel by pixel, and not
        // only in colour. When every feature drew the same product shot in its own colours, the
        // closest pair was 13.4 levels apart per channel and 5.9 in layout.
        const COLOUR_MIN: f64 = 20.0;
        const LAYOUT_MIN: f64 = 12.0;
        for seed in [3, 11, 4_000_000_007] {
            let thumbs: Vec<_> = Feature::ALL
                .iter()
                .map(|&f| (f, thumbnail(f, seed)))
                .collect();
            for (i, (fa, a)) in thumbs.iter().enumerate() {
                for (fb, b) in &thumbs[i + 1..] {
                    let (colour, layout) = differences(a, b);
                    assert!(
                        colour > COLOUR_MIN,
                        "seed {seed}: {fa} and {fb} look alike: mean difference {colour:.1} \
                         levels per channel, at most {COLOUR_MIN}"
                    );
                    assert!(
                        layout > LAYOUT_MIN,
                        "seed {seed}: {fa} and {fb} have the same layout: mean luminance \
                         difference {layout:.1} once the means are taken away, at most \
                         {LAYOUT_MIN}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_test_of_alike_pictures_catches_a_recoloured_copy() {
        // The same picture with every channel moved by 30 levels differs in colour but not in
        // layout: the layout bound catches it.
        let a = thumbnail(Feature::StudioShot, 3);
        let b = RgbImage::from_fn(a.width(), a.height(), |x, y| {
            Rgb(a.get_pixel(x, y).0.map(|c| c.saturating_add(30)))
        });
        let (colour, layout) = differences(&a, &b);
        assert!(
            colour > 20.0,
            "a recoloured copy differs in colour: {colour:.1}"
        );
        assert!(
            layout < 5.0,
            "a recoloured copy has the same layout: {layout:.1}"
        );
    }

    /// Every feature (including the GIF), two seeds: the bad kind is detected as itself.
    fn bad_quality_is_detected_for_every_feature(quality: Quality) {
        for &feature in Feature::ALL {
            for seed in [0, u64::MAX] {
                let g = generate(&req(feature, seed, quality)).unwrap();
                let got = inspect(&g.bytes);
                assert_eq!(
                    got.verdict,
                    quality.expected_verdict(),
                    "{feature} {quality} seed {seed}: judged {got:?}"
                );
                assert!(
                    got.verdict.clearly_unusable(),
                    "{feature} {quality}: usable?"
                );
            }
        }
    }

    #[test]
    fn blank_is_detected_for_every_feature() {
        bad_quality_is_detected_for_every_feature(Quality::Blank);
    }

    #[test]
    fn noise_is_detected_for_every_feature() {
        bad_quality_is_detected_for_every_feature(Quality::Noise);
    }

    #[test]
    fn truncated_is_detected_for_every_feature() {
        bad_quality_is_detected_for_every_feature(Quality::Truncated);
    }

    #[test]
    fn truncated_outputs_are_shorter_prefixes_of_the_good_ones() {
        for &feature in [Feature::StudioShot, Feature::VideoGenerator].iter() {
            let good = generate(&req(feature, 8, Quality::Good)).unwrap();
            let cut = generate(&req(feature, 8, Quality::Truncated)).unwrap();
            assert!(cut.bytes.len() < good.bytes.len(), "{feature}: not shorter");
            assert!(
                good.bytes.starts_with(&cut.bytes),
                "{feature}: truncated output is not a prefix of the good one"
            );
        }
    }

    #[test]
    fn quality_round_trips_through_str_and_serde() {
        for &q in Quality::ALL {
            assert_eq!(q.as_str().parse::<Quality>().unwrap(), q, "FromStr {q}");
            let json = serde_json::to_string(&q).unwrap();
            assert_eq!(json, format!("\"{}\"", q.as_str()), "serde spelling of {q}");
        }
        let err = "awful".parse::<Quality>().unwrap_err();
        assert!(
            err.to_string().contains("good, blank, noise, truncated"),
            "error lists the spellings: {err}"
        );
    }

    #[test]
    fn pick_quality_respects_the_rate_and_is_deterministic() {
        let n = 20_000u64;
        let bad = (0..n)
            .filter(|&s| pick_quality(s, 0.2) != Quality::Good)
            .count();
        let share = bad as f64 / n as f64;
        assert!(
            (0.18..0.22).contains(&share),
            "bad share {share} for rate 0.2"
        );
        let mut kinds = [0usize; 3];
        for s in 0..n {
            match pick_quality(s, 1.0) {
                Quality::Blank => kinds[0] += 1,
                Quality::Noise => kinds[1] += 1,
                Quality::Truncated => kinds[2] += 1,
                Quality::Good => panic!("rate 1.0 gave Good for seed {s}"),
            }
        }
        for k in kinds {
            assert!(k > 6_000, "bad kinds not evenly spread: {kinds:?}");
        }
        assert!(
            (0..1000).all(|s| pick_quality(s, 0.0) == Quality::Good),
            "rate 0 always good"
        );
        assert!(
            (0..1000).all(|s| pick_quality(s, f64::NAN) == Quality::Good),
            "NaN rate counts as 0"
        );
        assert_eq!(
            pick_quality(77, 0.5),
            pick_quality(77, 0.5),
            "deterministic"
        );
    }

    #[test]
    fn pick_failure_respects_the_rate_and_is_independent_of_quality() {
        let n = 20_000u64;
        let failed = (0..n).filter(|&s| pick_failure(s, 0.1)).count();
        let share = failed as f64 / n as f64;
        assert!(
            (0.09..0.11).contains(&share),
            "failure share {share} for rate 0.1"
        );
        assert!(
            !(0..1000).any(|s| pick_failure(s, 0.0)),
            "rate 0 never fails"
        );
        assert!(
            (0..1000).all(|s| pick_failure(s, 1.0)),
            "rate 1 always fails"
        );
        assert!(
            (0..1000).all(|s| pick_failure(s, 7.0)),
            "rate above 1 is clamped"
        );
        // Independent streams: among the failed seeds, the bad share is still about the rate.
        let both = (0..n)
            .filter(|&s| pick_failure(s, 0.5) && pick_quality(s, 0.5) != Quality::Good)
            .count();
        let share = both as f64 / n as f64;
        assert!(
            (0.23..0.27).contains(&share),
            "joint share {share}, expected ~0.25"
        );
    }
}

//! The objective "clearly unusable" check: decode the output (with hard bounds on size and
//! work) and look for the failures nobody would argue about: not an image at all, cut off,
//! blank, or noise.

use std::fmt;
use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::{AnimationDecoder, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};

/// Inputs longer than this are refused (as [`Verdict::Uninspectable`]) without being decoded.
pub const INSPECT_BYTES_MAX: usize = 25 * 1024 * 1024;
/// Widths or heights above this are refused (as [`Verdict::Uninspectable`]) before any pixel is
/// decoded: decompression-bomb safety.
/// 4096² RGBA is 64 MiB decoded, the most one inspection holds at once.
pub const INSPECT_DIMENSION_MAX: u32 = 4096;
/// Total pixels over all frames above this are refused (as [`Verdict::Uninspectable`]): bounds the
/// work on long or large animations. 64 Mi pixels is four 4096×4096 frames or about 3,500
/// frames of 160×120.
pub const INSPECT_PIXELS_MAX: u64 = 64 * 1024 * 1024;
/// The decoder may not allocate more than this at once (a 16-bit RGBA 4096² PNG needs 128 MiB).
pub const INSPECT_ALLOC_MAX: u64 = 256 * 1024 * 1024;

/// A frame is blank when no colour channel has a standard deviation of at least this many
/// levels (out of 255).
///
/// A flat colour with JPEG-like ±1 wobble has a deviation below 1; a small product on a white
/// background (0.1% of the pixels, 100 levels darker) already has about 3; any real picture has
/// tens.
pub const BLANK_STD_MAX: f64 = 2.0;
/// A frame can be noise only when the mean absolute difference between neighbouring pixels is at
/// least this many levels, both horizontally and vertically.
///
/// For independent uniform pixels the expected difference is 255/3 ≈ 85; photographs and
/// product shots sit well below 20 (neighbours are correlated), even busy textures rarely pass 30.
pub const NOISE_NEIGHBOUR_DIFF_MIN: f64 = 45.0;
/// ... and when every colour channel's histogram (16 bins) has a normalised entropy of at least
/// this (1.0 is a perfectly flat histogram).
///
/// Uniform noise scores above 0.99 in a PNG and about 0.9 once a GIF encoder has quantised it to
/// a 256-colour palette; a fine two-colour pattern (a checkerboard, stripes), which also has
/// large neighbour differences, scores 0.25 at most, and a few-colour pattern stays below 0.75
/// (entropy 3 bits of 4 needs at least 8 evenly used levels per channel).
pub const NOISE_HISTOGRAM_ENTROPY_MIN: f64 = 0.8;

const HISTOGRAM_BINS: usize = 16;

/// The check's conclusion about one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing objectively wrong: a person has to judge it.
    Usable,
    /// (Almost) every pixel the same colour, in every frame.
    Blank,
    /// Not a decodable PNG, JPEG or GIF, not a whole MP4 or WebM container, or an unknown format.
    Corrupt,
    /// A PNG, JPEG, GIF, MP4 or WebM that stops before its end.
    Truncated,
    /// Decodes, but is uniform random pixels.
    Noise,
    /// Over the inspection limits (bytes, pixels per side, pixels over all frames): not looked
    /// at, so nothing is known of it. Exceeding a limit is no evidence the output is unusable,
    /// so a person judges it (fails closed: never an automatic refund).
    Uninspectable,
}

impl Verdict {
    /// Every verdict, in declaration order.
    pub const ALL: &'static [Verdict] = &[
        Verdict::Usable,
        Verdict::Blank,
        Verdict::Corrupt,
        Verdict::Truncated,
        Verdict::Noise,
        Verdict::Uninspectable,
    ];

    /// True for the verdicts that are objective evidence (blank, corrupt, truncated, noise): the
    /// endpoint may refund at once. [`Verdict::Usable`] and [`Verdict::Uninspectable`] go to a
    /// person.
    pub const fn clearly_unusable(self) -> bool {
        !matches!(self, Verdict::Usable | Verdict::Uninspectable)
    }

    /// The stable spelling (`usable`, `blank`, `corrupt`, `truncated`, `noise`, `uninspectable`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Usable => "usable",
            Verdict::Blank => "blank",
            Verdict::Corrupt => "corrupt",
            Verdict::Truncated => "truncated",
            Verdict::Noise => "noise",
            Verdict::Uninspectable => "uninspectable",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict and a sentence saying why, with the measured numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// The conclusion.
    pub verdict: Verdict,
    /// Why, for logs and for the claim's record.
    pub detail: String,
}

impl Inspection {
    pub(crate) fn new(verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            verdict,
            detail: detail.into(),
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const GIF_SIGNATURES: [&[u8]; 2] = [b"GIF87a", b"GIF89a"];
const JPEG_SIGNATURE: &[u8] = b"\xff\xd8\xff";
const JPEG_END: &[u8] = b"\xff\xd9";
const WEBM_SIGNATURE: &[u8] = b"\x1a\x45\xdf\xa3";

/// The media type `bytes` are, by their signature: `image/png`, `image/jpeg`, `image/gif`,
/// `video/mp4` or `video/webm`; `None` for anything else. Only the signature is looked at.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(PNG_SIGNATURE) {
        Some("image/png")
    } else if bytes.starts_with(JPEG_SIGNATURE) {
        Some("image/jpeg")
    } else if GIF_SIGNATURES.iter().any(|s| bytes.starts_with(s)) {
        Some("image/gif")
    } else if bytes.get(4..8) == Some(b"ftyp") {
        Some("video/mp4")
    } else if bytes.starts_with(WEBM_SIGNATURE) {
        Some("video/webm")
    } else {
        None
    }
}

/// Decides whether `bytes` (a generated PNG or GIF) is clearly unusable. Never panics; the work
/// is bounded by [`INSPECT_BYTES_MAX`], [`INSPECT_DIMENSION_MAX`] and [`INSPECT_PIXELS_MAX`].
///
/// Order of the checks: empty, too large, or an unknown format → `Corrupt`; a PNG without its
/// `IEND` chunk or a GIF without its trailer, or a decoder hitting the end of the data →
/// `Truncated`; any other decoding failure → `Corrupt`; then per frame: blank ([`BLANK_STD_MAX`])
/// or noise ([`NOISE_NEIGHBOUR_DIFF_MIN`] and [`NOISE_HISTOGRAM_ENTROPY_MIN`]). An animation is
/// `Blank` only if every frame is blank, `Noise` only if every frame is blank or noise;
/// anything else is `Usable`.
pub fn inspect(bytes: &[u8]) -> Inspection {
    if bytes.is_empty() {
        return Inspection::new(Verdict::Corrupt, "empty output: no bytes at all");
    }
    if bytes.len() > INSPECT_BYTES_MAX {
        return Inspection::new(
            Verdict::Uninspectable,
            format!(
                "refused: {} bytes is over the {INSPECT_BYTES_MAX}-byte inspection limit",
                bytes.len()
            ),
        );
    }
    match sniff(bytes) {
        Some("image/png") => return inspect_png(bytes),
        Some("image/jpeg") => return inspect_jpeg(bytes),
        Some("image/gif") => return inspect_gif(bytes),
        Some("video/mp4") => return crate::container::inspect_mp4(bytes),
        Some("video/webm") => return crate::container::inspect_webm(bytes),
        _ => {}
    }
    if bytes.len() >= 4
        && (PNG_SIGNATURE.starts_with(bytes) || GIF_SIGNATURES.iter().any(|s| s.starts_with(bytes)))
    {
        Inspection::new(
            Verdict::Truncated,
            format!("only the first {} bytes of an image signature", bytes.len()),
        )
    } else {
        Inspection::new(
            Verdict::Corrupt,
            format!(
                "not a PNG, JPEG, GIF, MP4 or WebM ({} bytes starting {})",
                bytes.len(),
                hex_prefix(bytes)
            ),
        )
    }
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(INSPECT_DIMENSION_MAX);
    limits.max_image_height = Some(INSPECT_DIMENSION_MAX);
    limits.max_alloc = Some(INSPECT_ALLOC_MAX);
    limits
}

/// The outcome of walking a file's block structure without decoding it.
enum Structure {
    /// Every block is there; `images` counts the image blocks (GIF frames; 1 for a PNG).
    Complete {
        images: u64,
    },
    Truncated(String),
    Corrupt(String),
}

/// Walks the PNG chunks (length, type, data, CRC) up to `IEND`. Cheap: no decompression.
fn png_structure(bytes: &[u8]) -> Structure {
    let mut pos = PNG_SIGNATURE.len();
    loop {
        let Some(header) = bytes.get(pos..pos + 8) else {
            return Structure::Truncated(format!(
                "PNG ends after {} bytes, inside a chunk header, before IEND",
                bytes.len()
            ));
        };
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = &header[4..8];
        if length > 0x7FFF_FFFF {
            return Structure::Corrupt(format!("PNG chunk length {length} is out of range"));
        }
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Structure::Corrupt(format!(
                "PNG chunk type at byte {pos} is not a chunk name ({})",
                hex_prefix(kind)
            ));
        }
        let end = pos + 12 + length as usize;
        if end > bytes.len() {
            return Structure::Truncated(format!(
                "PNG ends after {} bytes, inside chunk {} (which needs {end}), before IEND",
                bytes.len(),
                String::from_utf8_lossy(kind)
            ));
        }
        if kind == b"IEND" {
            return Structure::Complete { images: 1 };
        }
        pos = end;
    }
}

/// Walks the GIF blocks (screen descriptor, colour tables, extensions, images and their
/// sub-blocks) up to the trailer byte `0x3B`. Cheap: no LZW decoding.
fn gif_structure(bytes: &[u8]) -> Structure {
    let truncated = |what: &str| {
        Structure::Truncated(format!(
            "GIF ends after {} bytes, inside {what}, before the trailer",
            bytes.len()
        ))
    };
    // Header (6) + logical screen descriptor (7).
    let Some(&flags) = bytes.get(10) else {
        return truncated("the screen descriptor");
    };
    let mut pos = 13usize;
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 0x07) + 1);
    }
    let mut images = 0u64;
    loop {
        let Some(&block) = bytes.get(pos) else {
            return truncated("the block list");
        };
        match block {
            0x3B => return Structure::Complete { images },
            0x21 => {
                // Extension: introducer, label, sub-blocks.
                pos += 2;
                match skip_sub_blocks(bytes, pos) {
                    Some(next) => pos = next,
                    None => return truncated("an extension"),
                }
            }
            0x2C => {
                // Image descriptor (10 bytes), local colour table, LZW minimum code size,
                // sub-blocks of image data.
                let Some(&flags) = bytes.get(pos + 9) else {
                    return truncated("an image descriptor");
                };
                pos += 10;
                images += 1;
                if flags & 0x80 != 0 {
                    pos += 3 << ((flags & 0x07) + 1);
                }
                pos += 1;
                match skip_sub_blocks(bytes, pos) {
                    Some(next) => pos = next,
                    None => return truncated("image data"),
                }
            }
            other => {
                return Structure::Corrupt(format!(
                    "GIF has an unknown block 0x{other:02x} at byte {pos}"
                ));
            }
        }
    }
}

/// Skips a run of GIF sub-blocks starting at `pos`; `None` if the data ends first.
fn skip_sub_blocks(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let size = usize::from(*bytes.get(pos)?);
        pos += 1;
        if size == 0 {
            return Some(pos);
        }
        pos += size;
        if pos > bytes.len() {
            return None;
        }
    }
}

/// Maps a decoder error: running out of data is `Truncated`, limits are a refusal, anything
/// else is `Corrupt`.
fn decode_failure(format: &str, err: &ImageError) -> Inspection {
    match err {
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Inspection::new(
            Verdict::Truncated,
            format!("{format} data ends early: {err}"),
        ),
        ImageError::Limits(_) => Inspection::new(
            Verdict::Uninspectable,
            format!(
                "refused: {format} exceeds the inspection limits \
                 ({INSPECT_DIMENSION_MAX} px per side, {INSPECT_ALLOC_MAX} bytes decoded): {err}"
            ),
        ),
        _ => Inspection::new(Verdict::Corrupt, format!("{format} does not decode: {err}")),
    }
}

fn dimension_refusal(format: &str, width: u32, height: u32) -> Option<Inspection> {
    if width == 0 || height == 0 {
        return Some(Inspection::new(
            Verdict::Corrupt,
            format!("{format} has no pixels ({width}×{height})"),
        ));
    }
    if width > INSPECT_DIMENSION_MAX || height > INSPECT_DIMENSION_MAX {
        return Some(Inspection::new(
            Verdict::Uninspectable,
            format!(
                "refused: {format} is {width}×{height}, over the {INSPECT_DIMENSION_MAX} px \
                 per side inspection limit"
            ),
        ));
    }
    None
}

fn inspect_png(bytes: &[u8]) -> Inspection {
    match png_structure(bytes) {
        Structure::Complete { .. } => {}
        Structure::Truncated(detail) => return Inspection::new(Verdict::Truncated, detail),
        Structure::Corrupt(detail) => return Inspection::new(Verdict::Corrupt, detail),
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    reader.limits(limits());
    let decoder = match reader.into_decoder() {
        Ok(d) => d,
        Err(e) => return decode_failure("PNG", &e),
    };
    let (width, height) = decoder.dimensions();
    if let Some(refusal) = dimension_refusal("PNG", width, height) {
        return refusal;
    }
    let img = match image::DynamicImage::from_decoder(decoder) {
        Ok(img) => img.into_rgba8(),
        Err(e) => return decode_failure("PNG", &e),
    };
    let stats = FrameStats::measure(img.as_raw(), img.width(), img.height());
    let (verdict, why) = stats.classify();
    Inspection::new(
        verdict,
        format!("{width}×{height} PNG: {why} ({})", stats.numbers()),
    )
}

/// A JPEG must end with its end-of-image marker (trailing zero padding aside): the decoder
/// would fill a cut-off scan with grey instead of failing.
fn inspect_jpeg(bytes: &[u8]) -> Inspection {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    if !bytes[..end].ends_with(JPEG_END) {
        return Inspection::new(
            Verdict::Truncated,
            format!(
                "JPEG ends after {} bytes without its end-of-image marker",
                bytes.len()
            ),
        );
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg);
    reader.limits(limits());
    let decoder = match reader.into_decoder() {
        Ok(d) => d,
        Err(e) => return decode_failure("JPEG", &e),
    };
    let (width, height) = decoder.dimensions();
    if let Some(refusal) = dimension_refusal("JPEG", width, height) {
        return refusal;
    }
    let img = match image::DynamicImage::from_decoder(decoder) {
        Ok(img) => img.into_rgba8(),
        Err(e) => return decode_failure("JPEG", &e),
    };
    let stats = FrameStats::measure(img.as_raw(), img.width(), img.height());
    let (verdict, why) = stats.classify();
    Inspection::new(
        verdict,
        format!("{width}×{height} JPEG: {why} ({})", stats.numbers()),
    )
}

fn inspect_gif(bytes: &[u8]) -> Inspection {
    let images = match gif_structure(bytes) {
        Structure::Complete { images } => images,
        Structure::Truncated(detail) => return Inspection::new(Verdict::Truncated, detail),
        Structure::Corrupt(detail) => return Inspection::new(Verdict::Corrupt, detail),
    };
    let mut decoder = match GifDecoder::new(Cursor::new(bytes)) {
        Ok(d) => d,
        Err(e) => return decode_failure("GIF", &e),
    };
    let (width, height) = decoder.dimensions();
    if let Some(refusal) = dimension_refusal("GIF", width, height) {
        return refusal;
    }
    if let Err(e) = decoder.set_limits(limits()) {
        return decode_failure("GIF", &e);
    }
    // Every frame is composed onto the full canvas, so that is the work per frame. Refuse
    // before decoding anything when the frame count from the walk already says it is too much.
    let frame_pixels = u64::from(width) * u64::from(height);
    if images.saturating_mul(frame_pixels) > INSPECT_PIXELS_MAX {
        return Inspection::new(
            Verdict::Uninspectable,
            format!(
                "refused: GIF has {images} frames of {width}×{height}, over the \
                 {INSPECT_PIXELS_MAX}-pixel inspection limit"
            ),
        );
    }
    let mut pixels = 0u64;
    let (mut frames, mut blank, mut noise) = (0u32, 0u32, 0u32);
    let mut first_usable: Option<FrameStats> = None;
    let mut last: Option<FrameStats> = None;
    for frame in decoder.into_frames() {
        pixels += frame_pixels;
        if pixels > INSPECT_PIXELS_MAX {
            return Inspection::new(
                Verdict::Uninspectable,
                format!(
                    "refused: GIF has more than {INSPECT_PIXELS_MAX} pixels over its frames \
                     (inspection limit; {frames} frames of {width}×{height} read)"
                ),
            );
        }
        let frame = match frame {
            Ok(f) => f,
            Err(e) => return decode_failure("GIF", &e),
        };
        let buf = frame.into_buffer();
        let stats = FrameStats::measure(buf.as_raw(), buf.width(), buf.height());
        frames += 1;
        match stats.classify().0 {
            Verdict::Blank => blank += 1,
            Verdict::Noise => noise += 1,
            _ => {
                first_usable.get_or_insert(stats);
            }
        }
        last = Some(stats);
    }
    let Some(last) = last else {
        return Inspection::new(Verdict::Corrupt, "GIF has no frames");
    };
    let head = format!("{width}×{height} GIF, {frames} frame(s)");
    if blank == frames {
        Inspection::new(
            Verdict::Blank,
            format!("{head}: every frame is blank ({})", last.numbers()),
        )
    } else if blank + noise == frames {
        Inspection::new(
            Verdict::Noise,
            format!(
                "{head}: every frame is noise or blank ({noise} noise, {blank} blank; {})",
                last.numbers()
            ),
        )
    } else {
        let shown = first_usable.unwrap_or(last);
        Inspection::new(
            Verdict::Usable,
            format!(
                "{head}: {} frame(s) with content ({blank} blank, {noise} noise; first: {})",
                frames - blank - noise,
                shown.numbers()
            ),
        )
    }
}

/// The three numbers the blank and noise rules look at.
#[derive(Debug, Clone, Copy)]
struct FrameStats {
    /// Largest standard deviation over the R, G and B channels, in levels.
    max_channel_std: f64,
    /// Mean absolute difference between neighbours (over R, G, B), the smaller of the
    /// horizontal and the vertical one, in levels.
    neighbour_diff: f64,
    /// Smallest normalised 16-bin histogram entropy over R, G and B, in `[0, 1]`.
    histogram_entropy: f64,
}

impl FrameStats {
    /// Measures an RGBA buffer, composited over white (so a fully transparent frame is blank).
    fn measure(rgba: &[u8], width: u32, height: u32) -> FrameStats {
        let (w, h) = (width as usize, height as usize);
        let rgb = |i: usize| -> [u8; 3] {
            let p = rgba.get(i * 4..i * 4 + 4).unwrap_or(&[255, 255, 255, 255]);
            let a = u32::from(p[3]);
            let over = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
            [over(p[0]), over(p[1]), over(p[2])]
        };
        let mut sum = [0u64; 3];
        let mut sum_sq = [0u64; 3];
        let mut hist = [[0u64; HISTOGRAM_BINS]; 3];
        let (mut diff_h, mut diff_v) = (0u64, 0u64);
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let p = rgb(i);
                for c in 0..3 {
                    let v = u64::from(p[c]);
                    sum[c] += v;
                    sum_sq[c] += v * v;
                    hist[c][usize::from(p[c]) * HISTOGRAM_BINS / 256] += 1;
                }
                if x > 0 {
                    let q = rgb(i - 1);
                    diff_h += (0..3).map(|c| u64::from(p[c].abs_diff(q[c]))).sum::<u64>();
                }
                if y > 0 {
                    let q = rgb(i - w);
                    diff_v += (0..3).map(|c| u64::from(p[c].abs_diff(q[c]))).sum::<u64>();
                }
            }
        }
        let n = (w * h).max(1) as f64;
        let max_channel_std = (0..3)
            .map(|c| {
                let mean = sum[c] as f64 / n;
                (sum_sq[c] as f64 / n - mean * mean).max(0.0).sqrt()
            })
            .fold(0.0, f64::max);
        let pairs_h = (w.saturating_sub(1) * h * 3) as f64;
        let pairs_v = (w * h.saturating_sub(1) * 3) as f64;
        let mean_h = if pairs_h > 0.0 {
            diff_h as f64 / pairs_h
        } else {
            0.0
        };
        let mean_v = if pairs_v > 0.0 {
            diff_v as f64 / pairs_v
        } else {
            0.0
        };
        let histogram_entropy = hist
            .iter()
            .map(|bins| {
                let entropy: f64 = bins
                    .iter()
                    .filter(|&&b| b > 0)
                    .map(|&b| {
                        let p = b as f64 / n;
                        -p * p.log2()
                    })
                    .sum();
                // abs(): a single-bin histogram sums to -0.0.
                (entropy / (HISTOGRAM_BINS as f64).log2()).abs()
            })
            .fold(1.0, f64::min);
        FrameStats {
            max_channel_std,
            neighbour_diff: mean_h.min(mean_v),
            histogram_entropy,
        }
    }

    fn classify(&self) -> (Verdict, &'static str) {
        if self.max_channel_std < BLANK_STD_MAX {
            (
                Verdict::Blank,
                "blank, (almost) every pixel the same colour",
            )
        } else if self.neighbour_diff >= NOISE_NEIGHBOUR_DIFF_MIN
            && self.histogram_entropy >= NOISE_HISTOGRAM_ENTROPY_MIN
        {
            (Verdict::Noise, "uniform random noise")
        } else {
            (Verdict::Usable, "has content")
        }
    }

    fn numbers(&self) -> String {
        format!(
            "channel std {:.1}, neighbour diff {:.1}, histogram entropy {:.2}",
            self.max_channel_std, self.neighbour_diff, self.histogram_entropy
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};
    use proptest::prelude::*;

    use crate::generate::{GenerateRequest, Quality, generate};
    use recoup_core::Feature;

    fn png(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    fn good(feature: Feature) -> Vec<u8> {
        generate(&GenerateRequest {
            feature,
            seed: 2024,
            quality: Quality::Good,
        })
        .unwrap()
        .bytes
    }

    /// Good outputs made once per test binary: the proptests reuse them for every case.
    fn good_png() -> &'static [u8] {
        static PNG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        PNG.get_or_init(|| good(Feature::AiBackgrounds))
    }

    fn good_gif() -> &'static [u8] {
        static GIF: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        GIF.get_or_init(|| good(Feature::VideoGenerator))
    }

    #[test]
    fn empty_input_is_corrupt() {
        let got = inspect(&[]);
        assert_eq!(got.verdict, Verdict::Corrupt, "empty: {got:?}");
        assert!(
            got.detail.contains("empty"),
            "detail says empty: {}",
            got.detail
        );
    }

    #[test]
    fn random_garbage_is_corrupt() {
        let mut rng = crate::rng::SplitMix64::new(9);
        for len in [1usize, 3, 7, 100, 5_000, 100_000] {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let got = inspect(&bytes);
            assert_eq!(
                got.verdict,
                Verdict::Corrupt,
                "{len} garbage bytes: {got:?}"
            );
        }
        let text = inspect(b"<html>502 Bad Gateway</html>");
        assert_eq!(text.verdict, Verdict::Corrupt, "an error page: {text:?}");
    }

    #[test]
    fn garbage_after_a_valid_signature_is_corrupt() {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend_from_slice(&[0xFF; 64]);
        let got = inspect(&bytes);
        assert_eq!(
            got.verdict,
            Verdict::Corrupt,
            "PNG signature + junk: {got:?}"
        );
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[10, 0, 10, 0, 0, 0, 0, 0x99, 0x99, 0x99]);
        let got = inspect(&gif);
        assert_eq!(
            got.verdict,
            Verdict::Corrupt,
            "GIF header + junk block: {got:?}"
        );
    }

    #[test]
    fn a_corrupted_png_body_is_corrupt_not_usable() {
        let mut bytes = good(Feature::StudioShot);
        // Flip bytes in the middle of the image data; the structure (chunk lengths) stays intact
        // so the CRC or zlib check must catch it.
        let mid = bytes.len() / 2;
        for b in &mut bytes[mid..mid + 16] {
            *b ^= 0x5A;
        }
        let got = inspect(&bytes);
        assert_eq!(got.verdict, Verdict::Corrupt, "flipped IDAT bytes: {got:?}");
    }

    #[test]
    fn smooth_photo_like_images_are_usable() {
        // A sky-to-ground gradient with a soft sun: smooth everywhere, no flat regions.
        let img = RgbImage::from_fn(320, 240, |x, y| {
            let (fx, fy) = (x as f32 / 320.0, y as f32 / 240.0);
            let d = ((fx - 0.7).powi(2) + (fy - 0.3).powi(2)).sqrt();
            let sun = (1.0 - d * 3.0).max(0.0) * 80.0;
            Rgb([
                (90.0 + 120.0 * fy + sun).min(255.0) as u8,
                (140.0 + 60.0 * fy + sun * 0.8).min(255.0) as u8,
                (230.0 - 150.0 * fy + sun * 0.2).min(255.0) as u8,
            ])
        });
        let got = inspect(&png(&img));
        assert_eq!(got.verdict, Verdict::Usable, "smooth gradient: {got:?}");

        // A full-range linear ramp: its histogram is perfectly flat, like noise, but
        // neighbours are nearly equal.
        let ramp = RgbImage::from_fn(256, 64, |x, _| Rgb([x as u8, x as u8, 255 - x as u8]));
        let got = inspect(&png(&ramp));
        assert_eq!(got.verdict, Verdict::Usable, "linear ramp: {got:?}");

        // A faint gradient (only 12 levels end to end) still counts as content.
        let faint = RgbImage::from_fn(320, 240, |x, _| {
            let v = 240 + (x * 12 / 320) as u8;
            Rgb([v, v, v])
        });
        let got = inspect(&png(&faint));
        assert_eq!(got.verdict, Verdict::Usable, "faint gradient: {got:?}");
    }

    #[test]
    fn busy_but_structured_images_are_not_noise() {
        // A 1-pixel checkerboard: maximal neighbour differences, but only two colours.
        let checker = RgbImage::from_fn(200, 200, |x, y| {
            if (x + y) % 2 == 0 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let got = inspect(&png(&checker));
        assert_eq!(got.verdict, Verdict::Usable, "checkerboard: {got:?}");
        // Random colour per 8×8 block: a flat histogram, but neighbours mostly equal.
        let mut rng = crate::rng::SplitMix64::new(4);
        let blocks: Vec<[u8; 3]> = (0..40 * 30)
            .map(|_| {
                let v = rng.next_u64().to_le_bytes();
                [v[0], v[1], v[2]]
            })
            .collect();
        let mosaic = RgbImage::from_fn(320, 240, |x, y| Rgb(blocks[(y / 8 * 40 + x / 8) as usize]));
        let got = inspect(&png(&mosaic));
        assert_eq!(got.verdict, Verdict::Usable, "mosaic: {got:?}");
    }

    #[test]
    fn a_small_product_on_white_is_not_blank() {
        let img = RgbImage::from_fn(320, 240, |x, y| {
            if (150..170).contains(&x) && (110..130).contains(&y) {
                Rgb([40, 60, 160])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let got = inspect(&png(&img));
        assert_eq!(
            got.verdict,
            Verdict::Usable,
            "20×20 product on white: {got:?}"
        );
    }

    #[test]
    fn a_fully_transparent_image_is_blank() {
        let mut rng = crate::rng::SplitMix64::new(5);
        let img = RgbaImage::from_fn(64, 64, |_, _| {
            let v = rng.next_u64().to_le_bytes();
            Rgba([v[0], v[1], v[2], 0])
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        let got = inspect(&out);
        assert_eq!(got.verdict, Verdict::Blank, "transparent: {got:?}");
    }

    #[test]
    fn oversized_inputs_are_refused_as_uninspectable_and_go_to_a_person() {
        let wide = png(&RgbImage::new(INSPECT_DIMENSION_MAX + 1, 1));
        let got = inspect(&wide);
        assert_eq!(got.verdict, Verdict::Uninspectable, "too wide: {got:?}");
        assert!(
            !got.verdict.clearly_unusable(),
            "over a limit is no evidence of a bad output: a person judges it"
        );
        assert!(
            got.detail.contains("refused"),
            "says it refused: {}",
            got.detail
        );

        let mut huge = PNG_SIGNATURE.to_vec();
        huge.resize(INSPECT_BYTES_MAX + 1, 0);
        let got = inspect(&huge);
        assert_eq!(
            got.verdict,
            Verdict::Uninspectable,
            "too many bytes: {got:?}"
        );
        assert!(
            got.detail.contains("limit"),
            "names the limit: {}",
            got.detail
        );
    }

    #[test]
    fn a_png_header_claiming_a_bomb_is_refused_before_decoding() {
        // IHDR of 100000×100000 RGBA with a correct CRC, then IDAT and IEND.
        fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
            let mut crc_input = kind.to_vec();
            crc_input.extend_from_slice(data);
            let mut out = (data.len() as u32).to_be_bytes().to_vec();
            out.extend_from_slice(&crc_input);
            out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
            out
        }
        fn crc32(data: &[u8]) -> u32 {
            let mut crc = 0xFFFF_FFFFu32;
            for &b in data {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut ihdr = 100_000u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend(chunk(b"IHDR", &ihdr));
        bytes.extend(chunk(
            b"IDAT",
            &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        ));
        bytes.extend(chunk(b"IEND", &[]));
        let got = inspect(&bytes);
        assert_eq!(got.verdict, Verdict::Uninspectable, "bomb header: {got:?}");
        assert!(
            got.detail.contains("refused"),
            "says it refused: {}",
            got.detail
        );
    }

    /// A GIF of `frames` 1×1 frames (one black pixel each) on a `side`×`side` canvas.
    fn dotted_gif(side: u16, frames: usize) -> Vec<u8> {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&side.to_le_bytes());
        gif.extend_from_slice(&side.to_le_bytes());
        gif.extend_from_slice(&[0x00, 0, 0]); // no global colour table
        for _ in 0..frames {
            gif.push(0x2C);
            gif.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]); // at 0,0, 1×1
            gif.push(0x80); // local colour table of 2 entries
            gif.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
            gif.extend_from_slice(&[2, 2, 0x44, 0x01, 0]); // LZW: clear, 0, end
        }
        gif.push(0x3B);
        gif
    }

    #[test]
    fn a_gif_with_too_many_canvas_pixels_is_refused_before_decoding() {
        // A 4096×4096 canvas and five 1×1 frames: a 130-byte file, 80 Mpx of composition work.
        let gif = dotted_gif(4096, 5);
        let started = std::time::Instant::now();
        let got = inspect(&gif);
        assert_eq!(got.verdict, Verdict::Uninspectable, "canvas bomb: {got:?}");
        assert!(
            got.detail.contains("5 frames"),
            "names the frames: {}",
            got.detail
        );
        assert!(
            started.elapsed() < std::time::Duration::from_millis(500),
            "refused without decoding: took {:?}",
            started.elapsed()
        );

        // The same construction on a small canvas is a complete, decodable GIF.
        let got = inspect(&dotted_gif(16, 5));
        assert!(
            !matches!(got.verdict, Verdict::Corrupt | Verdict::Truncated),
            "small dotted GIF decodes: {got:?}"
        );
        assert!(
            got.detail.contains("5 frame(s)"),
            "counts frames: {}",
            got.detail
        );
    }

    #[test]
    fn a_cut_signature_is_truncated_but_a_tiny_prefix_is_corrupt() {
        let got = inspect(&PNG_SIGNATURE[..6]);
        assert_eq!(
            got.verdict,
            Verdict::Truncated,
            "6 signature bytes: {got:?}"
        );
        let got = inspect(&PNG_SIGNATURE[..2]);
        assert_eq!(got.verdict, Verdict::Corrupt, "2 signature bytes: {got:?}");
    }

    #[test]
    fn a_gif_with_one_content_frame_among_blank_ones_is_usable() {
        use image::codecs::gif::GifEncoder;
        use image::{Delay, Frame};
        let blank = RgbaImage::from_pixel(40, 30, Rgba([255, 255, 255, 255]));
        let content =
            RgbaImage::from_fn(40, 30, |x, y| Rgba([(x * 6) as u8, (y * 8) as u8, 90, 255]));
        let mut out = Vec::new();
        {
            let mut enc = GifEncoder::new(&mut out);
            for img in [blank.clone(), content, blank] {
                enc.encode_frame(Frame::from_parts(
                    img,
                    0,
                    0,
                    Delay::from_numer_denom_ms(100, 1),
                ))
                .unwrap();
            }
        }
        let got = inspect(&out);
        assert_eq!(got.verdict, Verdict::Usable, "one good frame: {got:?}");
        assert!(
            got.detail.contains("3 frame"),
            "counts frames: {}",
            got.detail
        );
    }

    #[test]
    fn verdict_spellings_and_unusable_flag() {
        for &v in Verdict::ALL {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()), "serde spelling of {v}");
            let evidence = !matches!(v, Verdict::Usable | Verdict::Uninspectable);
            assert_eq!(v.clearly_unusable(), evidence, "flag for {v}");
        }
    }

    #[test]
    fn generated_samples_stats_are_far_from_the_thresholds() {
        // Guards the margins: good outputs well above the blank threshold and well below the
        // noise one; noise well above it.
        for &feature in Feature::ALL {
            for &quality in &[Quality::Good, Quality::Noise] {
                let g = generate(&GenerateRequest {
                    feature,
                    seed: 31,
                    quality,
                })
                .unwrap();
                let img = image::load_from_memory(&g.bytes).unwrap().into_rgba8();
                let s = FrameStats::measure(img.as_raw(), img.width(), img.height());
                if quality == Quality::Good {
                    assert!(
                        s.max_channel_std > 5.0 * BLANK_STD_MAX,
                        "{feature} good: {s:?}"
                    );
                    assert!(
                        s.neighbour_diff < NOISE_NEIGHBOUR_DIFF_MIN / 4.0,
                        "{feature} good: {s:?}"
                    );
                } else {
                    assert!(
                        s.neighbour_diff > NOISE_NEIGHBOUR_DIFF_MIN * 1.5,
                        "{feature} noise: {s:?}"
                    );
                    assert!(
                        s.histogram_entropy > NOISE_HISTOGRAM_ENTROPY_MIN + 0.08,
                        "{feature} noise: {s:?}"
                    );
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn inspect_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let got = inspect(&bytes);
            prop_assert!(!got.detail.is_empty(), "a detail is always given");
        }

        #[test]
        fn inspect_never_panics_on_signed_garbage(
            png_or_gif in any::<bool>(),
            tail in proptest::collection::vec(any::<u8>(), 0..2048),
        ) {
            let mut bytes = if png_or_gif { PNG_SIGNATURE.to_vec() } else { b"GIF89a".to_vec() };
            bytes.extend(tail);
            let got = inspect(&bytes);
            prop_assert!(!got.detail.is_empty(), "a detail is always given");
        }

        #[test]
        fn every_truncation_of_a_good_png_is_truncated(cut in 0.0f64..1.0) {
            let bytes = good_png();
            let keep = (bytes.len() as f64 * cut) as usize;
            let got = inspect(&bytes[..keep]);
            let expected = if keep < 4 { Verdict::Corrupt } else { Verdict::Truncated };
            prop_assert_eq!(got.verdict, expected, "cut at {} of {}: {:?}", keep, bytes.len(), got);
        }

        #[test]
        fn every_truncation_of_a_good_gif_is_truncated(cut in 0.0f64..1.0) {
            let bytes = good_gif();
            let keep = (bytes.len() as f64 * cut) as usize;
            let got = inspect(&bytes[..keep]);
            let expected = if keep < 4 { Verdict::Corrupt } else { Verdict::Truncated };
            prop_assert_eq!(got.verdict, expected, "cut at {} of {}: {:?}", keep, bytes.len(), got);
        }

    }

    proptest! {
        // Each case decodes a whole file: fewer cases keep the debug-build test run short.
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn inspect_never_panics_on_mutated_good_files(
            video in any::<bool>(),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        ) {
            let mut bytes = if video { good_gif() } else { good_png() }.to_vec();
            for (at, value) in edits {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            let got = inspect(&bytes);
            prop_assert!(!got.detail.is_empty(), "a detail is always given");
        }
    }

    fn jpeg(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
            .unwrap();
        out
    }

    #[test]
    fn a_jpeg_is_decoded_and_judged_like_a_png() {
        let shot = image::load_from_memory(good_png()).unwrap().into_rgb8();
        let fine = jpeg(&shot);
        assert_eq!(sniff(&fine), Some("image/jpeg"), "sniffed as JPEG");
        assert_eq!(
            inspect(&fine).verdict,
            Verdict::Usable,
            "a product shot as JPEG"
        );
        let blank = jpeg(&RgbImage::from_pixel(320, 240, Rgb([250, 250, 250])));
        assert_eq!(
            inspect(&blank).verdict,
            Verdict::Blank,
            "one colour as JPEG"
        );
    }

    #[test]
    fn a_jpeg_cut_short_is_truncated() {
        let shot = image::load_from_memory(good_png()).unwrap().into_rgb8();
        let fine = jpeg(&shot);
        for cut in [fine.len() / 2, fine.len() - 1] {
            assert_eq!(
                inspect(&fine[..cut]).verdict,
                Verdict::Truncated,
                "cut at {cut} of {}",
                fine.len()
            );
        }
    }
}

//! Writes every feature's good output to a folder (default `/tmp/gen-look`) to look at, prints
//! generate() time per feature and the smallest pairwise differences, and with `--sheet PATH`
//! also writes a contact sheet of all 18.
//!
//! `cargo run -p recoup-generator --example look -- [--seed N] [--out DIR] [--sheet PATH]`

use std::time::Instant;

use image::{AnimationDecoder, ImageEncoder, RgbImage};
use recoup_core::Feature;
use recoup_generator::{GenerateRequest, Quality, generate, inspect};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut seed = 3u64;
    let mut out = String::from("/tmp/gen-look");
    let mut sheet: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().ok_or("--seed N")?.parse()?,
            "--out" => out = args.next().ok_or("--out DIR")?,
            "--sheet" => sheet = Some(args.next().ok_or("--sheet PATH")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    std::fs::create_dir_all(&out)?;
    let mut thumbs: Vec<(Feature, RgbImage)> = Vec::new();
    let mut total = 0.0;
    for &feature in Feature::ALL {
        let req = GenerateRequest {
            feature,
            seed,
            quality: Quality::Good,
        };
        let runs = 10;
        let start = Instant::now();
        let mut g = generate(&req)?;
        for _ in 1..runs {
            g = generate(&req)?;
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
        total += ms;
        let verdict = inspect(&g.bytes);
        println!(
            "{:<20} {:>7.2} ms  {:>6} bytes  {} ({})",
            feature.as_str(),
            ms,
            g.bytes.len(),
            verdict.verdict,
            verdict.detail
        );
        let first = if g.frames > 1 {
            std::fs::write(format!("{out}/{feature}.gif"), &g.bytes)?;
            let frames = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&g.bytes))?
                .into_frames()
                .collect_frames()?;
            for (i, f) in frames.iter().enumerate() {
                let rgb = image::DynamicImage::ImageRgba8(f.buffer().clone()).to_rgb8();
                rgb.save(format!("{out}/{feature}-frame{i}.png"))?;
            }
            let f0 = frames.first().ok_or("no frames")?.buffer().clone();
            image::DynamicImage::ImageRgba8(f0).to_rgb8()
        } else {
            std::fs::write(format!("{out}/{feature}.png"), &g.bytes)?;
            image::load_from_memory(&g.bytes)?.to_rgb8()
        };
        let thumb = if first.width() == 160 {
            first
        } else {
            image::imageops::resize(&first, 160, 120, image::imageops::FilterType::Triangle)
        };
        thumbs.push((feature, thumb));
    }
    println!("total {total:.1} ms for 18 features");

    // Pairwise: mean absolute RGB difference, and of luminance minus each image's mean.
    let lum = |p: &image::Rgb<u8>| {
        0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
    };
    let mut pairs = Vec::new();
    for (i, (fa, a)) in thumbs.iter().enumerate() {
        let ma = a.pixels().map(lum).sum::<f64>() / f64::from(160 * 120);
        for (fb, b) in &thumbs[i + 1..] {
            let mb = b.pixels().map(lum).sum::<f64>() / f64::from(160 * 120);
            let (mut rgb, mut structure) = (0.0, 0.0);
            for (p, q) in a.pixels().zip(b.pixels()) {
                rgb += (0..3).map(|c| f64::from(p[c].abs_diff(q[c]))).sum::<f64>() / 3.0;
                structure += ((lum(p) - ma) - (lum(q) - mb)).abs();
            }
            let n = f64::from(160 * 120);
            pairs.push((rgb / n, structure / n, *fa, *fb));
        }
    }
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    println!("closest pairs by mean abs RGB difference:");
    for (rgb, s, a, b) in pairs.iter().take(5) {
        println!("  {rgb:6.1} (structure {s:5.1})  {a} / {b}");
    }
    pairs.sort_by(|x, y| x.1.total_cmp(&y.1));
    println!("closest pairs by structure (luminance minus mean):");
    for (rgb, s, a, b) in pairs.iter().take(5) {
        println!("  {s:6.1} (rgb {rgb:5.1})  {a} / {b}");
    }

    if let Some(path) = sheet {
        let (cols, tw, th, label) = (6u32, 160u32, 120u32, 14u32);
        let gap = 4u32;
        let rows = (thumbs.len() as u32).div_ceil(cols);
        let mut img = RgbImage::from_pixel(
            cols * (tw + gap) + gap,
            rows * (th + label + gap) + gap,
            image::Rgb([250, 250, 250]),
        );
        for (k, (feature, t)) in thumbs.iter().enumerate() {
            let (c, r) = (k as u32 % cols, k as u32 / cols);
            let (x0, y0) = (gap + c * (tw + gap), gap + r * (th + label + gap));
            image::imageops::replace(&mut img, t, i64::from(x0), i64::from(y0));
            draw_label(&mut img, x0 + 2, y0 + th + 3, feature.label());
        }
        // Best compression: the film grain makes this sheet large otherwise.
        let file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        image::codecs::png::PngEncoder::new_with_quality(
            file,
            image::codecs::png::CompressionType::Best,
            image::codecs::png::FilterType::Adaptive,
        )
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )?;
        println!("contact sheet: {path}");
    }
    Ok(())
}

/// Draws `text` in the generator's 5×7 font, one pixel per cell, dark grey.
fn draw_label(img: &mut RgbImage, x0: u32, y0: u32, text: &str) {
    let mut x = x0;
    for ch in text.chars() {
        let rows = font::glyph(ch);
        for (ry, bits) in rows.iter().enumerate() {
            for rx in 0..5u32 {
                if bits & (0x10 >> rx) != 0 {
                    let (px, py) = (x + rx, y0 + ry as u32);
                    if px < img.width() && py < img.height() {
                        img.put_pixel(px, py, image::Rgb([40, 40, 48]));
                    }
                }
            }
        }
        x += 6;
    }
}

#[path = "../src/font.rs"]
#[allow(dead_code)]
mod font;

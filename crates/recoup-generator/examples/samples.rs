//! Writes one sample per feature and quality, with the inspector's verdict, to a directory:
//! `cargo run -p recoup-generator --example samples -- /tmp/gen-samples [seed]`. Good videos also
//! get a `-filmstrip.png` with their frames side by side, for viewers that do not animate GIFs.

use std::error::Error;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::codecs::gif::GifDecoder;
use image::{AnimationDecoder, RgbaImage};

use recoup_core::Feature;
use recoup_generator::{GenerateRequest, Quality, generate, inspect};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "gen-samples".to_owned()));
    let seed: u64 = args.next().map_or(Ok(1), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    for &feature in Feature::ALL {
        for &quality in Quality::ALL {
            let out = generate(&GenerateRequest {
                feature,
                seed,
                quality,
            })?;
            let ext = if out.content_type == "image/gif" {
                "gif"
            } else {
                "png"
            };
            let path = dir.join(format!("{feature}-{quality}.{ext}"));
            std::fs::write(&path, &out.bytes)?;
            if ext == "gif" && quality == Quality::Good {
                filmstrip(
                    &out.bytes,
                    &dir.join(format!("{feature}-{quality}-filmstrip.png")),
                )?;
            }
            let verdict = inspect(&out.bytes);
            println!(
                "{:<48} {:>7} B  {:<9} {}",
                path.display(),
                out.bytes.len(),
                verdict.verdict,
                verdict.detail
            );
        }
    }
    Ok(())
}

fn filmstrip(gif: &[u8], path: &Path) -> Result<(), Box<dyn Error>> {
    let frames = GifDecoder::new(Cursor::new(gif))?
        .into_frames()
        .collect_frames()?;
    let (w, h) = frames
        .first()
        .map_or((0, 0), |f| (f.buffer().width(), f.buffer().height()));
    let mut strip = RgbaImage::new(w * frames.len() as u32, h);
    for (i, f) in frames.iter().enumerate() {
        image::imageops::replace(&mut strip, f.buffer(), i64::from(w) * i as i64, 0);
    }
    strip.save(path)?;
    Ok(())
}

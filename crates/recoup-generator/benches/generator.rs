//! Cost of making one output and of judging one. Budget: generate well under 50 ms and inspect
//! well under 10 ms for the built-in sizes, so the endpoint can inspect every claim inline.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use recoup_core::Feature;
use recoup_generator::{GenerateRequest, Quality, generate, inspect};

fn bench(c: &mut Criterion) {
    let image = GenerateRequest {
        feature: Feature::StudioShot,
        seed: 7,
        quality: Quality::Good,
    };
    let video = GenerateRequest {
        feature: Feature::VideoGenerator,
        ..image
    };
    let Ok(png) = generate(&image) else {
        return;
    };
    let Ok(gif) = generate(&video) else {
        return;
    };
    let Ok(noise) = generate(&GenerateRequest {
        quality: Quality::Noise,
        ..image
    }) else {
        return;
    };
    let Ok(cut) = generate(&GenerateRequest {
        quality: Quality::Truncated,
        ..image
    }) else {
        return;
    };

    let mut g = c.benchmark_group("generate");
    g.bench_function("png_320x240_good", |b| {
        b.iter(|| generate(black_box(&image)))
    });
    g.bench_function("gif_160x120x8_good", |b| {
        b.iter(|| generate(black_box(&video)))
    });
    g.finish();

    let mut g = c.benchmark_group("inspect");
    g.bench_function("png_320x240_good", |b| {
        b.iter(|| inspect(black_box(&png.bytes)))
    });
    g.bench_function("png_320x240_noise", |b| {
        b.iter(|| inspect(black_box(&noise.bytes)))
    });
    g.bench_function("png_truncated", |b| {
        b.iter(|| inspect(black_box(&cut.bytes)))
    });
    g.bench_function("gif_160x120x8_good", |b| {
        b.iter(|| inspect(black_box(&gif.bytes)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Cheap procedural "product shots": a studio backdrop, a floor, a soft contact shadow and a
//! product silhouette with a label band and a highlight. Every feature gets its own colour
//! scheme, product shape and backdrop; the seed jitters hue, position and size and drives a
//! faint film grain, so two seeds never give the same pixels.

use image::{Rgb, RgbImage};
use recoup_core::Feature;

use crate::rng::{SplitMix64, derive, mix64};

type Colour = [f32; 3];

/// The silhouette of the product, in product coordinates `(u, v)`: both in `[-1, 1]` over the
/// product's bounding box, `v` growing downwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A box with rounded corners.
    Box,
    /// A bottle: a rounded body, a neck and a cap.
    Bottle,
    /// A T-shirt: body, sleeves, a neck cut-out.
    Shirt,
    /// A round product (a ball, a cushion, a watch face).
    Round,
    /// A can or jar: a cylinder with elliptic top and bottom.
    Can,
    /// A bag: a trapezoid body and a handle.
    Bag,
}

impl Shape {
    const ALL: [Shape; 6] = [
        Shape::Box,
        Shape::Bottle,
        Shape::Shirt,
        Shape::Round,
        Shape::Can,
        Shape::Bag,
    ];

    fn contains(self, u: f32, v: f32) -> bool {
        if !(-1.0..=1.0).contains(&u) || !(-1.0..=1.0).contains(&v) {
            return false;
        }
        match self {
            Shape::Box => rounded_rect(u, v, 1.0, 1.0, 0.22),
            Shape::Bottle => {
                // Square top (it meets the shoulder), rounded bottom corners.
                let body = v >= -0.35
                    && (rounded_rect(u, v - 0.325, 0.62, 0.675, 0.2)
                        || (u.abs() <= 0.62 && v < 0.3));
                let shoulder = ellipse(u, v + 0.35, 0.62, 0.3) && v < -0.35;
                let neck = u.abs() <= 0.22 && v >= -1.0;
                body || shoulder || neck
            }
            Shape::Shirt => {
                let body = u.abs() <= 0.55 && v >= -0.75;
                // Sleeves: from the shoulders out and down to |u| = 1 at v = -0.2.
                let sleeve = (-0.75..=-0.2).contains(&v) && u.abs() <= 0.55 + (v + 0.75) * 0.8;
                let neck = ellipse(u, v + 0.8, 0.22, 0.18);
                (body || sleeve) && !neck
            }
            Shape::Round => ellipse(u, v, 1.0, 1.0),
            Shape::Can => {
                let side = u.abs() <= 0.72 && v.abs() <= 0.84;
                let top = ellipse(u, v + 0.84, 0.72, 0.16);
                let bottom = ellipse(u, v - 0.84, 0.72, 0.16);
                side || top || bottom
            }
            Shape::Bag => {
                let body = v >= -0.3 && u.abs() <= 0.68 + 0.22 * (v + 0.3) / 1.3;
                let r = (u * u + (v + 0.3) * (v + 0.3)).sqrt();
                let handle = v < -0.3 && (0.4..=0.52).contains(&(r * 0.75));
                body || handle
            }
        }
    }

    /// The part facing up, lit more by the overhead light (a can's lid).
    fn top_face(self, u: f32, v: f32) -> bool {
        match self {
            Shape::Can => ellipse(u, v + 0.84, 0.72, 0.16),
            _ => false,
        }
    }

    /// Where the label / print / secondary colour goes.
    fn accent(self, u: f32, v: f32) -> bool {
        match self {
            Shape::Box | Shape::Can => (0.05..=0.4).contains(&v),
            Shape::Bottle => (0.1..=0.5).contains(&v) || v < -0.8,
            Shape::Shirt => ellipse(u, v - 0.05, 0.2, 0.2),
            Shape::Round => (u - v * 0.4).abs() < 0.18,
            Shape::Bag => v < -0.3 || (0.1..=0.25).contains(&v),
        }
    }
}

fn ellipse(u: f32, v: f32, rx: f32, ry: f32) -> bool {
    (u / rx) * (u / rx) + (v / ry) * (v / ry) <= 1.0
}

fn rounded_rect(u: f32, v: f32, hw: f32, hh: f32, r: f32) -> bool {
    let qx = (u.abs() - (hw - r)).max(0.0);
    let qy = (v.abs() - (hh - r)).max(0.0);
    u.abs() <= hw && v.abs() <= hh && qx * qx + qy * qy <= r * r
}

/// How the wall behind the product is lit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backdrop {
    /// A vertical gradient, lighter at the top.
    Vertical,
    /// A spotlight: brighter in the middle, a vignette at the edges.
    Spot,
    /// A diagonal gradient from the top left.
    Diagonal,
}

/// Sample positions inside a pixel for anti-aliasing.
const SUBSAMPLES: [(f32, f32); 4] = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)];

/// Everything needed to draw one product shot at any size.
#[derive(Debug, Clone)]
pub(crate) struct Scene {
    shape: Shape,
    backdrop: Backdrop,
    wall_top: Colour,
    wall_bottom: Colour,
    floor_far: Colour,
    floor_near: Colour,
    body: Colour,
    accent: Colour,
    /// Product centre x, as a fraction of the width.
    cx: f32,
    /// Half width and half height of the product, as fractions of the height (so the shape
    /// keeps its proportions at any aspect ratio).
    half_w: f32,
    half_h: f32,
    /// Where the wall meets the floor, as a fraction of the height.
    horizon: f32,
    /// Where the product stands, as a fraction of the height.
    floor_y: f32,
    grain_seed: u64,
}

impl Scene {
    /// The scene for one feature and seed.
    pub(crate) fn new(feature: Feature, seed: u64) -> Scene {
        let i = feature.index();
        let mut rng = SplitMix64::new(derive(seed, 0x5C3E_u64 + i as u64));
        let shape = Shape::ALL[i % Shape::ALL.len()];
        let backdrop = match (i / Shape::ALL.len()) % 3 {
            0 => Backdrop::Vertical,
            1 => Backdrop::Spot,
            _ => Backdrop::Diagonal,
        };
        // 18 features spread over the colour wheel, 20° apart, neighbours in the list 140° apart
        // (7 is coprime with 18, so every slot is used once); the seed moves the hue a little.
        let slot = (i * 7) % 18;
        let hue = (slot as f32 * 20.0 + 7.0 + rng.range_f32(-8.0, 8.0)).rem_euclid(360.0);
        let wall_hue = hue + 35.0;
        let scale = rng.range_f32(0.85, 1.1);
        let horizon = rng.range_f32(0.58, 0.66);
        Scene {
            shape,
            backdrop,
            wall_top: hsv(wall_hue, 0.08, 0.98),
            wall_bottom: hsv(wall_hue, 0.16, 0.86),
            floor_far: hsv(wall_hue, 0.14, 0.78),
            floor_near: hsv(wall_hue, 0.10, 0.93),
            body: hsv(hue, rng.range_f32(0.55, 0.75), rng.range_f32(0.72, 0.9)),
            accent: hsv(hue + 180.0, 0.45, 0.96),
            cx: 0.5 + rng.range_f32(-0.1, 0.1),
            half_w: 0.24 * scale,
            half_h: 0.27 * scale,
            horizon,
            floor_y: horizon + rng.range_f32(0.14, 0.2),
            grain_seed: rng.next_u64(),
        }
    }

    /// Renders the scene at `width × height`, the product moved right by `shift` (a fraction of
    /// the width) and lifted by `lift` (a fraction of the height, for a hop in a video).
    pub(crate) fn render(&self, width: u32, height: u32, shift: f32, lift: f32) -> RgbImage {
        let (w, h) = (width as f32, height as f32);
        let aspect = w / h;
        let cx = self.cx + shift;
        let cy = self.floor_y - self.half_h - lift;
        // Shadow: squashed ellipse on the floor, a little to the right (key light from the left),
        // smaller and lighter when the product is in the air.
        let shadow_x = cx + 0.03;
        let shadow_rx = self.half_w * 1.25 / aspect * (1.0 - lift * 2.0);
        let shadow_ry = self.half_h * 0.16;
        let shadow_strength = 0.5 * (1.0 - lift * 3.0).max(0.2);
        let frame_grain = mix64(self.grain_seed ^ ((shift.to_bits() as u64) << 32));

        let mut img = RgbImage::new(width, height);
        for (x, y, px) in img.enumerate_pixels_mut() {
            let fx = (x as f32 + 0.5) / w;
            let fy = (y as f32 + 0.5) / h;
            let mut c = self.background(fx, fy);

            let sx = (fx - shadow_x) / shadow_rx;
            let sy = (fy - self.floor_y) / shadow_ry;
            let d = (sx * sx + sy * sy).sqrt();
            let shade = shadow_strength * (1.0 - smoothstep(0.25, 1.0, d));
            c = scale(c, 1.0 - shade);

            // 2×2 supersampling of the product for anti-aliased edges, only inside its box.
            let mut acc = [0.0f32; 3];
            let mut hits = 0u8;
            let near = (fx - cx).abs() * aspect <= self.half_w + 1.5 / h
                && (fy - cy).abs() <= self.half_h + 1.5 / h;
            for (ox, oy) in SUBSAMPLES.iter().filter(|_| near) {
                let u = ((x as f32 + ox) / w - cx) * aspect / self.half_w;
                let v = ((y as f32 + oy) / h - cy) / self.half_h;
                if self.shape.contains(u, v) {
                    let p = self.product(u, v);
                    acc = [acc[0] + p[0], acc[1] + p[1], acc[2] + p[2]];
                    hits += 1;
                }
            }
            if hits > 0 {
                let a = f32::from(hits) / 4.0;
                let n = f32::from(hits);
                let p = [acc[0] / n, acc[1] / n, acc[2] / n];
                c = lerp(c, p, a);
            }

            // Faint film grain, ±1.5 levels, from a hash of the pixel position.
            let g = mix64(frame_grain ^ ((u64::from(y) << 20) | u64::from(x)));
            let grain = ((g >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 3.0 / 255.0;
            *px = Rgb([
                to_u8(c[0] + grain),
                to_u8(c[1] + grain),
                to_u8(c[2] + grain),
            ]);
        }
        img
    }

    fn background(&self, fx: f32, fy: f32) -> Colour {
        if fy < self.horizon {
            let t = match self.backdrop {
                Backdrop::Vertical => fy / self.horizon,
                Backdrop::Spot => {
                    let dx = fx - 0.5;
                    let dy = fy - self.horizon * 0.55;
                    ((dx * dx + dy * dy).sqrt() * 1.9).min(1.0)
                }
                Backdrop::Diagonal => ((fx * 0.6 + fy / self.horizon * 0.7) / 1.3).min(1.0),
            };
            lerp(self.wall_top, self.wall_bottom, t)
        } else {
            let t = (fy - self.horizon) / (1.0 - self.horizon);
            // A soft bright line where the cove of the studio sweep catches the light.
            let cove = 0.05 * (1.0 - smoothstep(0.0, 0.08, t));
            let c = lerp(self.floor_far, self.floor_near, t.sqrt());
            [c[0] + cove, c[1] + cove, c[2] + cove]
        }
    }

    fn product(&self, u: f32, v: f32) -> Colour {
        let mut base = if self.shape.accent(u, v) {
            self.accent
        } else {
            self.body
        };
        if self.shape.top_face(u, v) {
            base = lerp(base, [1.0, 1.0, 1.0], 0.3);
        }
        // Key light from the top left, falling off to the right and downwards.
        let light = 1.12 - 0.32 * (u + 1.0) / 2.0 - 0.1 * (v + 1.0) / 2.0;
        let c = scale(base, light);
        // A vertical specular highlight on the left third.
        let spec = 0.22 * (1.0 - smoothstep(0.02, 0.1, (u + 0.5).abs()));
        lerp(c, [1.0, 1.0, 1.0], spec)
    }
}

fn hsv(h: f32, s: f32, v: f32) -> Colour {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = v * s;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

fn lerp(a: Colour, b: Colour, t: f32) -> Colour {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn scale(c: Colour, k: f32) -> Colour {
    [c[0] * k, c[1] * k, c[2] * k]
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn to_u8(c: f32) -> u8 {
    (c.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_has_area_and_stays_in_its_box() {
        for shape in Shape::ALL {
            let mut inside = 0;
            for iu in -20..=20 {
                for iv in -20..=20 {
                    let (u, v) = (iu as f32 / 20.0, iv as f32 / 20.0);
                    inside += usize::from(shape.contains(u, v));
                }
            }
            assert!(
                inside > 41 * 41 / 5,
                "{shape:?} covers too little of its box: {inside}"
            );
            assert!(!shape.contains(1.2, 0.0), "{shape:?} leaks out of its box");
        }
    }

    #[test]
    fn hsv_primaries() {
        let red = hsv(0.0, 1.0, 1.0);
        assert!(
            (red[0] - 1.0).abs() < 1e-6 && red[1].abs() < 1e-6,
            "red: {red:?}"
        );
        let blue = hsv(240.0, 1.0, 1.0);
        assert!(
            (blue[2] - 1.0).abs() < 1e-6 && blue[0].abs() < 1e-6,
            "blue: {blue:?}"
        );
        let grey = hsv(123.0, 0.0, 0.5);
        assert!(
            grey.iter().all(|c| (c - 0.5).abs() < 1e-6),
            "grey: {grey:?}"
        );
    }

    #[test]
    fn features_get_different_looks() {
        let a = Scene::new(Feature::StudioShot, 1);
        let b = Scene::new(Feature::AiShadows, 1);
        assert!(
            a.shape != b.shape || a.body != b.body,
            "two features look the same"
        );
    }
}

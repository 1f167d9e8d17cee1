//! Cheap procedural pictures, one kind per feature, so a QA tester can tell the features apart
//! at a glance: a model wearing the garment for Virtual Model, a garment laid flat on a table
//! for Flat Lay, a headline for Text, an emblem for Logo, a film strip for the Video Generator,
//! and so on (see [`Scene::render`]). Shapes are signed distance functions filled with
//! anti-aliased edges on a 320×240 design grid scaled to the output size; the seed moves the
//! hue, the positions and the sizes and drives a faint film grain, so two seeds never give the
//! same pixels. Only `+ - * / sqrt` are used for still images, so the pixels do not depend on a
//! platform's `sin` or `atan2`.

use image::{Rgb, RgbImage};
use recoup_core::Feature;

use crate::font;
use crate::rng::{SplitMix64, derive, mix64};

type Colour = [f32; 3];

/// The design grid every picture is drawn on; the output is this scaled (320×240 or 160×120).
const DESIGN_W: f32 = 320.0;
const DESIGN_H: f32 = 240.0;

const WHITE: Colour = [1.0, 1.0, 1.0];
const INK: Colour = [0.13, 0.13, 0.16];

/// The product the product-photo features show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Product {
    Bottle,
    Box,
    Jar,
    Bag,
}

impl Product {
    const ALL: [Product; 4] = [Product::Bottle, Product::Box, Product::Jar, Product::Bag];
}

/// Everything needed to draw one feature's picture at any size.
#[derive(Debug, Clone)]
pub(crate) struct Scene {
    feature: Feature,
    /// The feature's main hue, in degrees, jittered by the seed.
    hue: f32,
    product: Product,
    /// Seed-drawn numbers in `[0, 1)`: offsets, sizes, picks.
    j: [f32; 8],
    grain_seed: u64,
}

impl Scene {
    /// The scene for one feature and seed.
    pub(crate) fn new(feature: Feature, seed: u64) -> Scene {
        let i = feature.index();
        let mut rng = SplitMix64::new(derive(seed, 0x5C3E_u64 + i as u64));
        // 18 features spread over the colour wheel, 20° apart, neighbours in the list 140° apart
        // (7 is coprime with 18, so every slot is used once); the seed moves the hue a little.
        let slot = (i * 7) % 18;
        let hue = (slot as f32 * 20.0 + 7.0 + rng.range_f32(-8.0, 8.0)).rem_euclid(360.0);
        let product = Product::ALL[(i + rng.below(2) as usize) % Product::ALL.len()];
        let mut j = [0.0f32; 8];
        for v in &mut j {
            *v = rng.range_f32(0.0, 1.0);
        }
        Scene {
            feature,
            hue,
            product,
            j,
            grain_seed: rng.next_u64(),
        }
    }

    /// Renders frame `frame` of `frames` at `width × height` (a still image is frame 0 of 1).
    ///
    /// What each feature shows:
    /// - `virtual_model`: a model standing in a studio, wearing the garment in the feature colour;
    /// - `flat_lay`: a T-shirt laid flat on a wooden table seen from above, with props around;
    /// - `ghost_mannequin`: a T-shirt shaped as if worn, hollow at the neck, on white;
    /// - `edit_with_ai`: a product with a dashed selection, a magic wand and a prompt bar;
    /// - `recolor`: the same T-shirt three times in three colours, over a row of swatches;
    /// - `product_beautifier`: a product in a glow with sparkles and a mirror reflection;
    /// - `ironing`: a shirt on an ironing board, wrinkled on one side, an iron smoothing it;
    /// - `video_generator`: a film strip whose product slides and hops, with a progress bar;
    /// - `logo`: a round emblem with a two-letter monogram and a wordmark;
    /// - `text`: a poster of words: a big headline and lines of smaller text;
    /// - `create_any_image`: a landscape (sky, sun, clouds, mountains, a lake);
    /// - `instagram_story`: a phone-shaped 9:16 story with progress bars and a profile;
    /// - `ai_backgrounds`: a product on a table in a room with a window and a plant;
    /// - `ai_shadows`: a product on white with a long cast shadow and the light that makes it;
    /// - `image_enhancer`: before and after: pixelated on the left, sharp on the right;
    /// - `ai_expand`: the original picture framed in the middle, the scene extended around it;
    /// - `retouch`: a close-up portrait with a retouching brush on the cheek;
    /// - `studio_shot`: a product on a studio sweep between two softboxes.
    pub(crate) fn render(&self, width: u32, height: u32, frame: u32, frames: u32) -> RgbImage {
        let mut c = Canvas::new(width, height);
        match self.feature {
            Feature::VirtualModel => self.virtual_model(&mut c),
            Feature::FlatLay => self.flat_lay(&mut c),
            Feature::GhostMannequin => self.ghost_mannequin(&mut c),
            Feature::EditWithAi => self.edit_with_ai(&mut c),
            Feature::Recolor => self.recolor(&mut c),
            Feature::ProductBeautifier => self.product_beautifier(&mut c),
            Feature::Ironing => self.ironing(&mut c),
            Feature::VideoGenerator => self.video(&mut c, frame, frames.max(1)),
            Feature::Logo => self.logo(&mut c),
            Feature::Text => self.text(&mut c),
            Feature::CreateAnyImage => self.landscape(&mut c),
            Feature::InstagramStory => self.instagram_story(&mut c),
            Feature::AiBackgrounds => self.ai_backgrounds(&mut c),
            Feature::AiShadows => self.ai_shadows(&mut c),
            Feature::ImageEnhancer => self.image_enhancer(&mut c),
            Feature::AiExpand => self.ai_expand(&mut c),
            Feature::Retouch => self.retouch(&mut c),
            Feature::StudioShot => self.studio_shot(&mut c),
        }
        let frame_grain = mix64(self.grain_seed ^ (u64::from(frame) << 32));
        c.finish(frame_grain)
    }

    /// A seed-drawn number in `[lo, hi)`.
    fn jit(&self, k: usize, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.j[k % self.j.len()]
    }

    fn main(&self) -> Colour {
        hsv(self.hue, 0.62 + 0.12 * self.j[7], 0.82)
    }

    fn accent(&self) -> Colour {
        hsv(self.hue + 180.0, 0.45, 0.96)
    }

    // ---- the features -------------------------------------------------------------------

    fn virtual_model(&self, c: &mut Canvas) {
        let wall = self.hue + 35.0;
        studio_backdrop(c, hsv(wall, 0.06, 0.97), hsv(wall, 0.14, 0.85), 190.0);
        let cx = 160.0 + self.jit(0, -30.0, 30.0);
        contact_shadow(c, cx + 2.0, 222.0, 44.0, 6.0, 0.35);
        let skins = [
            [0.96, 0.80, 0.69],
            [0.87, 0.67, 0.52],
            [0.66, 0.46, 0.33],
            [0.45, 0.31, 0.22],
        ];
        let skin = skins[(self.j[1] * 4.0) as usize % 4];
        let hair = hsv(25.0 + 20.0 * self.j[2], 0.6, 0.22 + 0.3 * self.j[3]);
        let trousers = hsv(self.hue + 200.0, 0.25, 0.3);
        // Legs and shoes.
        for s in [-1.0f32, 1.0] {
            let (hx, fx) = (cx + s * 10.0, cx + s * 14.0);
            c.solid(
                bb(fx - 12.0, 140.0, fx + 12.0, 224.0),
                |x, y| sd_capsule(x, y, hx, 140.0, fx, 212.0, 9.0),
                trousers,
            );
            c.solid(
                bb(fx - 14.0, 208.0, fx + 16.0, 224.0),
                |x, y| sd_ellipse(x, y, fx + s * 3.0, 217.0, 12.0, 5.0),
                INK,
            );
        }
        // Arms (skin), under the sleeves.
        for s in [-1.0f32, 1.0] {
            let (sx, hx) = (cx + s * 30.0, cx + s * 38.0);
            c.solid(
                bb(sx - 12.0, 60.0, hx + 12.0, 150.0),
                |x, y| sd_capsule(x, y, sx, 70.0, hx, 138.0, 6.5),
                skin,
            );
            c.solid(
                bb(hx - 10.0, 130.0, hx + 10.0, 152.0),
                |x, y| sd_circle(x, y, hx, 142.0, 7.5),
                skin,
            );
        }
        // Neck and head.
        c.solid(
            bb(cx - 8.0, 40.0, cx + 8.0, 70.0),
            |x, y| sd_rbox(x, y, cx, 56.0, 6.0, 12.0, 2.0),
            scale(skin, 0.9),
        );
        c.solid(
            bb(cx - 20.0, 14.0, cx + 20.0, 56.0),
            |x, y| sd_ellipse(x, y, cx, 36.0, 13.0, 16.0),
            skin,
        );
        // Hair: a cap over the top of the head, longer at the back.
        c.solid(
            bb(cx - 20.0, 14.0, cx + 20.0, 60.0),
            |x, y| sd_ellipse(x, y, cx, 30.0, 15.0, 14.0).max(y - 34.0 + 0.3 * (x - cx).abs()),
            hair,
        );
        // The garment: a T-shirt on the torso, with sleeves.
        let shirt = self.main();
        let torso = move |x: f32, y: f32| -> f32 {
            let body = sd_polygon(
                x,
                y,
                &[
                    (cx - 31.0, 66.0),
                    (cx + 31.0, 66.0),
                    (cx + 44.0, 98.0),
                    (cx + 33.0, 103.0),
                    (cx + 26.0, 88.0),
                    (cx + 25.0, 146.0),
                    (cx - 25.0, 146.0),
                    (cx - 26.0, 88.0),
                    (cx - 33.0, 103.0),
                    (cx - 44.0, 98.0),
                ],
            ) - 2.0;
            body.max(-sd_ellipse(x, y, cx, 64.0, 9.0, 7.0))
        };
        c.fill(
            bb(cx - 48.0, 60.0, cx + 48.0, 150.0),
            torso,
            |x, y| lit(shirt, (x - cx) / 50.0, (y - 66.0) / 80.0),
            1.0,
            1.0,
        );
        // A print on the chest.
        let print = self.accent();
        c.solid(
            bb(cx - 12.0, 90.0, cx + 12.0, 114.0),
            |x, y| sd_circle(x, y, cx, 102.0, 9.0),
            print,
        );
    }

    fn flat_lay(&self, c: &mut Canvas) {
        // A wooden table seen from above: planks with seams and a faint grain.
        let wood = hsv(28.0 + 10.0 * self.j[0], 0.32, 0.78);
        let plank = 48.0;
        let off = self.jit(1, 0.0, plank);
        c.shade(|x, y| {
            let p = (y + off) / plank;
            let k = p.floor();
            let t = p - k;
            let tone = 0.94 + 0.06 * (mix64(k as i64 as u64) % 7) as f32 / 6.0;
            let grain = 0.025 * tri(x / 37.0 + k * 0.37 + 0.2 * tri(y / 9.0));
            let seam = if !(0.025..=0.975).contains(&t) {
                0.82
            } else {
                1.0
            };
            scale(wood, (tone + grain) * seam)
        });
        let cx = 150.0 + self.jit(2, -14.0, 14.0);
        let cy = 124.0 + self.jit(3, -8.0, 8.0);
        let shirt = self.main();
        let sz = 92.0 + self.jit(4, -6.0, 6.0);
        // Soft shadow, then the shirt laid flat: symmetric, sleeves spread out.
        let sd = move |x: f32, y: f32| sd_tshirt(x, y, cx, cy, sz);
        c.fill(
            bb(
                cx - sz - 10.0,
                cy - sz - 10.0,
                cx + sz + 14.0,
                cy + sz + 14.0,
            ),
            |x, y| sd(x - 4.0, y - 5.0),
            |_, _| [0.0; 3],
            0.28,
            8.0,
        );
        c.fill(
            bb(cx - sz, cy - sz, cx + sz, cy + sz),
            sd,
            |x, y| {
                // A flat garment: even light, a soft fold line down the middle.
                let fold = 1.0 - 0.06 * (1.0 - ((x - cx).abs() / 3.0).min(1.0));
                scale(shirt, fold * (1.0 - 0.05 * (y - cy) / sz))
            },
            1.0,
            1.0,
        );
        // The collar's inside.
        c.solid(
            bb(cx - 20.0, cy - sz, cx + 20.0, cy - sz * 0.5),
            |x, y| sd_ellipse(x, y, cx, cy - sz * 0.58, 12.0, 7.0).max(-(y - (cy - sz * 0.58))),
            scale(shirt, 0.7),
        );
        // Props: sunglasses top left, a watch bottom right, a leaf.
        let (gx, gy) = (44.0 + self.jit(5, -6.0, 6.0), 38.0);
        for s in [-1.0f32, 1.0] {
            c.solid(
                bb(
                    gx + s * 14.0 - 13.0,
                    gy - 13.0,
                    gx + s * 14.0 + 13.0,
                    gy + 13.0,
                ),
                |x, y| sd_circle(x, y, gx + s * 14.0, gy, 11.0),
                [0.1, 0.1, 0.12],
            );
        }
        c.solid(
            bb(gx - 6.0, gy - 6.0, gx + 6.0, gy + 2.0),
            |x, y| sd_capsule(x, y, gx - 4.0, gy - 3.0, gx + 4.0, gy - 3.0, 1.5),
            [0.1, 0.1, 0.12],
        );
        let (wx, wy) = (280.0, 196.0 + self.jit(6, -8.0, 8.0));
        c.solid(
            bb(wx - 9.0, wy - 36.0, wx + 9.0, wy + 36.0),
            |x, y| sd_rbox(x, y, wx, wy, 7.0, 32.0, 3.0),
            [0.35, 0.22, 0.14],
        );
        c.solid(
            bb(wx - 16.0, wy - 16.0, wx + 16.0, wy + 16.0),
            |x, y| sd_circle(x, y, wx, wy, 14.0),
            [0.85, 0.75, 0.45],
        );
        c.solid(
            bb(wx - 13.0, wy - 13.0, wx + 13.0, wy + 13.0),
            |x, y| sd_circle(x, y, wx, wy, 11.0),
            [0.97, 0.96, 0.93],
        );
        c.solid(
            bb(wx - 2.0, wy - 10.0, wx + 8.0, wy + 2.0),
            |x, y| {
                sd_capsule(x, y, wx, wy, wx, wy - 8.0, 1.0).min(sd_capsule(
                    x,
                    y,
                    wx,
                    wy,
                    wx + 6.0,
                    wy,
                    1.0,
                ))
            },
            INK,
        );
        let leaf = hsv(110.0 + 20.0 * self.j[7], 0.55, 0.55);
        c.solid(
            bb(255.0, 10.0, 315.0, 60.0),
            |x, y| sd_ellipse(x, y, 285.0, 32.0, 28.0, 12.0),
            leaf,
        );
        c.solid(
            bb(255.0, 28.0, 315.0, 36.0),
            |x, y| sd_capsule(x, y, 260.0, 32.0, 310.0, 32.0, 0.8),
            scale(leaf, 0.7),
        );
    }

    fn ghost_mannequin(&self, c: &mut Canvas) {
        // A seamless white background; the garment floats, shaped as if worn, hollow at the neck.
        c.shade(|x, y| {
            let dx = (x - 160.0) / 220.0;
            let dy = (y - 110.0) / 200.0;
            scale([0.985, 0.985, 0.99], 1.0 - 0.08 * (dx * dx + dy * dy))
        });
        let cx = 160.0 + self.jit(0, -12.0, 12.0);
        let cy = 130.0;
        let sz = 96.0;
        let shirt = self.main();
        // Where the missing body would be: a faint dashed head and neck.
        c.fill(
            bb(cx - 30.0, 2.0, cx + 30.0, 70.0),
            |x, y| {
                (sd_ellipse(x, y, cx, 30.0, 19.0, 23.0).abs() - 0.8)
                    .max(if tri((x + y) / 9.0) > 0.5 { -1.0 } else { 1.0 })
            },
            |_, _| [0.6, 0.62, 0.66],
            1.0,
            1.0,
        );
        contact_shadow(c, cx, 232.0, 70.0, 5.0, 0.18);
        let body = move |x: f32, y: f32| sd_tshirt(x, y, cx, cy, sz);
        c.fill(
            bb(cx - sz, cy - sz, cx + sz, cy + sz),
            body,
            |x, y| {
                // Rounded like a body inside: darker towards the sides.
                let u = (x - cx) / (sz * 0.55);
                let k = 1.05 - 0.25 * (u * u).min(1.0) - 0.08 * (y - cy) / sz;
                scale(shirt, k)
            },
            1.0,
            1.0,
        );
        // The hollow neck: the inside of the back, darker, with a label.
        let (nx, ny) = (cx, cy - sz * 0.52);
        c.solid(
            bb(nx - 22.0, ny - 14.0, nx + 22.0, ny + 14.0),
            |x, y| sd_ellipse(x, y, nx, ny, 18.0, 10.0),
            scale(shirt, 0.55),
        );
        c.solid(
            bb(nx - 22.0, ny - 14.0, nx + 22.0, ny + 14.0),
            |x, y| sd_ellipse(x, y, nx, ny, 18.0, 10.0).abs() - 1.5,
            scale(shirt, 0.85),
        );
        c.solid(
            bb(nx - 8.0, ny - 6.0, nx + 8.0, ny + 4.0),
            |x, y| sd_rbox(x, y, nx, ny - 1.0, 5.0, 3.5, 1.0),
            WHITE,
        );
        // Sleeve openings.
        for s in [-1.0f32, 1.0] {
            let ox = cx + s * sz * 0.55;
            c.solid(
                bb(ox - 14.0, cy - 20.0, ox + 14.0, cy + 14.0),
                |x, y| sd_capsule(x, y, ox - s * 2.0, cy - 6.0, ox + s * 2.0, cy - 12.0, 3.0),
                scale(shirt, 0.5),
            );
        }
    }

    fn edit_with_ai(&self, c: &mut Canvas) {
        let wall = self.hue + 35.0;
        studio_backdrop(c, hsv(wall, 0.07, 0.96), hsv(wall, 0.16, 0.84), 150.0);
        let cx = 130.0 + self.jit(0, -15.0, 15.0);
        let size = 120.0;
        draw_product(c, self.product, cx, 178.0, size, self.main(), self.accent());
        // A dashed selection around the product's top half.
        let (x0, y0, x1, y1) = (cx - 50.0, 48.0, cx + 50.0, 120.0);
        c.fill(
            bb(x0 - 2.0, y0 - 2.0, x1 + 2.0, y1 + 2.0),
            |x, y| {
                let edge = sd_rbox(
                    x,
                    y,
                    (x0 + x1) / 2.0,
                    (y0 + y1) / 2.0,
                    (x1 - x0) / 2.0,
                    (y1 - y0) / 2.0,
                    0.0,
                )
                .abs()
                    - 1.0;
                edge.max(if tri((x + y) / 10.0) > 0.5 { -1.0 } else { 1.0 })
            },
            |_, _| INK,
            1.0,
            1.0,
        );
        // The magic wand and its sparkles.
        let (tx, ty) = (x1 + 28.0, 56.0);
        c.solid(
            bb(tx - 4.0, ty - 4.0, tx + 60.0, ty + 60.0),
            |x, y| sd_capsule(x, y, tx + 4.0, ty + 4.0, tx + 52.0, ty + 52.0, 4.0),
            [0.15, 0.12, 0.2],
        );
        c.solid(
            bb(tx - 4.0, ty - 4.0, tx + 14.0, ty + 14.0),
            |x, y| sd_capsule(x, y, tx + 4.0, ty + 4.0, tx + 10.0, ty + 10.0, 4.2),
            WHITE,
        );
        let spark = hsv(48.0, 0.8, 1.0);
        sparkle(c, tx - 6.0, ty - 10.0, 12.0, spark);
        sparkle(c, tx + 18.0, ty - 22.0, 7.0, spark);
        sparkle(c, tx - 20.0, ty + 12.0, 6.0, spark);
        // The prompt bar.
        c.solid(
            bb(16.0, 196.0, 304.0, 232.0),
            |x, y| sd_rbox(x, y, 160.0, 214.0, 140.0, 14.0, 14.0),
            WHITE,
        );
        c.solid(
            bb(16.0, 196.0, 304.0, 232.0),
            |x, y| sd_rbox(x, y, 160.0, 214.0, 140.0, 14.0, 14.0).abs() - 0.6,
            [0.7, 0.7, 0.75],
        );
        let words = ["ADD FLOWERS", "MAKE IT GOLD", "REMOVE LOGO", "ADD A HAT"];
        draw_text(
            c,
            34.0,
            208.0,
            2.0,
            words[(self.j[1] * 4.0) as usize % 4],
            [0.35, 0.35, 0.4],
        );
        let purple = hsv(270.0, 0.6, 0.8);
        c.solid(
            bb(270.0, 200.0, 300.0, 228.0),
            |x, y| sd_circle(x, y, 286.0, 214.0, 11.0),
            purple,
        );
        c.solid(
            bb(276.0, 204.0, 296.0, 224.0),
            |x, y| sd_polygon(x, y, &[(281.0, 208.0), (292.0, 214.0), (281.0, 220.0)]),
            WHITE,
        );
    }

    fn recolor(&self, c: &mut Canvas) {
        studio_backdrop(c, [0.95, 0.95, 0.96], [0.86, 0.86, 0.88], 175.0);
        let sz = 44.0;
        let offs = self.jit(0, 0.0, 60.0);
        for k in 0..3 {
            let cx = 62.0 + 98.0 * k as f32;
            let cy = 100.0;
            let colour = hsv(
                self.hue + 120.0 * k as f32 + offs * k as f32 * 0.2,
                0.7,
                0.82,
            );
            contact_shadow(c, cx, 160.0, 40.0, 4.0, 0.25);
            c.fill(
                bb(cx - sz, cy - sz, cx + sz, cy + sz),
                |x, y| sd_tshirt(x, y, cx, cy, sz),
                |x, _| lit(colour, (x - cx) / sz, 0.0),
                1.0,
                1.0,
            );
            // Swatches below: the one this shirt uses, and a ring around the picked one.
            let (sx, sy) = (cx, 205.0);
            c.solid(
                bb(sx - 16.0, sy - 16.0, sx + 16.0, sy + 16.0),
                |x, y| sd_circle(x, y, sx, sy, 12.0),
                colour,
            );
            if k == 1 {
                c.solid(
                    bb(sx - 18.0, sy - 18.0, sx + 18.0, sy + 18.0),
                    |x, y| sd_circle(x, y, sx, sy, 15.5).abs() - 1.2,
                    INK,
                );
            }
        }
        // Arrows between the variants.
        for k in 0..2 {
            let ax = 111.0 + 98.0 * k as f32;
            c.solid(
                bb(ax - 10.0, 92.0, ax + 10.0, 108.0),
                |x, y| {
                    sd_polygon(
                        x,
                        y,
                        &[(ax - 6.0, 93.0), (ax + 7.0, 100.0), (ax - 6.0, 107.0)],
                    )
                },
                [0.45, 0.45, 0.5],
            );
        }
    }

    fn product_beautifier(&self, c: &mut Canvas) {
        // A radiant glow behind the product.
        let glow = hsv(self.hue + 30.0, 0.35, 1.0);
        let edge = hsv(self.hue + 30.0, 0.55, 0.45);
        let cx = 160.0 + self.jit(0, -20.0, 20.0);
        c.shade(|x, y| {
            let dx = (x - cx) / 170.0;
            let dy = (y - 100.0) / 150.0;
            lerp(glow, edge, (dx * dx + dy * dy).sqrt().min(1.0))
        });
        // A glossy floor with the product's mirror image.
        c.fill(
            bb(0.0, 170.0, 320.0, 240.0),
            |_, y| 170.0 - y,
            |_, y| lerp(scale(edge, 1.2), scale(edge, 0.7), (y - 170.0) / 70.0),
            1.0,
            1.0,
        );
        let size = 130.0;
        let (product, body, accent) = (self.product, self.main(), self.accent());
        c.fill(
            bb(cx - 60.0, 170.0, cx + 60.0, 240.0),
            |x, y| product_sd(product, x, 340.0 - y, cx, 170.0, size),
            |x, y| {
                lerp(
                    product_paint(product, x, 340.0 - y, cx, 170.0, size, body, accent),
                    scale(edge, 0.9),
                    0.55 + (y - 170.0) / 100.0,
                )
            },
            1.0,
            1.0,
        );
        draw_product(c, product, cx, 170.0, size, body, accent);
        let spark = [1.0, 0.98, 0.85];
        let spots = [
            (-70.0, 40.0, 14.0),
            (62.0, 62.0, 10.0),
            (-52.0, 120.0, 8.0),
            (70.0, 128.0, 12.0),
            (30.0, 30.0, 6.0),
        ];
        for (k, &(dx, y, r)) in spots.iter().enumerate() {
            sparkle(c, cx + dx, y + self.jit(k + 1, -6.0, 6.0), r, spark);
        }
    }

    fn ironing(&self, c: &mut Canvas) {
        let wall = hsv(200.0, 0.08, 0.9);
        c.shade(|_, y| scale(wall, 1.0 - 0.15 * y / 240.0));
        // The ironing board.
        let board = hsv(205.0 + 20.0 * self.j[0], 0.35, 0.72);
        // Its crossed legs, then the board: square at one end, a rounded nose at the other.
        let legs = [0.3, 0.3, 0.34];
        c.solid(
            bb(60.0, 150.0, 250.0, 240.0),
            |x, y| {
                sd_capsule(x, y, 90.0, 170.0, 210.0, 246.0, 3.5)
                    .min(sd_capsule(x, y, 210.0, 170.0, 90.0, 246.0, 3.5))
            },
            legs,
        );
        c.fill(
            bb(-10.0, 60.0, 320.0, 200.0),
            |x, y| {
                sd_rbox(x, y, 100.0, 128.0, 130.0, 58.0, 0.0)
                    .min(sd_ellipse(x, y, 226.0, 128.0, 88.0, 58.0))
                    + 4.0
            },
            |_, _| [0.0; 3],
            0.25,
            6.0,
        );
        c.fill(
            bb(-10.0, 60.0, 320.0, 200.0),
            |x, y| {
                sd_rbox(x, y, 100.0, 124.0, 130.0, 58.0, 0.0)
                    .min(sd_ellipse(x, y, 226.0, 124.0, 88.0, 58.0))
            },
            |x, y| scale(board, 1.0 - 0.06 * tri((x + y) / 10.0)),
            1.0,
            1.0,
        );
        let cx = 132.0 + self.jit(1, -10.0, 10.0);
        let cy = 126.0;
        let sz = 74.0;
        let shirt = self.main();
        c.fill(
            bb(cx - sz, cy - sz, cx + sz, cy + sz),
            |x, y| sd_tshirt(x, y, cx, cy, sz),
            |x, y| {
                if x < cx {
                    // Wrinkled: diagonal creases.
                    let w = tri((x * 0.6 + y) / 14.0) * tri((x - y * 0.4) / 23.0);
                    scale(shirt, 0.78 + 0.3 * w)
                } else {
                    scale(shirt, 1.0)
                }
            },
            1.0,
            1.0,
        );
        // The iron on the smooth side, pointing left, with steam.
        let ix = cx + 18.0 + self.jit(2, 0.0, 16.0);
        let iy = 120.0;
        let base = [
            (ix - 14.0, iy + 22.0),
            (ix + 70.0, iy + 22.0),
            (ix + 66.0, iy + 8.0),
            (ix + 40.0, iy - 2.0),
            (ix + 12.0, iy + 2.0),
        ];
        c.fill(
            bb(ix - 20.0, iy - 30.0, ix + 80.0, iy + 40.0),
            |x, y| sd_polygon(x - 4.0, y - 6.0, &base) - 2.0,
            |_, _| [0.0; 3],
            0.3,
            5.0,
        );
        c.solid(
            bb(ix - 20.0, iy - 10.0, ix + 80.0, iy + 30.0),
            |x, y| sd_polygon(x, y, &base) - 2.0,
            hsv(self.hue + 180.0, 0.5, 0.85),
        );
        c.solid(
            bb(ix - 20.0, iy + 14.0, ix + 80.0, iy + 30.0),
            |x, y| sd_rbox(x, y, ix + 28.0, iy + 22.0, 42.0, 3.0, 2.0),
            [0.78, 0.8, 0.84],
        );
        c.solid(
            bb(ix + 10.0, iy - 28.0, ix + 66.0, iy + 4.0),
            |x, y| {
                (sd_rbox(x, y, ix + 40.0, iy - 12.0, 20.0, 11.0, 8.0).abs() - 3.5)
                    .max(y - (iy + 2.0))
            },
            [0.2, 0.2, 0.24],
        );
        for (k, &(dx, dy, r)) in [(-26.0, -8.0, 9.0), (-36.0, -22.0, 7.0), (-30.0, -36.0, 5.0)]
            .iter()
            .enumerate()
        {
            let (sx, sy) = (ix + dx + self.jit(k + 3, -3.0, 3.0), iy + dy);
            c.fill(
                bb(sx - r - 4.0, sy - r - 4.0, sx + r + 4.0, sy + r + 4.0),
                |x, y| sd_circle(x, y, sx, sy, r),
                |_, _| WHITE,
                0.75,
                3.0,
            );
        }
    }

    fn video(&self, c: &mut Canvas, frame: u32, frames: u32) {
        let t = frame as f32 / frames as f32;
        let phase = t * std::f32::consts::TAU;
        // The product slides across and hops once per loop.
        let shift = 42.0 * phase.sin();
        let lift = 30.0 * (phase / 2.0).sin().abs();
        let wall = self.hue + 35.0;
        studio_backdrop(c, hsv(wall, 0.1, 0.95), hsv(wall, 0.22, 0.8), 150.0);
        let cx = 160.0 + self.jit(0, -10.0, 10.0) + shift;
        let floor = 182.0;
        contact_shadow(
            c,
            cx + 3.0,
            floor,
            40.0 * (1.0 - lift / 60.0),
            6.0,
            0.4 * (1.0 - lift / 45.0),
        );
        draw_product(
            c,
            self.product,
            cx,
            floor - lift,
            110.0,
            self.main(),
            self.accent(),
        );
        // The film strip: dark bands with sprocket holes.
        let film = [0.1, 0.1, 0.12];
        c.fill(
            bb(0.0, 0.0, 320.0, 240.0),
            |_, y| 96.0 - (y - 120.0).abs(),
            |_, _| film,
            1.0,
            1.0,
        );
        let roll = t * 40.0;
        for row in [12.0f32, 228.0] {
            for k in -1..9 {
                let hx = 20.0 + 40.0 * k as f32 - roll;
                c.solid(
                    bb(hx - 12.0, row - 8.0, hx + 12.0, row + 8.0),
                    |x, y| sd_rbox(x, y, hx, row, 9.0, 6.0, 2.0),
                    [0.92, 0.92, 0.9],
                );
            }
        }
        // Play button and progress bar.
        c.solid(
            bb(14.0, 190.0, 30.0, 210.0),
            |x, y| sd_polygon(x, y, &[(16.0, 192.0), (28.0, 200.0), (16.0, 208.0)]),
            WHITE,
        );
        c.solid(
            bb(36.0, 196.0, 306.0, 204.0),
            |x, y| sd_rbox(x, y, 170.0, 200.0, 132.0, 2.0, 2.0),
            [0.55, 0.55, 0.6],
        );
        let px = 38.0 + 264.0 * (t + 1.0 / frames as f32);
        c.solid(
            bb(36.0, 196.0, px + 2.0, 204.0),
            |x, y| sd_rbox(x, y, (38.0 + px) / 2.0, 200.0, (px - 38.0) / 2.0, 2.0, 2.0),
            hsv(0.0, 0.8, 0.95),
        );
        c.solid(
            bb(px - 8.0, 192.0, px + 8.0, 208.0),
            |x, y| sd_circle(x, y, px, 200.0, 5.0),
            WHITE,
        );
    }

    fn logo(&self, c: &mut Canvas) {
        let bg = hsv(self.hue + 180.0, 0.08, 0.97);
        c.shade(|_, _| bg);
        let cx = 160.0 + self.jit(0, -16.0, 16.0);
        let cy = 98.0;
        let main = hsv(self.hue, 0.75, 0.7);
        c.solid(
            bb(cx - 74.0, cy - 74.0, cx + 74.0, cy + 74.0),
            |x, y| sd_circle(x, y, cx, cy, 72.0),
            main,
        );
        c.solid(
            bb(cx - 74.0, cy - 74.0, cx + 74.0, cy + 74.0),
            |x, y| sd_circle(x, y, cx, cy, 62.0).abs() - 2.5,
            WHITE,
        );
        let letters: Vec<char> = ('A'..='Z').collect();
        let pick = |k: usize| letters[(self.j[k] * 26.0) as usize % 26];
        let mono: String = [pick(1), pick(2)].iter().collect();
        let cell = 9.0;
        let tw = text_width(&mono, cell);
        draw_text(c, cx - tw / 2.0, cy - 3.5 * cell, cell, &mono, WHITE);
        // Three stars on the ring, top.
        for k in [-1.0f32, 0.0, 1.0] {
            sparkle(c, cx + 18.0 * k, cy - 50.0 + 4.0 * k.abs(), 4.0, WHITE);
        }
        let names = ["STUDIO CO", "MAISON", "NORTH&CO", "BRAND", "ATELIER"];
        let name = names[(self.j[3] * 5.0) as usize % 5];
        let cell = 4.0;
        draw_text(
            c,
            cx - text_width(name, cell) / 2.0,
            190.0,
            cell,
            name,
            main,
        );
    }

    fn text(&self, c: &mut Canvas) {
        // A poster of words: a big headline, a rule, and lines of smaller text.
        let bg = hsv(self.hue, 0.25, 0.98);
        c.shade(|x, y| scale(bg, 1.0 - 0.05 * (x + y) / 560.0));
        let heads = ["SALE", "NEW IN", "50% OFF", "HELLO", "SUMMER"];
        let head = heads[(self.j[0] * 5.0) as usize % 5];
        let ink = hsv(self.hue, 0.8, 0.45);
        let cell = (260.0 / text_width(head, 1.0)).min(9.0);
        let x0 = 160.0 - text_width(head, cell) / 2.0 + self.jit(1, -6.0, 6.0);
        let y0 = 24.0 + self.jit(2, 0.0, 12.0);
        draw_text(c, x0, y0, cell, head, ink);
        let rule_y = y0 + 7.0 * cell + 12.0;
        c.solid(
            bb(40.0, rule_y - 3.0, 280.0, rule_y + 3.0),
            |x, y| sd_rbox(x, y, 160.0, rule_y, 110.0, 1.5, 1.5),
            hsv(self.hue + 180.0, 0.6, 0.75),
        );
        let lines = ["FREE SHIPPING", "ON ALL ORDERS", "THIS WEEK ONLY"];
        let grey = [0.3, 0.3, 0.34];
        for (k, line) in lines.iter().enumerate() {
            let cell = 3.0;
            draw_text(
                c,
                160.0 - text_width(line, cell) / 2.0,
                rule_y + 14.0 + 28.0 * k as f32,
                cell,
                line,
                grey,
            );
        }
    }

    fn landscape(&self, c: &mut Canvas) {
        // Sky (a sunset tinted by the hue), the sun, clouds, two mountain ranges and a lake.
        let top = hsv(self.hue + 200.0, 0.55, 0.75);
        let low = hsv(self.hue + 20.0, 0.45, 1.0);
        let horizon = 150.0 + self.jit(0, -8.0, 8.0);
        c.shade(|_, y| lerp(top, low, (y / horizon).min(1.0)));
        let (sx, sy) = (
            90.0 + self.jit(1, 0.0, 140.0),
            70.0 + self.jit(2, 0.0, 30.0),
        );
        c.fill(
            bb(sx - 50.0, sy - 50.0, sx + 50.0, sy + 50.0),
            |x, y| sd_circle(x, y, sx, sy, 24.0),
            |_, _| [1.0, 0.97, 0.8],
            0.45,
            14.0,
        );
        c.solid(
            bb(sx - 24.0, sy - 24.0, sx + 24.0, sy + 24.0),
            |x, y| sd_circle(x, y, sx, sy, 20.0),
            [1.0, 0.96, 0.78],
        );
        for &(cx, cy, w) in &[(60.0, 40.0, 1.0), (230.0, 28.0, 0.8)] {
            let cx = cx + self.jit(3, -20.0, 20.0);
            c.solid(
                bb(cx - 50.0 * w, cy - 20.0, cx + 50.0 * w, cy + 16.0),
                |x, y| {
                    sd_ellipse(x, y, cx, cy + 4.0, 40.0 * w, 9.0)
                        .min(sd_circle(x, y, cx - 10.0 * w, cy - 2.0, 13.0 * w))
                        .min(sd_circle(x, y, cx + 14.0 * w, cy, 10.0 * w))
                },
                [0.99, 0.99, 1.0],
            );
        }
        let far = hsv(self.hue + 220.0, 0.3, 0.6);
        let near = hsv(130.0 + 20.0 * self.j[4], 0.45, 0.42);
        let p1 = self.jit(5, -20.0, 20.0);
        c.solid(
            bb(0.0, 60.0, 320.0, horizon + 2.0),
            |x, y| {
                sd_polygon(
                    x,
                    y,
                    &[
                        (-10.0, horizon),
                        (-10.0, 120.0),
                        (60.0 + p1, 70.0),
                        (130.0, 115.0),
                        (200.0 + p1, 62.0),
                        (330.0, 118.0),
                        (330.0, horizon),
                    ],
                )
                .max(y - horizon)
            },
            far,
        );
        c.solid(
            bb(0.0, 90.0, 320.0, horizon + 2.0),
            |x, y| {
                sd_polygon(
                    x,
                    y,
                    &[
                        (-10.0, horizon),
                        (-10.0, 130.0),
                        (40.0, 112.0),
                        (110.0 - p1, 138.0),
                        (250.0, 96.0),
                        (330.0, 130.0),
                        (330.0, horizon),
                    ],
                )
                .max(y - horizon)
            },
            near,
        );
        let water = hsv(self.hue + 200.0, 0.45, 0.62);
        c.fill(
            bb(0.0, horizon, 320.0, 240.0),
            |_, y| horizon - y,
            |x, y| {
                let ripple = 0.06 * tri(y / 5.0 + 0.15 * tri(x / 40.0));
                scale(
                    lerp(water, low, 0.25 * (1.0 - (y - horizon) / 90.0).max(0.0)),
                    1.0 - ripple,
                )
            },
            1.0,
            1.0,
        );
        // The sun's reflection.
        c.fill(
            bb(sx - 30.0, horizon, sx + 30.0, 240.0),
            |x, y| sd_rbox(x, y, sx, horizon + 30.0, 14.0, 30.0, 6.0),
            |_, _| [1.0, 0.96, 0.8],
            0.45,
            3.0,
        );
    }

    fn instagram_story(&self, c: &mut Canvas) {
        // Around the phone: the story's own colours, dimmed, as an app shows it on a wide screen.
        let a = hsv(self.hue, 0.55, 0.95);
        let b = hsv(self.hue + 60.0, 0.6, 0.75);
        c.shade(|x, y| scale(lerp(a, b, (x + y) / 560.0), 0.35));
        let (cx, cy, hw, hh) = (160.0 + self.jit(0, -30.0, 30.0), 120.0, 64.0, 114.0);
        let story = move |x: f32, y: f32| sd_rbox(x, y, cx, cy, hw, hh, 10.0);
        c.fill(
            bb(cx - hw, cy - hh, cx + hw, cy + hh),
            story,
            |x, y| lerp(a, b, ((x - cx + hw) + (y - cy + hh)) / (2.0 * (hw + hh))),
            1.0,
            1.0,
        );
        // The product in the story.
        draw_product(
            c,
            self.product,
            cx,
            cy + 56.0,
            100.0,
            hsv(self.hue + 180.0, 0.5, 0.9),
            hsv(self.hue, 0.7, 0.6),
        );
        // Segmented progress bars, the first one full.
        for k in 0..3 {
            let x0 = cx - hw + 8.0 + 40.0 * k as f32;
            let fill = if k == 0 { 1.0 } else { 0.5 };
            c.fill(
                bb(x0 - 1.0, cy - hh + 4.0, x0 + 38.0, cy - hh + 10.0),
                |x, y| sd_rbox(x, y, x0 + 18.0, cy - hh + 7.0, 17.0, 1.3, 1.3),
                |_, _| WHITE,
                fill,
                1.0,
            );
        }
        // Profile picture and name.
        let (ax, ay) = (cx - hw + 17.0, cy - hh + 24.0);
        c.solid(
            bb(ax - 10.0, ay - 10.0, ax + 10.0, ay + 10.0),
            |x, y| sd_circle(x, y, ax, ay, 8.0).abs() - 1.2,
            WHITE,
        );
        c.solid(
            bb(ax - 8.0, ay - 8.0, ax + 8.0, ay + 8.0),
            |x, y| sd_circle(x, y, ax, ay, 5.5),
            hsv(self.hue + 120.0, 0.5, 0.9),
        );
        draw_text(c, ax + 13.0, ay - 3.5, 1.0, "YOURBRAND", WHITE);
        // A sticker, and the reply field with a heart at the bottom.
        c.solid(
            bb(cx - 40.0, cy - 70.0, cx + 40.0, cy - 44.0),
            |x, y| sd_rbox(x, y, cx, cy - 57.0, 34.0, 11.0, 5.0),
            WHITE,
        );
        draw_text(
            c,
            cx - text_width("NEW!", 2.0) / 2.0,
            cy - 64.0,
            2.0,
            "NEW!",
            hsv(self.hue, 0.8, 0.6),
        );
        let by = cy + hh - 16.0;
        c.solid(
            bb(cx - hw, by - 10.0, cx + hw, by + 10.0),
            |x, y| sd_rbox(x, y, cx - 12.0, by, hw - 22.0, 7.0, 7.0).abs() - 0.8,
            WHITE,
        );
        let (hx, hy) = (cx + hw - 18.0, by);
        c.solid(
            bb(hx - 8.0, hy - 8.0, hx + 8.0, hy + 8.0),
            |x, y| {
                sd_circle(x, y, hx - 2.5, hy - 1.5, 3.2)
                    .min(sd_circle(x, y, hx + 2.5, hy - 1.5, 3.2))
                    .min(sd_polygon(
                        x,
                        y,
                        &[(hx - 5.6, hy - 0.5), (hx + 5.6, hy - 0.5), (hx, hy + 5.5)],
                    ))
            },
            WHITE,
        );
    }

    fn ai_backgrounds(&self, c: &mut Canvas) {
        // A room: a painted wall, a window with sky, a plant; the product on a wooden table.
        let wall = hsv(self.hue + 90.0, 0.25, 0.88);
        let table_y = 168.0;
        c.shade(|x, _| scale(wall, 1.0 - 0.1 * x / 320.0));
        let wx = 40.0 + self.jit(0, -10.0, 20.0);
        c.solid(
            bb(wx - 4.0, 16.0, wx + 104.0, 134.0),
            |x, y| sd_rbox(x, y, wx + 50.0, 75.0, 52.0, 57.0, 2.0),
            [0.96, 0.96, 0.94],
        );
        let sky_top = hsv(205.0, 0.5, 0.95);
        c.fill(
            bb(wx, 22.0, wx + 100.0, 128.0),
            |x, y| sd_rbox(x, y, wx + 50.0, 75.0, 46.0, 51.0, 0.0),
            |_, y| {
                if y > 100.0 {
                    [0.55, 0.72, 0.45]
                } else {
                    lerp(sky_top, [0.9, 0.95, 1.0], (y - 24.0) / 80.0)
                }
            },
            1.0,
            1.0,
        );
        c.solid(
            bb(wx, 22.0, wx + 100.0, 128.0),
            |x, y| {
                sd_rbox(x, y, wx + 50.0, 75.0, 1.5, 51.0, 0.0).min(sd_rbox(
                    x,
                    y,
                    wx + 50.0,
                    75.0,
                    46.0,
                    1.5,
                    0.0,
                ))
            },
            [0.96, 0.96, 0.94],
        );
        // The plant on the right.
        let (px, leaf) = (276.0 + self.jit(1, -8.0, 8.0), hsv(120.0, 0.5, 0.45));
        for &(dx, dy, rx, ry) in &[
            (-14.0, -62.0, 9.0, 22.0),
            (12.0, -66.0, 9.0, 24.0),
            (0.0, -80.0, 8.0, 22.0),
            (-24.0, -40.0, 12.0, 7.0),
            (22.0, -44.0, 12.0, 7.0),
        ] {
            c.solid(
                bb(
                    px + dx - rx - 2.0,
                    table_y + dy - ry - 2.0,
                    px + dx + rx + 2.0,
                    table_y + dy + ry + 2.0,
                ),
                |x, y| sd_ellipse(x, y, px + dx, table_y + dy, rx, ry),
                leaf,
            );
        }
        c.solid(
            bb(px - 20.0, table_y - 36.0, px + 20.0, table_y + 1.0),
            |x, y| {
                sd_polygon(
                    x,
                    y,
                    &[
                        (px - 16.0, table_y - 34.0),
                        (px + 16.0, table_y - 34.0),
                        (px + 11.0, table_y),
                        (px - 11.0, table_y),
                    ],
                )
            },
            hsv(15.0, 0.55, 0.7),
        );
        // The table.
        let wood = hsv(30.0, 0.45, 0.6);
        c.fill(
            bb(0.0, table_y, 320.0, 240.0),
            |_, y| table_y - y,
            |x, y| {
                scale(
                    wood,
                    1.0 - 0.25 * (y - table_y) / 72.0 + 0.04 * tri(x / 31.0 + y / 50.0),
                )
            },
            1.0,
            1.0,
        );
        let cx = 178.0 + self.jit(2, -12.0, 12.0);
        contact_shadow(c, cx + 4.0, table_y + 4.0, 36.0, 5.0, 0.4);
        draw_product(
            c,
            self.product,
            cx,
            table_y + 4.0,
            112.0,
            self.main(),
            self.accent(),
        );
    }

    fn ai_shadows(&self, c: &mut Canvas) {
        // White, a light low on the left, and a long soft shadow cast to the right.
        c.shade(|_, y| {
            if y < 150.0 {
                [0.985, 0.985, 0.985]
            } else {
                scale([0.985, 0.985, 0.985], 1.0 - 0.06 * (y - 150.0) / 90.0)
            }
        });
        let cx = 96.0 + self.jit(0, -10.0, 10.0);
        let floor = 190.0;
        let size = 120.0;
        let (shear, squash) = (0.9 + self.jit(1, 0.0, 0.3), 0.5);
        let product = self.product;
        // Cast shadow: the product's silhouette laid on the floor, darker near the product.
        c.fill(
            bb(cx - 50.0, floor - size * squash - 10.0, 320.0, floor + 10.0),
            |x, y| {
                let h = (floor - y) / squash;
                product_sd(product, x - h * shear, floor - h, cx, floor, size) * squash
            },
            |x, _| {
                let k = ((x - cx) / 220.0).clamp(0.0, 1.0);
                scale([0.985, 0.985, 0.985], 0.5 + 0.35 * k)
            },
            1.0,
            4.0,
        );
        contact_shadow(c, cx, floor, 40.0, 4.0, 0.5);
        draw_product(c, product, cx, floor, size, self.main(), self.accent());
        // The light: a sun-like lamp at the top left with rays.
        let (lx, ly) = (26.0, 30.0);
        let lamp = hsv(45.0, 0.75, 1.0);
        c.solid(
            bb(lx - 14.0, ly - 14.0, lx + 14.0, ly + 14.0),
            |x, y| sd_circle(x, y, lx, ly, 10.0),
            lamp,
        );
        let rays = [
            (1.0, 0.0),
            (0.7, 0.7),
            (0.0, 1.0),
            (-0.7, 0.7),
            (-1.0, 0.0),
            (-0.7, -0.7),
            (0.0, -1.0),
            (0.7, -0.7),
        ];
        for (dx, dy) in rays {
            c.solid(
                bb(lx - 26.0, ly - 26.0, lx + 26.0, ly + 26.0),
                |x, y| {
                    sd_capsule(
                        x,
                        y,
                        lx + dx * 15.0,
                        ly + dy * 15.0,
                        lx + dx * 21.0,
                        ly + dy * 21.0,
                        1.8,
                    )
                },
                lamp,
            );
        }
    }

    fn image_enhancer(&self, c: &mut Canvas) {
        // The same picture twice: pixelated and dull on the left, sharp on the right.
        let wall = self.hue + 35.0;
        studio_backdrop(c, hsv(wall, 0.12, 0.96), hsv(wall, 0.3, 0.72), 160.0);
        let cx = 160.0 + self.jit(0, -8.0, 8.0);
        contact_shadow(c, cx + 3.0, 196.0, 50.0, 6.0, 0.4);
        draw_product(
            c,
            self.product,
            cx,
            196.0,
            150.0,
            self.main(),
            self.accent(),
        );
        let split = 160.0 + self.jit(1, -10.0, 10.0);
        c.pixelate(split, 12.0, 0.45);
        c.solid(
            bb(split - 2.0, 0.0, split + 2.0, 240.0),
            |x, _| (x - split).abs() - 1.2,
            WHITE,
        );
        c.solid(
            bb(split - 14.0, 106.0, split + 14.0, 134.0),
            |x, y| sd_circle(x, y, split, 120.0, 11.0),
            WHITE,
        );
        for s in [-1.0f32, 1.0] {
            c.solid(
                bb(split - 10.0, 112.0, split + 10.0, 128.0),
                |x, y| {
                    sd_polygon(
                        x,
                        y,
                        &[
                            (split + s * 2.0, 115.0),
                            (split + s * 7.0, 120.0),
                            (split + s * 2.0, 125.0),
                        ],
                    )
                },
                INK,
            );
        }
        // "HD" badge in the sharp half.
        c.solid(
            bb(262.0, 10.0, 310.0, 38.0),
            |x, y| sd_rbox(x, y, 286.0, 24.0, 22.0, 12.0, 4.0),
            INK,
        );
        draw_text(
            c,
            286.0 - text_width("HD", 2.0) / 2.0,
            17.0,
            2.0,
            "HD",
            WHITE,
        );
    }

    fn ai_expand(&self, c: &mut Canvas) {
        // An outdoor scene wider than the original: the original framed in the middle, the
        // generated surroundings lighter, arrows pushing the edges out.
        let sky = hsv(self.hue + 190.0, 0.35, 0.95);
        let ground = hsv(90.0 + 30.0 * self.j[0], 0.45, 0.62);
        let horizon = 150.0;
        c.shade(|x, y| {
            if y < horizon {
                lerp(sky, WHITE, y / 300.0)
            } else {
                scale(
                    ground,
                    1.0 - 0.2 * (y - horizon) / 90.0 + 0.03 * tri(x / 13.0),
                )
            }
        });
        for &(hx, r) in &[(40.0, 40.0), (290.0, 52.0)] {
            c.solid(
                bb(hx - r, horizon - r, hx + r, horizon + 1.0),
                |x, y| sd_circle(x, y, hx, horizon, r).max(y - horizon),
                scale(ground, 0.85),
            );
        }
        let cx = 160.0 + self.jit(1, -6.0, 6.0);
        contact_shadow(c, cx + 3.0, 170.0, 32.0, 5.0, 0.4);
        draw_product(
            c,
            self.product,
            cx,
            170.0,
            100.0,
            self.main(),
            self.accent(),
        );
        let (x0, y0, x1, y1) = (92.0, 54.0, 228.0, 186.0);
        let (mx, my, hw, hh) = (
            (x0 + x1) / 2.0,
            (y0 + y1) / 2.0,
            (x1 - x0) / 2.0,
            (y1 - y0) / 2.0,
        );
        c.fill(
            bb(0.0, 0.0, 320.0, 240.0),
            |x, y| -sd_rbox(x, y, mx, my, hw, hh, 0.0),
            |_, _| WHITE,
            0.35,
            1.0,
        );
        c.fill(
            bb(x0 - 3.0, y0 - 3.0, x1 + 3.0, y1 + 3.0),
            |x, y| {
                (sd_rbox(x, y, mx, my, hw, hh, 0.0).abs() - 1.3).max(if tri((x + y) / 12.0) > 0.5 {
                    -1.0
                } else {
                    1.0
                })
            },
            |_, _| INK,
            1.0,
            1.0,
        );
        let arrow = [0.2, 0.22, 0.3];
        let arrows: [[(f32, f32); 3]; 4] = [
            [
                (x0 - 12.0, my - 9.0),
                (x0 - 30.0, my),
                (x0 - 12.0, my + 9.0),
            ],
            [
                (x1 + 12.0, my - 9.0),
                (x1 + 30.0, my),
                (x1 + 12.0, my + 9.0),
            ],
            [(mx - 9.0, y0 - 8.0), (mx, y0 - 24.0), (mx + 9.0, y0 - 8.0)],
            [(mx - 9.0, y1 + 8.0), (mx, y1 + 24.0), (mx + 9.0, y1 + 8.0)],
        ];
        for tri_pts in arrows {
            c.solid(
                bb(0.0, 0.0, 320.0, 240.0).around(&tri_pts),
                |x, y| sd_polygon(x, y, &tri_pts),
                arrow,
            );
        }
    }

    fn retouch(&self, c: &mut Canvas) {
        // A close-up portrait: blemishes on one cheek, smooth skin on the other, and the brush.
        let bg_a = hsv(self.hue + 180.0, 0.25, 0.85);
        let bg_b = hsv(self.hue + 180.0, 0.4, 0.55);
        c.shade(|x, y| {
            let dx = (x - 160.0) / 200.0;
            let dy = (y - 90.0) / 160.0;
            lerp(bg_a, bg_b, (dx * dx + dy * dy).sqrt().min(1.0))
        });
        let cx = 160.0 + self.jit(0, -14.0, 14.0);
        let skins = [[0.96, 0.80, 0.69], [0.87, 0.67, 0.52], [0.7, 0.5, 0.37]];
        let skin = skins[(self.j[1] * 3.0) as usize % 3];
        let hair = hsv(25.0 + 20.0 * self.j[2], 0.6, 0.2 + 0.25 * self.j[3]);
        // Hair behind, shoulders, neck, face.
        c.solid(
            bb(cx - 70.0, 4.0, cx + 70.0, 170.0),
            |x, y| sd_ellipse(x, y, cx, 84.0, 62.0, 78.0),
            hair,
        );
        c.solid(
            bb(0.0, 170.0, 320.0, 240.0),
            |x, y| sd_ellipse(x, y, cx, 250.0, 120.0, 60.0),
            self.main(),
        );
        c.solid(
            bb(cx - 24.0, 120.0, cx + 24.0, 200.0),
            |x, y| sd_rbox(x, y, cx, 170.0, 20.0, 30.0, 6.0),
            scale(skin, 0.88),
        );
        c.fill(
            bb(cx - 52.0, 22.0, cx + 52.0, 168.0),
            |x, y| sd_ellipse(x, y, cx, 94.0, 46.0, 62.0),
            |x, _| scale(skin, 1.03 - 0.1 * (x - cx + 46.0) / 92.0),
            1.0,
            1.0,
        );
        // Fringe.
        c.solid(
            bb(cx - 52.0, 20.0, cx + 52.0, 70.0),
            |x, y| sd_ellipse(x, y, cx + 6.0, 38.0, 50.0, 24.0).max(y - 56.0 + 0.2 * (x - cx)),
            hair,
        );
        // Eyes, brows, nose, mouth.
        for s in [-1.0f32, 1.0] {
            let ex = cx + s * 19.0;
            c.solid(
                bb(ex - 9.0, 84.0, ex + 9.0, 98.0),
                |x, y| sd_ellipse(x, y, ex, 91.0, 7.0, 4.0),
                WHITE,
            );
            c.solid(
                bb(ex - 5.0, 86.0, ex + 5.0, 96.0),
                |x, y| sd_circle(x, y, ex, 91.0, 3.2),
                [0.2, 0.15, 0.12],
            );
            c.solid(
                bb(ex - 11.0, 74.0, ex + 11.0, 82.0),
                |x, y| sd_capsule(x, y, ex - 8.0, 79.0, ex + 8.0, 77.0, 1.8),
                hair,
            );
        }
        c.solid(
            bb(cx - 6.0, 96.0, cx + 6.0, 118.0),
            |x, y| sd_capsule(x, y, cx, 100.0, cx + 2.0, 114.0, 1.5),
            scale(skin, 0.8),
        );
        c.solid(
            bb(cx - 16.0, 124.0, cx + 16.0, 138.0),
            |x, y| sd_ellipse(x, y, cx, 131.0, 12.0, 4.5),
            [0.78, 0.32, 0.36],
        );
        // Blemishes on the left cheek.
        for k in 0..6 {
            let bx = cx - 34.0 + 16.0 * (mix64(k) % 100) as f32 / 100.0;
            let by = 104.0 + 22.0 * (mix64(k + 50) % 100) as f32 / 100.0;
            c.solid(
                bb(bx - 3.0, by - 3.0, bx + 3.0, by + 3.0),
                |x, y| sd_circle(x, y, bx, by, 1.6),
                scale(skin, 0.62),
            );
        }
        // The brush on the right cheek: a ring with a soft inside, and its tool.
        let (rx, ry) = (cx + 30.0, 112.0);
        c.fill(
            bb(rx - 16.0, ry - 16.0, rx + 16.0, ry + 16.0),
            |x, y| sd_circle(x, y, rx, ry, 12.0),
            |_, _| WHITE,
            0.25,
            1.0,
        );
        c.solid(
            bb(rx - 16.0, ry - 16.0, rx + 16.0, ry + 16.0),
            |x, y| sd_circle(x, y, rx, ry, 13.0).abs() - 1.0,
            WHITE,
        );
        c.solid(
            bb(rx - 16.0, ry - 16.0, rx + 16.0, ry + 16.0),
            |x, y| sd_circle(x, y, rx, ry, 14.6).abs() - 0.6,
            INK,
        );
        c.solid(
            bb(rx - 6.0, ry - 6.0, rx + 6.0, ry + 6.0),
            |x, y| {
                sd_capsule(x, y, rx - 4.0, ry, rx + 4.0, ry, 0.6).min(sd_capsule(
                    x,
                    y,
                    rx,
                    ry - 4.0,
                    rx,
                    ry + 4.0,
                    0.6,
                ))
            },
            INK,
        );
        // The retouching panel: a brush icon and the brush-size slider.
        let panel = [0.97, 0.97, 0.98];
        c.solid(
            bb(6.0, 6.0, 66.0, 96.0),
            |x, y| sd_rbox(x, y, 36.0, 51.0, 28.0, 43.0, 6.0),
            panel,
        );
        let brush = hsv(self.hue + 180.0, 0.6, 0.6);
        c.solid(
            bb(14.0, 12.0, 58.0, 50.0),
            |x, y| sd_capsule(x, y, 48.0, 18.0, 32.0, 34.0, 2.5),
            [0.55, 0.38, 0.25],
        );
        c.solid(
            bb(14.0, 12.0, 58.0, 50.0),
            |x, y| sd_capsule(x, y, 32.0, 34.0, 29.0, 37.0, 3.2),
            [0.7, 0.7, 0.74],
        );
        c.solid(
            bb(14.0, 12.0, 58.0, 50.0),
            |x, y| sd_ellipse(x, y, 24.0, 42.0, 6.0, 4.0),
            brush,
        );
        c.solid(
            bb(12.0, 56.0, 60.0, 90.0),
            |x, y| sd_rbox(x, y, 36.0, 72.0, 20.0, 1.5, 1.5),
            [0.7, 0.7, 0.74],
        );
        c.solid(
            bb(12.0, 56.0, 60.0, 90.0),
            |x, y| sd_circle(x, y, 30.0, 72.0, 5.0),
            brush,
        );
        c.solid(
            bb(12.0, 76.0, 60.0, 92.0),
            |x, y| sd_rbox(x, y, 27.0, 84.0, 11.0, 1.5, 1.5),
            brush,
        );
    }

    fn studio_shot(&self, c: &mut Canvas) {
        // A studio sweep between two softboxes on stands.
        let wall = self.hue + 35.0;
        studio_backdrop(c, hsv(wall, 0.05, 0.98), hsv(wall, 0.15, 0.84), 160.0);
        let cx = 160.0 + self.jit(0, -16.0, 16.0);
        contact_shadow(c, cx + 3.0, 196.0, 44.0, 6.0, 0.45);
        draw_product(
            c,
            self.product,
            cx,
            196.0,
            130.0 + self.jit(1, -10.0, 10.0),
            self.main(),
            self.accent(),
        );
        for s in [-1.0f32, 1.0] {
            let lx = 160.0 + s * 128.0;
            let stand = [0.18, 0.18, 0.2];
            c.solid(
                bb(lx - 20.0, 70.0, lx + 20.0, 226.0),
                |x, y| {
                    sd_capsule(x, y, lx, 80.0, lx, 200.0, 1.6)
                        .min(sd_capsule(x, y, lx, 200.0, lx - 16.0, 222.0, 1.6))
                        .min(sd_capsule(x, y, lx, 200.0, lx + 16.0, 222.0, 1.6))
                },
                stand,
            );
            let face = [
                (lx - s * 6.0, 26.0),
                (lx + s * 24.0, 16.0),
                (lx + s * 24.0, 104.0),
                (lx - s * 6.0, 94.0),
            ];
            let back = [
                (lx - s * 6.0, 26.0),
                (lx - s * 26.0, 46.0),
                (lx - s * 26.0, 74.0),
                (lx - s * 6.0, 94.0),
            ];
            c.solid(
                bb(lx - 30.0, 12.0, lx + 30.0, 108.0),
                |x, y| sd_polygon(x, y, &back) - 1.0,
                [0.12, 0.12, 0.14],
            );
            c.solid(
                bb(lx - 30.0, 12.0, lx + 30.0, 108.0),
                |x, y| sd_polygon(x, y, &face) - 1.5,
                [0.2, 0.2, 0.22],
            );
            c.solid(
                bb(lx - 30.0, 12.0, lx + 30.0, 108.0),
                |x, y| sd_polygon(x, y, &face) + 2.5,
                [1.0, 1.0, 0.97],
            );
        }
    }
}

// ---- drawing helpers --------------------------------------------------------------------

/// A box in design units: `x0, y0, x1, y1`.
#[derive(Debug, Clone, Copy)]
struct Bb([f32; 4]);

fn bb(x0: f32, y0: f32, x1: f32, y1: f32) -> Bb {
    Bb([x0, y0, x1, y1])
}

impl Bb {
    /// The box around `points`, ignoring `self`.
    fn around(self, points: &[(f32, f32)]) -> Bb {
        let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for &(x, y) in points {
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
        Bb(b)
    }
}

/// A picture being drawn: linear-ish RGB in `[0, 1]`, addressed in design units.
struct Canvas {
    w: usize,
    h: usize,
    /// Pixels per design unit.
    s: f32,
    px: Vec<Colour>,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Canvas {
        let (w, h) = (width as usize, height as usize);
        Canvas {
            w,
            h,
            s: (width as f32 / DESIGN_W).min(height as f32 / DESIGN_H),
            px: vec![WHITE; w * h],
        }
    }

    /// Paints every pixel with `f(x, y)` at its centre.
    fn shade(&mut self, f: impl Fn(f32, f32) -> Colour) {
        let s = self.s;
        for (i, p) in self.px.iter_mut().enumerate() {
            let (x, y) = ((i % self.w) as f32 + 0.5, (i / self.w) as f32 + 0.5);
            *p = f(x / s, y / s);
        }
    }

    /// Fills where `sd < 0` (a signed distance in design units) inside `area`, with `paint`,
    /// at opacity `alpha`, the edge blurred over `soft` pixels (1 is a crisp anti-aliased edge).
    fn fill(
        &mut self,
        area: Bb,
        sd: impl Fn(f32, f32) -> f32,
        paint: impl Fn(f32, f32) -> Colour,
        alpha: f32,
        soft: f32,
    ) {
        let s = self.s;
        let [x0, y0, x1, y1] = area.0;
        let pad = soft / s + 1.0;
        let px0 = (((x0 - pad) * s).floor().max(0.0)) as usize;
        let py0 = (((y0 - pad) * s).floor().max(0.0)) as usize;
        let px1 = (((x1 + pad) * s).ceil().max(0.0) as usize).min(self.w);
        let py1 = (((y1 + pad) * s).ceil().max(0.0) as usize).min(self.h);
        for py in py0..py1 {
            for pxl in px0..px1 {
                let (x, y) = ((pxl as f32 + 0.5) / s, (py as f32 + 0.5) / s);
                let d = sd(x, y) * s;
                let cover = (0.5 - d / soft).clamp(0.0, 1.0) * alpha;
                if cover > 0.0 {
                    let i = py * self.w + pxl;
                    if let Some(p) = self.px.get_mut(i) {
                        *p = lerp(*p, paint(x, y), cover);
                    }
                }
            }
        }
    }

    fn solid(&mut self, area: Bb, sd: impl Fn(f32, f32) -> f32, colour: Colour) {
        self.fill(area, sd, |_, _| colour, 1.0, 1.0);
    }

    /// Left of `split` (design units): averaged over blocks of `block` design units and washed
    /// out towards grey by `dull`.
    fn pixelate(&mut self, split: f32, block: f32, dull: f32) {
        let bs = ((block * self.s) as usize).max(1);
        let limit = ((split * self.s) as usize).min(self.w);
        for by in (0..self.h).step_by(bs) {
            for bx in (0..limit).step_by(bs) {
                let (xe, ye) = ((bx + bs).min(limit), (by + bs).min(self.h));
                let mut sum = [0.0f32; 3];
                let mut n = 0.0f32;
                for y in by..ye {
                    for x in bx..xe {
                        if let Some(p) = self.px.get(y * self.w + x) {
                            sum = [sum[0] + p[0], sum[1] + p[1], sum[2] + p[2]];
                            n += 1.0;
                        }
                    }
                }
                let avg = scale(sum, 1.0 / n.max(1.0));
                let grey = (avg[0] + avg[1] + avg[2]) / 3.0;
                let c = lerp(avg, [grey; 3], dull);
                for y in by..ye {
                    for x in bx..xe {
                        if let Some(p) = self.px.get_mut(y * self.w + x) {
                            *p = c;
                        }
                    }
                }
            }
        }
    }

    /// To 8-bit pixels, with a faint film grain (±1.5 levels) from a hash of the position.
    fn finish(self, grain_seed: u64) -> RgbImage {
        let mut img = RgbImage::new(self.w as u32, self.h as u32);
        for (i, px) in img.pixels_mut().enumerate() {
            let c = self.px.get(i).copied().unwrap_or(WHITE);
            let (x, y) = ((i % self.w) as u64, (i / self.w) as u64);
            let g = mix64(grain_seed ^ ((y << 20) | x));
            let grain = ((g >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 3.0 / 255.0;
            *px = Rgb([
                to_u8(c[0] + grain),
                to_u8(c[1] + grain),
                to_u8(c[2] + grain),
            ]);
        }
        img
    }
}

/// A wall with a vertical gradient meeting a floor at `horizon`, with the soft bright line of a
/// studio sweep's cove.
fn studio_backdrop(c: &mut Canvas, top: Colour, bottom: Colour, horizon: f32) {
    let floor_far = scale(bottom, 0.92);
    let floor_near = lerp(bottom, WHITE, 0.5);
    c.shade(|_, y| {
        if y < horizon {
            lerp(top, bottom, y / horizon)
        } else {
            let t = (y - horizon) / (DESIGN_H - horizon).max(1.0);
            let cove = 0.05 * (1.0 - smoothstep(0.0, 0.08, t));
            let f = lerp(floor_far, floor_near, t.sqrt());
            [f[0] + cove, f[1] + cove, f[2] + cove]
        }
    });
}

/// A soft elliptic shadow on the floor.
fn contact_shadow(c: &mut Canvas, x: f32, y: f32, rx: f32, ry: f32, strength: f32) {
    if strength <= 0.0 {
        return;
    }
    c.fill(
        bb(x - rx * 1.3, y - ry * 2.0, x + rx * 1.3, y + ry * 2.0),
        |px, py| sd_ellipse(px, py, x, y, rx, ry),
        |_, _| [0.0; 3],
        strength,
        6.0,
    );
}

/// A product standing with its base at `(cx, base)`, `size` tall.
fn draw_product(
    c: &mut Canvas,
    kind: Product,
    cx: f32,
    base: f32,
    size: f32,
    body: Colour,
    accent: Colour,
) {
    c.fill(
        bb(
            cx - size * 0.45,
            base - size * 1.02,
            cx + size * 0.45,
            base + 1.0,
        ),
        |x, y| product_sd(kind, x, y, cx, base, size),
        |x, y| product_paint(kind, x, y, cx, base, size, body, accent),
        1.0,
        1.0,
    );
}

/// The product's silhouette: `u = (x - cx) / size`, `v = (y - base) / size` in `[-1, 0]`.
fn product_sd(kind: Product, x: f32, y: f32, cx: f32, base: f32, size: f32) -> f32 {
    let (u, v) = ((x - cx) / size, (y - base) / size);
    let d = match kind {
        Product::Bottle => sd_rbox(u, v, 0.0, -0.32, 0.2, 0.32, 0.06)
            .min(sd_ellipse(u, v, 0.0, -0.6, 0.2, 0.12))
            .min(sd_rbox(u, v, 0.0, -0.78, 0.075, 0.14, 0.02))
            .min(sd_rbox(u, v, 0.0, -0.93, 0.095, 0.07, 0.02)),
        Product::Box => sd_rbox(u, v, 0.0, -0.4, 0.3, 0.4, 0.03),
        Product::Jar => sd_rbox(u, v, 0.0, -0.3, 0.28, 0.3, 0.06)
            .min(sd_rbox(u, v, 0.0, -0.64, 0.3, 0.06, 0.02)),
        Product::Bag => {
            let body = sd_polygon(
                u,
                v,
                &[(-0.28, -0.62), (0.28, -0.62), (0.36, 0.0), (-0.36, 0.0)],
            );
            let handle = (sd_circle(u, v, 0.0, -0.62, 0.17).abs() - 0.025).max(v + 0.62);
            body.min(handle)
        }
    };
    d * size
}

/// The product's colour at `(x, y)`: body, a label band in the accent colour, a darker cap or
/// lid, lit from the top left with a vertical highlight.
#[allow(clippy::too_many_arguments)]
fn product_paint(
    kind: Product,
    x: f32,
    y: f32,
    cx: f32,
    base: f32,
    size: f32,
    body: Colour,
    accent: Colour,
) -> Colour {
    let (u, v) = ((x - cx) / size, (y - base) / size);
    let half = match kind {
        Product::Bottle => 0.2,
        Product::Box => 0.3,
        Product::Jar => 0.28,
        Product::Bag => 0.32,
    };
    let c = match kind {
        Product::Bottle if v < -0.86 => scale(body, 0.45),
        Product::Bottle if (-0.42..=-0.18).contains(&v) => accent,
        Product::Box if (-0.5..=-0.28).contains(&v) => accent,
        Product::Jar if v < -0.58 => scale(accent, 0.55),
        Product::Jar if (-0.42..=-0.16).contains(&v) => accent,
        Product::Bag if (-0.4..=-0.26).contains(&v) || v < -0.62 => accent,
        _ => body,
    };
    lit(c, u / half, v)
}

/// Key light from the top left: `u` in `[-1, 1]` across the object, `v` downwards.
fn lit(c: Colour, u: f32, v: f32) -> Colour {
    let light = 1.1 - 0.16 * (u + 1.0) - 0.05 * v.clamp(-1.0, 1.0);
    let spec = 0.22 * (1.0 - smoothstep(0.05, 0.2, (u + 0.5).abs()));
    lerp(scale(c, light), WHITE, spec)
}

/// A four-pointed star.
fn sparkle(c: &mut Canvas, x: f32, y: f32, r: f32, colour: Colour) {
    let thin = r * 0.22;
    c.solid(
        bb(x - r, y - r, x + r, y + r),
        |px, py| {
            let (dx, dy) = ((px - x).abs(), (py - y).abs());
            let a = (dx / thin + dy / r - 1.0) * thin;
            let b = (dx / r + dy / thin - 1.0) * thin;
            a.min(b)
        },
        colour,
    );
}

/// Width of `text` drawn with `cell`-sized cells (glyphs 5 cells wide, 1 cell apart).
fn text_width(text: &str, cell: f32) -> f32 {
    let n = text.chars().count() as f32;
    (n * (font::GLYPH_WIDTH as f32 + 1.0) - 1.0).max(0.0) * cell
}

/// Draws `text` in the built-in font, its top left at `(x, y)`, each font cell `cell` units.
fn draw_text(c: &mut Canvas, x: f32, y: f32, cell: f32, text: &str, colour: Colour) {
    let advance = (font::GLYPH_WIDTH as f32 + 1.0) * cell;
    for (k, ch) in text.chars().enumerate() {
        let gx = x + k as f32 * advance;
        let (w, h) = (
            font::GLYPH_WIDTH as f32 * cell,
            font::GLYPH_HEIGHT as f32 * cell,
        );
        // One shape per glyph, with no seams between its cells: inside an inked cell, minus the
        // distance to the nearest blank cell around it; outside, the distance to the nearest
        // inked one (only the 3×3 cells around the point can be nearest within a cell).
        let inked = |cx: i32, cy: i32| cx >= 0 && cy >= 0 && font::inked(ch, cx as u32, cy as u32);
        let sd = |px: f32, py: f32| {
            let (iu, iv) = (
                ((px - gx) / cell).floor() as i32,
                ((py - y) / cell).floor() as i32,
            );
            let own = inked(iu, iv);
            let mut d = f32::MAX;
            for cy in iv - 1..=iv + 1 {
                for cx in iu - 1..=iu + 1 {
                    if inked(cx, cy) != own {
                        let (mx, my) =
                            (gx + (cx as f32 + 0.5) * cell, y + (cy as f32 + 0.5) * cell);
                        d = d.min(sd_rbox(px, py, mx, my, cell * 0.5, cell * 0.5, 0.0));
                    }
                }
            }
            if own { -d } else { d }
        };
        c.solid(bb(gx, y, gx + w, y + h), sd, colour);
    }
}

/// The outline of a T-shirt centred at `(cx, cy)`, `sz` its half height: a body, two short
/// sleeves spread out, a round neck.
fn sd_tshirt(x: f32, y: f32, cx: f32, cy: f32, sz: f32) -> f32 {
    let (u, v) = ((x - cx) / sz, (y - cy) / sz);
    let body = sd_polygon(
        u,
        v,
        &[
            (-0.2, -0.62),
            (0.2, -0.62),
            (0.56, -0.5),
            (0.92, -0.12),
            (0.7, 0.08),
            (0.5, -0.1),
            (0.5, 0.62),
            (-0.5, 0.62),
            (-0.5, -0.1),
            (-0.7, 0.08),
            (-0.92, -0.12),
            (-0.56, -0.5),
        ],
    ) - 0.02;
    let neck = sd_ellipse(u, v, 0.0, -0.64, 0.2, 0.12);
    body.max(-neck) * sz
}

// ---- signed distances, in the units of their arguments -----------------------------------

fn sd_circle(x: f32, y: f32, cx: f32, cy: f32, r: f32) -> f32 {
    ((x - cx) * (x - cx) + (y - cy) * (y - cy)).sqrt() - r
}

/// An ellipse, approximately (exact on the axes; good enough for anti-aliasing).
fn sd_ellipse(x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> f32 {
    let (u, v) = ((x - cx) / rx, (y - cy) / ry);
    ((u * u + v * v).sqrt() - 1.0) * rx.min(ry)
}

/// A box centred at `(cx, cy)` with half sizes `hw, hh` and corner radius `r`.
fn sd_rbox(x: f32, y: f32, cx: f32, cy: f32, hw: f32, hh: f32, r: f32) -> f32 {
    let qx = (x - cx).abs() - (hw - r);
    let qy = (y - cy).abs() - (hh - r);
    let (ox, oy) = (qx.max(0.0), qy.max(0.0));
    (ox * ox + oy * oy).sqrt() + qx.max(qy).min(0.0) - r
}

/// A segment from `a` to `b` with round ends, `r` thick on each side.
fn sd_capsule(x: f32, y: f32, ax: f32, ay: f32, bx: f32, by: f32, r: f32) -> f32 {
    let (px, py, ex, ey) = (x - ax, y - ay, bx - ax, by - ay);
    let len2 = (ex * ex + ey * ey).max(1e-12);
    let t = ((px * ex + py * ey) / len2).clamp(0.0, 1.0);
    let (dx, dy) = (px - ex * t, py - ey * t);
    (dx * dx + dy * dy).sqrt() - r
}

/// A closed polygon (any simple polygon), exact.
fn sd_polygon(x: f32, y: f32, v: &[(f32, f32)]) -> f32 {
    let Some(&(fx, fy)) = v.first() else {
        return f32::MAX;
    };
    let mut d = (x - fx) * (x - fx) + (y - fy) * (y - fy);
    let mut sign = 1.0f32;
    let mut j = v.len() - 1;
    for i in 0..v.len() {
        let (vi, vj) = (v[i], v[j]);
        let (ex, ey) = (vj.0 - vi.0, vj.1 - vi.1);
        let (wx, wy) = (x - vi.0, y - vi.1);
        let t = ((wx * ex + wy * ey) / (ex * ex + ey * ey).max(1e-12)).clamp(0.0, 1.0);
        let (bx, by) = (wx - ex * t, wy - ey * t);
        d = d.min(bx * bx + by * by);
        let c1 = y >= vi.1;
        let c2 = y < vj.1;
        let c3 = ex * wy > ey * wx;
        if (c1 && c2 && c3) || (!c1 && !c2 && !c3) {
            sign = -sign;
        }
        j = i;
    }
    sign * d.sqrt()
}

/// A triangle wave: 0 at integers, 1 halfway between.
fn tri(x: f32) -> f32 {
    2.0 * (x - x.floor() - 0.5).abs()
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
    fn distances_have_the_right_sign() {
        assert!(
            sd_circle(0.0, 0.0, 0.0, 0.0, 1.0) < 0.0,
            "circle centre inside"
        );
        assert!(sd_circle(2.0, 0.0, 0.0, 0.0, 1.0) > 0.0, "circle outside");
        assert!(
            sd_rbox(0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.2) < 0.0,
            "box centre inside"
        );
        assert!(
            sd_rbox(0.99, 0.99, 0.0, 0.0, 1.0, 1.0, 0.2) > 0.0,
            "rounded corner outside"
        );
        let square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        assert!(
            (sd_polygon(0.5, 0.5, &square) + 0.5).abs() < 1e-6,
            "polygon centre 0.5 inside"
        );
        assert!(
            (sd_polygon(2.0, 0.5, &square) - 1.0).abs() < 1e-6,
            "polygon 1 outside"
        );
        assert!(
            sd_tshirt(0.0, 0.0, 0.0, 0.0, 1.0) < 0.0,
            "shirt body inside"
        );
        assert!(
            sd_tshirt(0.0, -0.6, 0.0, 0.0, 1.0) > 0.0,
            "shirt neck cut out"
        );
        assert!(
            sd_tshirt(0.8, -0.1, 0.0, 0.0, 1.0) < 0.0,
            "shirt sleeve inside"
        );
        for kind in Product::ALL {
            assert!(
                product_sd(kind, 0.0, -30.0, 0.0, 0.0, 100.0) < 0.0,
                "{kind:?}: centre inside"
            );
            assert!(
                product_sd(kind, 60.0, -30.0, 0.0, 0.0, 100.0) > 0.0,
                "{kind:?}: side outside"
            );
        }
    }

    #[test]
    fn the_font_draws_letters_and_leaves_unknown_characters_blank() {
        assert!(font::inked('T', 2, 6), "T's stem reaches the bottom");
        assert!(!font::inked('T', 0, 6), "T has no foot");
        assert_eq!(
            font::glyph('a'),
            font::glyph('A'),
            "lower case drawn as capitals"
        );
        assert_eq!(font::glyph('~'), [0; 7], "unknown characters are blank");
        assert!(
            (text_width("AB", 1.0) - 11.0).abs() < 1e-6,
            "two glyphs and a gap"
        );
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
    fn every_feature_has_its_own_scene_and_the_seed_varies_it() {
        for &feature in Feature::ALL {
            let a = Scene::new(feature, 1);
            let b = Scene::new(feature, 2);
            assert_eq!(a.feature, feature, "{feature}: scene for the wrong feature");
            assert!(
                a.j != b.j || a.hue != b.hue,
                "{feature}: seeds 1 and 2 draw the same scene"
            );
        }
    }
}

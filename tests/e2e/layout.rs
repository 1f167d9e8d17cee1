//! What a screen looks like, measured in the page: the viewport's size, whether anything the
//! user needs sticks out of the window sideways, where an element sits, and which text is too
//! faint to read against what is behind it (WCAG 2 contrast, as the browser computed the colours).

use serde_json::Value;

use crate::harness::{Ui, strings};

/// Finds the visible controls and text that reach outside the viewport sideways. An element
/// inside a horizontally scrolling container (`overflow-x: auto | scroll`) counts only if the
/// container itself sticks out: scrolling a wide table is fine, a clipped button is not. A
/// positioned element wholly outside is the visually-hidden pattern (a skip link) and is left
/// out. Answers
/// `"<tag>.<class> [testid] 'text' left..right"` for each, at most 10.
const OFF_SCREEN_SIDEWAYS: &str = r#"
const vw = document.documentElement.clientWidth;
const scrolls = e => { const o = getComputedStyle(e).overflowX; return o === 'auto' || o === 'scroll'; };
const out = [];
for (const e of document.body.querySelectorAll('*')) {
  if (e.closest('[aria-hidden="true"]')) continue;
  const hasText = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== '');
  const control = e.matches('button, a[href], input, select, textarea, [role="menuitem"], [tabindex]');
  if (!hasText && !control) continue;
  const st = getComputedStyle(e);
  if (st.visibility !== 'visible' || st.display === 'none' || Number(st.opacity) === 0) continue;
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  let box = r;
  for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    if (scrolls(a)) { box = a.getBoundingClientRect(); break; }
  }
  // Wholly outside and positioned: the visually-hidden pattern (the skip link, shown on focus).
  const hidden = (r.right <= 0 || r.left >= vw) && (st.position === 'absolute' || st.position === 'fixed');
  if (!hidden && (box.left < -1 || box.right > vw + 1)) {
    const t = (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 30);
    out.push(`${e.tagName.toLowerCase()}.${[...e.classList].join('.')} [${e.dataset.testid || ''}] '${t}' ${Math.round(box.left)}..${Math.round(box.right)} (viewport ${vw})`);
    if (out.length >= 10) break;
  }
}
return out;
"#;

/// Finds the history cards' state badges that do not read whole: text cut off sideways (wider
/// than the badge shows) or the badge reaching below its card (the card clips it). Answers
/// `"'label' on <generation> (<how>)"` for each.
const CUT_BADGES: &str = r#"
const out = [];
for (const b of document.querySelectorAll('[data-testid="state-badge"]')) {
  const card = b.closest('article');
  if (!card) continue;
  const r = b.getBoundingClientRect(), c = card.getBoundingClientRect();
  if (r.width === 0) continue;
  const how = [];
  if (b.scrollWidth > b.clientWidth + 1) how.push(`text ${b.scrollWidth} px wide in ${b.clientWidth} px`);
  if (r.bottom > c.bottom - 1) how.push(`bottom ${Math.round(r.bottom)} below the card's ${Math.round(c.bottom)}`);
  if (how.length) out.push(`'${b.textContent.trim()}' on ${card.dataset.generationId || card.getAttribute('data-testid')} (${how.join(', ')})`);
}
return out;
"#;

/// Finds the visible text whose contrast with the background behind it is below WCAG 2 AA:
/// 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold). The background is every ancestor's
/// background colour composited from the root down; text over an image or a gradient is skipped
/// (its background is not a colour), and so is disabled text (WCAG exempts it). Answers
/// `"<ratio> <tag> [testid] 'text' color on background"` for each, at most 12, worst first.
const LOW_CONTRAST_TEXT: &str = r#"
const parse = c => {
  let m = c.match(/^rgba?\(([^)]*)\)$/);
  if (m) { const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
  m = c.match(/^color\(srgb ([^)]*)\)$/);
  if (m) { const p = m[1].split(/[\s\/]+/).filter(Boolean).map(Number); return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
  return null;
};
const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
const lum = c => {
  const l = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
};
const background = e => {
  const chain = [];
  for (let a = e; a; a = a.parentElement) chain.push(a);
  let c = matchMedia('(prefers-color-scheme: dark)').matches ? [18, 18, 18, 1] : [255, 255, 255, 1];
  for (const a of chain.reverse()) {
    const st = getComputedStyle(a);
    if (st.backgroundImage !== 'none') return null;
    const b = parse(st.backgroundColor);
    if (b && b[3] > 0) c = over(b, c);
  }
  return c;
};
const found = [];
for (const e of document.body.querySelectorAll('*')) {
  const hasText = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== '')
    || (e.matches('input:not([type=checkbox]):not([type=radio]):not([type=file]), select, textarea') && e.value !== '');
  if (!hasText || e.closest('[aria-hidden="true"], :disabled, [aria-disabled="true"]')) continue;
  const st = getComputedStyle(e);
  if (st.visibility !== 'visible' || Number(st.opacity) < 1) continue;
  if (e.getClientRects().length === 0) continue;
  const bg = background(e);
  const fg = parse(st.color);
  if (!bg || !fg) continue;
  const text = over(fg, bg);
  const [hi, lo] = [lum(text), lum(bg)].sort((a, b) => b - a);
  const ratio = (hi + 0.05) / (lo + 0.05);
  const px = parseFloat(st.fontSize);
  const large = px >= 24 || (px >= 18.66 && Number(st.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) {
    const t = (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 30);
    found.push([ratio, `${ratio.toFixed(2)} ${e.tagName.toLowerCase()} [${e.dataset.testid || ''}] '${t}' ${st.color} on rgb(${bg.slice(0, 3).map(Math.round).join(', ')})`]);
  }
}
return found.sort((a, b) => a[0] - b[0]).slice(0, 12).map(f => f[1]);
"#;

/// An element's place in the viewport, in CSS pixels.
#[derive(Debug, Clone, Copy)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Ui {
    /// The viewport's size in CSS pixels (`innerWidth`, `innerHeight`).
    pub fn viewport(&self) -> (u64, u64) {
        let v = self.js("return [window.innerWidth, window.innerHeight];", vec![]);
        let n = |i: usize| v.get(i).and_then(Value::as_u64).unwrap_or(0);
        (n(0), n(1))
    }

    /// Resizes the window so the page's viewport is `width` CSS pixels wide (the window's
    /// height is `height`), and waits until the page has laid itself out at that width.
    ///
    /// Asking is idempotent, so a request the driver did not answer (a transport failure: on a
    /// busy two-core machine WebKitWebDriver has once dropped the first resize of a run) is
    /// asked again, at most three times in all; a refusal from the driver fails at once.
    pub fn resize(&self, width: u32, height: u32) {
        let mut attempt = 1;
        while let Err(e) = self.wd.set_window_size(width, height) {
            if e.error != "transport" || attempt == 3 {
                panic!(
                    "resize the window to {width}x{height} through WebDriver (attempt {attempt}): {e}"
                );
            }
            eprintln!("resize to {width}x{height}, attempt {attempt}: {e}; asking again");
            attempt += 1;
        }
        self.wait_until(&format!("the viewport to be {width} px wide"), || {
            let (w, h) = self.viewport();
            if w == u64::from(width) {
                Ok(())
            } else {
                Err(format!("the viewport is {w}x{h}"))
            }
        });
    }

    /// The visible controls and text that stick out of the viewport sideways (empty when the
    /// screen fits).
    pub fn off_screen_sideways(&self) -> Vec<String> {
        strings(&self.js(OFF_SCREEN_SIDEWAYS, vec![]))
    }

    /// The visible text below WCAG 2 AA contrast against its background (empty when all of it
    /// reads).
    pub fn low_contrast_text(&self) -> Vec<String> {
        strings(&self.js(LOW_CONTRAST_TEXT, vec![]))
    }

    /// Whether the page is in the dark colour scheme (`prefers-color-scheme: dark`).
    pub fn prefers_dark(&self) -> bool {
        self.js(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .as_bool()
        .unwrap_or(false)
    }

    /// Where the displayed element with test id `id` is.
    pub fn rect(&self, id: &str) -> Rect {
        let e = self.visible(id);
        let v = self.js(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];",
            vec![crate::webdriver::Session::arg(&e)],
        );
        let n = |i: usize| v.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
        Rect {
            left: n(0),
            top: n(1),
            right: n(2),
            bottom: n(3),
        }
    }

    /// The history cards' state badges that do not read whole (empty when all do).
    pub fn cut_badges(&self) -> Vec<String> {
        strings(&self.js(CUT_BADGES, vec![]))
    }

    /// Fails, naming them, when a history card's state badge stays cut off at this width.
    pub fn assert_badges_whole(&self, what: &str) {
        let (width, _) = self.viewport();
        self.wait_until_none(
            &format!("every state badge of {what} to read whole at {width} px"),
            "cut off",
            || self.cut_badges(),
        );
    }

    /// Fails, naming the elements, when any visible text on `what` stays below WCAG 2 AA
    /// contrast. It waits (bounded) for the page to settle first: a colour in the middle of a
    /// transition (a toast sliding in, a button's hover fade) is not what the user reads.
    pub fn assert_readable(&self, what: &str) {
        let theme = if self.prefers_dark() { "dark" } else { "light" };
        self.wait_until_none(
            &format!("every text on {what} to read in the {theme} theme (WCAG AA contrast)"),
            "below it",
            || self.low_contrast_text(),
        );
    }

    /// Fails, naming the elements, when a control or text on `what` stays outside the window
    /// sideways (after the layout settles, bounded).
    pub fn assert_fits_sideways(&self, what: &str) {
        let (width, _) = self.viewport();
        self.wait_until_none(
            &format!("{what} to fit a {width} px wide window sideways"),
            "outside",
            || self.off_screen_sideways(),
        );
    }

    /// Waits (bounded) until `find` finds nothing; on timeout fails with what it found last,
    /// under `label`.
    fn wait_until_none(&self, what: &str, label: &str, find: impl Fn() -> Vec<String>) {
        self.wait_until(what, || {
            let found = find();
            if found.is_empty() {
                Ok(())
            } else {
                Err(format!("{label}: {found:#?}"))
            }
        });
    }
}

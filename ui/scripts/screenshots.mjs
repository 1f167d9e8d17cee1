// Screenshots of the mock build for a visual check (not part of the app or its tests).
//   npm run build:mock && npx vite preview --outDir dist-mock --port 4173 &
//   node scripts/screenshots.mjs [baseUrl] [outDir]
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const base = process.argv[2] ?? "http://127.0.0.1:4173/";
const out = process.argv[3] ?? "screenshots";
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

const sizes = [["desktop", 1280, 800], ["phone", 390, 844]];
const schemes = ["light", "dark"];
const errors = [];

for (const [name, width, height] of sizes) {
  for (const scheme of schemes) {
    const ctx = await browser.newContext({ viewport: { width, height }, colorScheme: scheme, deviceScaleFactor: 1, hasTouch: name === "phone" });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => errors.push(`${name}/${scheme}: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`${name}/${scheme} console: ${m.text()}`); });
    const shot = (s) => page.screenshot({ path: `${out}/${name}-${scheme}-${s}.png` });
    await page.goto(`${base}?mock=1&qa=1`);
    await page.waitForSelector('[data-ready="true"]', { timeout: 10000 });
    await page.waitForTimeout(300);
    await shot("history");
    // The Bad result flow.
    const card = page.locator('[data-testid="history-item"][data-state="succeeded"]').first();
    await card.locator('[data-testid="item-menu-button"]').click();
    await page.waitForSelector('[data-testid="menu-bad-result"]');
    await shot("menu");
    await page.click('[data-testid="menu-bad-result"]');
    await page.waitForSelector('[data-testid="claim-eligibility"]');
    await page.fill('[data-testid="claim-details"]', "The model has three arms.");
    await shot("dialog");
    await page.click('[data-testid="claim-submit"]');
    await page.waitForTimeout(300);
    await shot("queued");
    // An ineligible one (batch editor or excluded feature).
    await page.waitForTimeout(2600);
    await shot("decided");
    for (const s of ["balance", "ledger", "sync", "qa", "settings"]) {
      await page.click(`[data-testid="nav-${s}"]`);
      await page.waitForTimeout(s === "balance" ? 700 : 300);
      await shot(s);
    }
    await ctx.close();
  }
}
// Offline generate error.
{
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${base}?mock=1&offline=1`);
  await page.waitForSelector('[data-ready="true"]');
  await page.click('[data-testid="generate-button"]');
  await page.waitForSelector('[data-testid="generate-error"]');
  await page.screenshot({ path: `${out}/desktop-light-offline.png` });
  // an ineligible report
  const card = page.locator('[data-testid="history-item"][data-state="not_refunded"]').first();
  await card.focus();
  await page.keyboard.press("Shift+F10");
  await page.keyboard.press("Enter");
  await page.waitForSelector('[data-testid="claim-eligibility"]');
  await page.screenshot({ path: `${out}/desktop-light-ineligible.png` });
  await ctx.close();
}
await browser.close();
if (errors.length) { console.log(errors.join("\n")); process.exitCode = 1; }
console.log("screenshots in", out);

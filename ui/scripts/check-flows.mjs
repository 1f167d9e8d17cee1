// A quick browser check of the keyboard/touch flows against the mock build (dev aid, not CI).
//   npm run build:mock && npx vite preview --outDir dist-mock --port 4173 &  node scripts/check-flows.mjs
import { chromium } from "playwright-core";
const base = process.argv[2] ?? "http://127.0.0.1:4173/";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const ok = (c, m) => { console.log(`${c ? "ok  " : "FAIL"} ${m}`); if (!c) process.exitCode = 1; };
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));

const t0 = Date.now();
await page.goto(`${base}?mock=1&count=10000`);
await page.waitForSelector('[data-ready="true"]');
const readyMs = Date.now() - t0;
ok(readyMs < 1000, `10,000 generations: data-ready after ${readyMs} ms`);
const cards = await page.locator('[data-testid="history-item"]').count();
ok(cards > 0 && cards <= 40, `only ${cards} cards in the DOM`);

// Keyboard: Shift+F10 on a focused card opens the menu, Escape closes it and focus returns.
const card = page.locator('[data-testid="history-item"][data-state="succeeded"]').first();
await card.focus();
await page.keyboard.press("Shift+F10");
ok(await page.locator('[role="menu"]').isVisible(), "Shift+F10 opens the menu");
ok(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")) === "menu-bad-result", "focus on Bad result");
await page.keyboard.press("ArrowDown");
ok(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")) === "menu-ledger", "ArrowDown moves");
await page.keyboard.press("Escape");
ok(!(await page.locator('[role="menu"]').count()), "Escape closes the menu");
ok(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")) === "history-item", "focus back on the card");

// Enter on ⋯ opens, Enter on Bad result opens the dialog; eligibility renders; Escape closes it.
await page.keyboard.press("Tab");
ok(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")) === "item-menu-button", "Tab reaches the ⋯ button");
await page.keyboard.press("Enter");
ok(await page.locator('[role="menu"]').isVisible(), "Enter on ⋯ opens the menu");
await page.keyboard.press("Enter");
await page.waitForSelector('[data-testid="claim-eligibility"]');
ok(await page.locator('[data-testid="claim-dialog"]').isVisible(), "dialog open");
ok((await page.getAttribute('[data-testid="claim-eligibility"]', "data-eligible")) === "true", "eligible");
ok(/closes in/.test(await page.locator('[data-testid="claim-eligibility"]').innerText()), "countdown shown");
ok((await page.locator('[data-testid="claim-submit"]').innerText()) === "Submit for refund", "submit label");
await page.fill('[data-testid="claim-details"]', "short");
await page.click('[data-testid="claim-submit"]');
ok(/more/.test(await page.locator("#claim-details-msg").innerText()), "too-short details explained");
await page.keyboard.press("Escape");
ok(!(await page.locator('[data-testid="claim-dialog"]').count()), "Escape closes the dialog");

// ContextMenu key.
await card.focus();
await page.keyboard.press("ContextMenu");
ok(await page.locator('[role="menu"]').isVisible(), "ContextMenu key opens the menu");
await page.keyboard.press("Escape");

// Right click.
await card.click({ button: "right" });
ok(await page.locator('[role="menu"]').isVisible(), "right click opens the menu");
await page.mouse.click(5, 700);
ok(!(await page.locator('[role="menu"]').count()), "click outside closes it");

// Long-press (touch pointer events).
const box = await card.boundingBox();
await page.evaluate(({ x, y }) => {
  const el = document.elementFromPoint(x, y);
  el.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, pointerType: "touch", clientX: x, clientY: y, button: 0 }));
}, { x: box.x + 60, y: box.y + 60 });
await page.waitForTimeout(300);
ok(!(await page.locator('[role="menu"]').count()), "no menu after 300 ms");
await page.waitForTimeout(300);
ok(await page.locator('[role="menu"]').isVisible(), "long-press opens the menu after ~500 ms");
await page.keyboard.press("Escape");

// Infinite scroll: scroll far, more pages load.
await page.evaluate(() => { const s = document.querySelector(".scroller"); s.scrollTop = s.scrollHeight; });
await page.waitForTimeout(500);
const label = await page.locator(".history > header span").innerText();
ok(/^(1[2-9]\d|[2-9]\d\d)\+? generations/.test(label), `infinite scroll loaded more: ${label}`);

// QA toggle in settings shows the QA nav.
await page.click('[data-testid="nav-settings"]');
ok(!(await page.locator('[data-testid="nav-qa"]').count()), "QA nav hidden while QA is off");
await page.check('[data-testid="settings-qa-toggle"]');
await page.waitForSelector('[data-testid="nav-qa"]');
ok(true, "QA nav shown once QA mode is on");
await page.click('[data-testid="nav-qa"]');
await page.fill('[data-testid="qa-clock-offset"]', "-86400");
await page.locator('[data-testid="qa-clock-offset"]').dispatchEvent("change");
await page.waitForTimeout(200);
ok(/−1 d/.test(await page.locator("text=Device clock offset").innerText()), "clock offset applied on change");

// Sync: toggle offline.
await page.click('[data-testid="nav-sync"]');
await page.uncheck('[data-testid="network-toggle"]');
await page.waitForTimeout(200);
ok(!(await page.isChecked('[data-testid="network-toggle"]')), "network off");
await page.click('[data-testid="sync-now"]');
await page.waitForSelector('[data-testid="sync-last-error"]');
ok(true, "last error shown in words");

ok(errors.length === 0, `no page errors ${errors.join("; ")}`);
await browser.close();

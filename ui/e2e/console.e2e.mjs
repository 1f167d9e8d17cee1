// End-to-end test of the operator console in a real browser (Debian's Chromium, driven by
// playwright-core) against a real endpoint (target/debug/recoup-server, sandbox, SQLite) and a
// real device (the `recoup` CLI linked to it):
//   a device reports six bad results and syncs; an operator signs in, triages the queue with the
//   keyboard (next/previous, a note, approve, reject); the device's ledger shows the refund after
//   its next sync; two operators decide the same item and the second is told who won; a filter
//   and a video item; a narrow window; insights that match what was made (and a CSV); a policy
//   published after reading its diff, which the device gets at its sync; an account found from
//   its report and credited, which the device gets at its sync; sign-out. No Content Security Policy violation, no page
//   error. Screenshots go to $SCREENSHOTS (default target/console-e2e-screenshots).
//
// Usage (scripts/console-e2e.sh runs it): node e2e/console.e2e.mjs
//   RECOUP_SERVER_BIN, RECOUP_CLI_BIN: the binaries (default ../target/debug/...).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const target = process.env.CARGO_TARGET_DIR ?? resolve("..", "target");
const serverBin = process.env.RECOUP_SERVER_BIN ?? join(target, "debug", "recoup-server");
const cliBin = process.env.RECOUP_CLI_BIN ?? join(target, "debug", "recoup");
const shots = process.env.SCREENSHOTS ?? join(target, "console-e2e-screenshots");
const chromiumBin = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ADMIN = "e2e-Console-Adm1n-7Kq9xZ2pLw4Rv8Nc3Hy6Bj5";

const work = mkdtempSync(join(tmpdir(), "recoup-console-e2e-"));
const dataDir = join(work, "endpoint");
const device = join(work, "device");
mkdirSync(shots, { recursive: true });
let step = "starting";
const say = (s) => {
  step = s;
  console.log(`• ${s}`);
};

/** Starts the endpoint on a port the OS picks; resolves with its base URL. */
function startServer() {
  const child = spawn(
    serverBin,
    ["--sandbox", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--failure-rate", "0", "--bad-rate", "0"],
    { env: { ...process.env, RECOUP_ADMIN_TOKEN: ADMIN, RUST_LOG: "warn" }, stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`the endpoint did not start within 20 s: ${out}`)), 20_000);
    child.on("exit", (code) => fail(new Error(`the endpoint exited (${code}) before listening: ${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, base: m[1] });
      }
    });
  });
}

/** The device: the `recoup` CLI on its own data folder, answering JSON. */
function recoup(...args) {
  const out = execFileSync(cliBin, ["--data-dir", device, "--json", ...args], { encoding: "utf8" });
  return out.trim() ? JSON.parse(out) : null;
}

const { child: server, base } = await startServer();
const browser = await chromium.launch({ executablePath: chromiumBin, args: ["--no-sandbox"] });
try {
  say("a device reports six bad results and syncs");
  recoup("login", "--endpoint", base, "--create");
  const made = {};
  for (const [feature, platform] of [
    ["virtual_model", "web"],
    ["flat_lay", "ios"],
    ["logo", "android"],
    ["text", "web"],
    ["video_generator", "web"],
    ["edit_with_ai", "android"],
  ]) {
    const g = recoup("generate", "--feature", feature, "--platform", platform).generation;
    made[feature] = g;
    recoup("report", g.generation_id, "--reason", "artifacts_or_distortions", "--details", `The ${feature} result has melted hands`);
  }
  recoup("sync");
  const before = recoup("balance").totals;

  const bea = execFileSync(serverBin, ["--data-dir", dataDir, "admin-credentials", "add", "ops-bea"], {
    encoding: "utf8",
  }).trim().split(/\s+/).pop();
  assert.ok(bea && bea.length > 20, `a named credential was added: ${bea}`);

  const watch = async (page) => {
    const problems = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e}`));
    page.on("console", (m) => {
      // Chromium logs every error answer (the 401 of the session check before signing in, the
      // 409 of a decision made meanwhile) as "Failed to load resource"; the page handles those.
      if (m.type() === "error" && !/^Failed to load resource: the server responded with a status of (401|409)/.test(m.text())) {
        problems.push(`console: ${m.text()}`);
      }
    });
    await page.addInitScript(() => {
      window.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    return problems;
  };
  const contextA = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US" });
  const page = await contextA.newPage();
  const problems = await watch(page);

  say("the sign-in refuses a wrong credential and accepts the admin token");
  await page.goto(`${base}/console/`);
  const credential = page.getByLabel("Admin credential");
  await credential.waitFor();
  await page.screenshot({ path: join(shots, "console-sign-in.png") });
  await credential.fill("not-a-credential");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("This credential was not accepted").waitFor();
  await credential.fill(ADMIN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as bootstrap").waitFor();
  await page.getByText("6 items waiting").waitFor();
  const cookies = await contextA.cookies();
  const session = cookies.find((c) => c.name === "recoup_console");
  assert.ok(session, `the session cookie is set: ${JSON.stringify(cookies)}`);
  assert.equal(session.httpOnly, true, "the session cookie is HttpOnly");
  assert.equal(session.sameSite, "Strict", "the session cookie is SameSite=Strict");
  assert.equal(await page.evaluate(() => document.cookie), "", "scripts cannot read the session cookie");

  const title = page.locator("h2, h3").filter({ hasText: " · Artifacts or distortions" }).first();
  const expectTitle = async (text, what) => {
    await page.waitForFunction(
      (t) => [...document.querySelectorAll("h2, h3")].some((h) => h.textContent?.includes(t)),
      text,
      { timeout: 10_000 },
    ).catch(() => {});
    assert.ok((await title.textContent())?.includes(text), `${what}: the item shown is ${await title.textContent()}`);
  };
  await expectTitle("Virtual Model", "oldest first");
  const image = page.locator('img[src^="/console/api/outputs/"]');
  await image.waitFor();
  assert.ok(
    await image.evaluate((img) => img.complete && img.naturalWidth > 0),
    "the output is shown, read through the session",
  );
  await page.screenshot({ path: join(shots, "console-queue.png") });

  say("keyboard triage: next, previous, a note, approve, reject");
  await page.keyboard.press("j");
  await expectTitle("Flat Lay", "j moves to the next item");
  await page.keyboard.press("k");
  await expectTitle("Virtual Model", "k moves back");
  await page.keyboard.press("n");
  await page.keyboard.type("The hands are melted: a refund is fair");
  await page.keyboard.press("a");
  const note = page.getByPlaceholder("Why you decided this way");
  assert.equal(
    await note.inputValue(),
    "The hands are melted: a refund is faira",
    "a key typed in the note is text, not a decision",
  );
  assert.ok(await page.getByText("6 items waiting").isVisible(), "nothing was decided while typing");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Escape");
  await page.keyboard.press("a");
  await page.getByText("Refunded 4 credits").waitFor();
  await page.getByText("5 items waiting").waitFor();
  await expectTitle("Flat Lay", "after a decision the next item is shown");
  await page.screenshot({ path: join(shots, "console-decided.png") });
  await page.keyboard.press("r");
  await page.getByText("Rejected", { exact: true }).waitFor();
  await page.getByText("4 items waiting").waitFor();

  say("the device learns both decisions at its next sync");
  recoup("sync");
  const after = recoup("balance").totals;
  const cost = made.virtual_model.charged;
  assert.equal(after.available, before.available + cost, `the refund of ${cost} credits reached the device's balance`);
  assert.equal(after.refunded, before.refunded + cost, "counted as refunded");
  const refunds = recoup("ledger", "--kind", "refund");
  assert.deepEqual(
    refunds.map((e) => e.generation_id),
    [made.virtual_model.generation_id],
    "the device's ledger has one refund entry, for the approved generation",
  );
  const claims = recoup("claims", "--limit", "10");
  const outcome = (g) => claims.find((c) => c.generation_id === g.generation_id)?.outcome;
  assert.equal(outcome(made.virtual_model), "refunded", "the approved report is refunded on the device");
  assert.equal(outcome(made.flat_lay), "not_refunded", "the rejected one is not");

  say("two operators decide the same item: the second is told who won");
  const contextB = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US" });
  const pageB = await contextB.newPage();
  const problemsB = await watch(pageB);
  await pageB.goto(`${base}/console/`);
  await pageB.getByLabel("Admin credential").fill(bea);
  await pageB.getByRole("button", { name: "Sign in" }).click();
  await pageB.getByText("Signed in as ops-bea").waitFor();
  await pageB.getByText("4 items waiting").waitFor();
  await page.keyboard.press("a");
  await page.getByText("Refunded 2 credits").waitFor();
  await pageB.keyboard.press("r");
  await pageB.getByText(/bootstrap decided this report at .* \(refunded 2 credits\)/).waitFor().catch(async (e) => {
    await pageB.screenshot({ path: join(shots, "console-conflict-failed.png") });
    throw e;
  });
  await pageB.screenshot({ path: join(shots, "console-conflict.png") });
  assert.deepEqual(problemsB, [], "no page error for the second operator");

  say("a filter, and the sandbox's video (an animated GIF)");
  await page.getByLabel("Platform").selectOption("web");
  await page.getByText("2 items waiting").waitFor();
  await expectTitle("Text", "the web items, oldest first");
  await page.keyboard.press("j");
  await expectTitle("Video Generator", "the video item");
  await page.getByText(/^image\/gif, /).waitFor();
  const animation = page.locator('img[src^="/console/api/outputs/"]');
  await animation.waitFor();
  assert.ok(
    await animation.evaluate((img) => img.complete && img.naturalWidth > 0),
    "the sandbox's video (an animated GIF) is shown",
  );
  assert.match(page.url(), /platform=web/, "the filter is in the address, so a reload keeps it");
  await page.reload();
  await page.getByText("2 items waiting").waitFor();
  await page.screenshot({ path: join(shots, "console-video.png") });

  say("a narrow window shows the list, then the item with a way back");
  await page.setViewportSize({ width: 420, height: 860 });
  await page.screenshot({ path: join(shots, "console-narrow.png") });
  await page.getByRole("list", { name: "Items waiting for a decision" }).getByText("Video Generator").click();
  const back = page.getByRole("button", { name: "Back to the list" });
  await back.waitFor();
  await page.screenshot({ path: join(shots, "console-narrow-item.png") });
  await back.click();
  await page.getByText("2 items waiting").waitFor();

  say("insights match what the test made");
  const contextC = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", acceptDownloads: true });
  await contextC.addCookies(await contextA.cookies());
  const pageC = await contextC.newPage();
  const problemsC = await watch(pageC);
  await pageC.goto(`${base}/console/#/insights`);
  const total = (id) => pageC.getByTestId(id).getAttribute("data-value");
  await pageC.getByTestId("insights-total-reports").waitFor();
  assert.equal(await total("insights-total-reports"), "6", "six reports were made");
  assert.equal(await total("insights-total-delivered"), "6", "six generations were delivered");
  const refundedCredits = made.virtual_model.charged + made.logo.charged;
  assert.equal(
    await total("insights-total-refunded-credits"),
    String(refundedCredits),
    "the two approved reports' credits were refunded",
  );
  const cell = (feature, platform, col) =>
    pageC.getByTestId(`insights-cell-${feature}-${platform}`).locator(`[data-col="${col}"]`).getAttribute("data-value");
  assert.equal(await cell("virtual_model", "web", "reports"), "1", "one virtual model report on the web");
  assert.equal(await cell("flat_lay", "ios", "delivered"), "1", "one flat lay delivered on iOS");
  assert.equal(
    await pageC.getByTestId("insights-reason-artifacts_or_distortions").locator('[data-col="reports"]').getAttribute("data-value"),
    "6",
    "every report gave the same reason",
  );
  for (const chart of ["chart-rate", "chart-refunded", "chart-decisions", "chart-reasons"]) {
    await pageC.getByTestId(chart).waitFor();
  }
  const [download] = await Promise.all([pageC.waitForEvent("download"), pageC.getByTestId("csv-cells").click()]);
  const csv = await (await import("node:fs/promises")).readFile(await download.path(), "utf8");
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines.length, 1 + 6, `a header and the six feature × platform rows: ${csv}`);
  assert.ok(lines.some((l) => l.startsWith("Virtual Model,Web,1,1")), `the virtual model row: ${csv}`);
  // The screen scrolls inside the page: back to its top, in a taller window, for the picture.
  await pageC.setViewportSize({ width: 1280, height: 1500 });
  await pageC.evaluate(() => document.querySelectorAll("*").forEach((e) => e.scrollTop && (e.scrollTop = 0)));
  await pageC.screenshot({ path: join(shots, "console-insights.png") });
  await pageC.setViewportSize({ width: 1280, height: 900 });

  say("a policy is published after reading its diff");
  await pageC.getByTestId("tab-policy").click();
  const shadows = pageC.getByTestId("policy-cell-ai_shadows-ios");
  await shadows.waitFor();
  assert.equal(await shadows.isChecked(), false, "AI Shadows is not refundable on iOS in the built-in policy");
  await shadows.check();
  await pageC.getByTestId("policy-version-input").fill("2026-12-07.e2e");
  await pageC.getByTestId("policy-check").click();
  await pageC.getByTestId("policy-diff").waitFor();
  const diff = await pageC.getByTestId("policy-diff-item").allTextContents();
  const paths = await pageC.getByTestId("policy-diff-item").evaluateAll((items) => items.map((i) => i.dataset.path));
  assert.deepEqual(paths, ["features.ai_shadows.ios", "version"], `the diff names the cell and the version: ${diff}`);
  assert.match(diff[0], /AI Shadows.*iOS.*not refundable.*refundable/, `the cell's change in words: ${diff[0]}`);
  await pageC.screenshot({ path: join(shots, "console-policy-diff.png") });
  await pageC.getByTestId("policy-publish").click();
  await pageC.getByTestId("policy-published").waitFor();
  const served = await (await fetch(`${base}/v1/policy`)).json();
  assert.equal(served.version, "2026-12-07.e2e", "devices are served the new version at once");
  assert.equal(JSON.parse(served.document).features.ai_shadows.ios, true, "with the changed cell");
  await pageC.getByTestId("policy-history-row").first().waitFor();
  const history = await pageC.getByTestId("policy-history-row").allTextContents();
  assert.equal(history.length, 2, `two versions in the history: ${history}`);
  assert.match(history[0], /2026-12-07\.e2e.*bootstrap/s, `the newest, with who published it: ${history[0]}`);
  recoup("sync");
  const devicePolicy = recoup("policy", "show");
  assert.equal(devicePolicy.version ?? devicePolicy.policy?.version, "2026-12-07.e2e", `the device has it after its sync: ${JSON.stringify(devicePolicy).slice(0, 200)}`);

  say("an account is found from its report, and credited");
  await pageC.getByTestId("tab-reviews").click();
  await pageC.getByTestId("review-account-link").click();
  await pageC.getByTestId("account-available").waitFor();
  const available = Number(await pageC.getByTestId("account-available").getAttribute("data-value"));
  const deviceBefore = recoup("balance").totals.available;
  assert.equal(available, deviceBefore, "the console shows the device's balance");
  assert.ok((await pageC.getByTestId("account-report-row").count()) >= 6, "its reports are listed");
  await pageC.getByTestId("grant-credits").fill("50");
  await pageC.getByTestId("grant-note").fill("Sorry for the melted hands");
  await pageC.getByTestId("grant-submit").click();
  await pageC.getByTestId("grant-confirm").click();
  await pageC.getByTestId("grant-done").waitFor();
  await pageC.waitForFunction(
    (want) => document.querySelector('[data-testid="account-available"]')?.getAttribute("data-value") === String(want),
    available + 50,
  );
  await pageC.screenshot({ path: join(shots, "console-account.png") });
  recoup("sync");
  assert.equal(recoup("balance").totals.available, deviceBefore + 50, "the device has the 50 credits after its sync");
  assert.deepEqual(await pageC.evaluate(() => window.__csp), [], "no Content Security Policy violation on the new screens");

  say("no WCAG 2 A/AA violation (axe-core) on any screen, light and dark");
  // axe is injected into the page: a context of its own lets it in past the console's CSP.
  const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  const accountHash = new URL(pageC.url()).hash;
  for (const colorScheme of ["light", "dark"]) {
    const contextD = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", colorScheme, bypassCSP: true });
    await contextD.addCookies(await contextA.cookies());
    const pageD = await contextD.newPage();
    for (const hash of ["#/reviews", "#/policy", "#/insights", "#/accounts", accountHash]) {
      await pageD.goto(`${base}/console/${hash}`);
      await pageD.getByTestId("actor").waitFor();
      await pageD.waitForLoadState("networkidle");
      await pageD.evaluate(axeSource);
      const violations = await pageD.evaluate(async () =>
        (await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa"] })).violations.map(
          (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
        ),
      );
      assert.deepEqual(violations, [], `${colorScheme} ${hash}: no WCAG 2 A/AA violation`);
    }
    await contextD.close();
  }
  assert.deepEqual(problemsC, [], "no page error on the new screens");
  await contextC.close();

  say("sign-out ends the session");
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Admin credential").waitFor();
  const status = await page.evaluate(async () => (await fetch("/console/api/session")).status);
  assert.equal(status, 401, "after sign-out the session is gone");

  const csp = [
    ...(await page.evaluate(() => window.__csp)),
    ...(await pageB.evaluate(() => window.__csp)),
  ];
  assert.deepEqual(csp, [], "no Content Security Policy violation");
  assert.deepEqual(problems, [], "no page error, no console error");
} catch (e) {
  console.error(`console e2e failed at "${step}": ${e?.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  server.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}

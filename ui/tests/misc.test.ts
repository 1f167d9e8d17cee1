import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Coalescer } from "../src/lib/coalesce";
import { eligibilityHeadline, generateErrorHint, queuedMessage, tokenStorageText } from "../src/lib/messages";
import { clampRate, parseSeconds } from "../src/lib/qa";
import { flowSeries, dayLabel } from "../src/lib/chartdata";
import type { ClaimView } from "../src/lib/bindings/ClaimView";

describe("Coalescer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("collapses a burst into one run, and runs once more if asked while running", async () => {
    let release!: () => void;
    const run = vi.fn(() => new Promise<void>((r) => (release = r)));
    const c = new Coalescer<string>(run, 10);
    c.request("history");
    c.request("history");
    c.request("history");
    await vi.advanceTimersByTimeAsync(10);
    expect(run).toHaveBeenCalledTimes(1);
    c.request("history");
    c.request("history");
    release();
    await vi.advanceTimersByTimeAsync(20);
    expect(run).toHaveBeenCalledTimes(2);
  });
});

const claim = (over: Partial<ClaimView>): ClaimView => ({
  claim_id: "c", generation_id: "g", reason: "other", details: "d", submitted_at: "", local_eligible: true,
  local_reasons: [], sync_state: "queued", outcome: null, refunded_credits: null, message: "", ...over,
});

describe("messages", () => {
  it("queued toast says what happens next", () => {
    expect(queuedMessage(claim({}), true)).toMatch(/^Report queued: .*notified/);
    expect(queuedMessage(claim({}), false)).toMatch(/back online/);
    const fb = queuedMessage(claim({ local_eligible: false, local_reasons: [{ code: "window_expired", rule: "w", message: "The refund window closed." }] }), true);
    expect(fb).toMatch(/^Report queued: it will be recorded as feedback, without a refund \(the refund window closed\)\.$/);
  });
  it("eligibility headline names the credits", () => {
    const e = { generation_id: "g", eligible: true, reasons: [], refundable_credits: 4, window_closes_at: null, window_secs_left: null, policy_version: "1", rule: "r" };
    expect(eligibilityHeadline(e)).toContain("4 credits");
    expect(eligibilityHeadline({ ...e, eligible: false })).toMatch(/cannot be refunded.*feedback/);
  });
  it("generate errors point to the screen that fixes them", () => {
    expect(generateErrorHint({ code: "offline", message: "Offline." }).action).toBe("sync");
    expect(generateErrorHint({ code: "insufficient_credits", message: "Not enough." }).action).toBe("balance");
    expect(generateErrorHint({ code: "internal", message: "x" }).action).toBeNull();
  });
  it("token storage reads as a sentence", () => {
    expect(tokenStorageText("keychain")).toMatch(/keychain/);
    expect(tokenStorageText({ file: { path: "/d/token", reason: "No keychain service is running." } }))
      .toBe("In a file, /d/token, because no keychain service is running.");
  });
});

describe("QA inputs", () => {
  it("parses whole seconds within ±1 year", () => {
    expect(parseSeconds("-86400")).toBe(-86400);
    expect(parseSeconds(" 3600 ")).toBe(3600);
    expect(parseSeconds("−60")).toBe(-60);
    expect(parseSeconds("1.5")).toBeNull();
    expect(parseSeconds("")).toBeNull();
    expect(parseSeconds(String(400 * 86400))).toBeNull();
  });
  it("clamps rates to 0..1", () => {
    expect(clampRate(1.5)).toBe(1);
    expect(clampRate(-1)).toBe(0);
    expect(clampRate(Number.NaN)).toBe(0);
    expect(clampRate(0.1234)).toBe(0.123);
  });
});

describe("flow chart data", () => {
  it("labels days without a time-zone shift and sums the series", () => {
    expect(dayLabel("2025-03-07")).toBe("Mar 7");
    const s = flowSeries([{ day: "2025-03-06", spent: 3, refunded: 0 }, { day: "2025-03-07", spent: 5, refunded: 2 }]);
    expect(s).toMatchObject({ labels: ["Mar 6", "Mar 7"], spent: [3, 5], refunded: [0, 2], totalSpent: 8, totalRefunded: 2 });
    expect(s.summary).toContain("busiest day was Mar 7");
    expect(flowSeries([]).summary).toMatch(/No credit movements/);
  });
});

import { describe, expect, it } from "vitest";
import { reduceEvent, refreshesOf } from "../src/lib/events";
import type { ClaimView } from "../src/lib/bindings/ClaimView";
import type { SyncStatus } from "../src/lib/bindings/SyncStatus";

const claim = (over: Partial<ClaimView> = {}): ClaimView => ({
  claim_id: "c1", generation_id: "g1", reason: "other", details: "It is all wrong here.", submitted_at: "2025-03-07T10:00:00Z",
  local_eligible: true, local_reasons: [], sync_state: "acknowledged", outcome: "refunded", refunded_credits: 4,
  message: "Refund granted: 4 credits", ...over,
});

const status: SyncStatus = {
  online: true, reachable: true, syncing: false, queued: 0, quarantined: 0, in_review: 1, last_sync_at: null,
  last_error: null, progress: null, linked: true,
};

describe("reduceEvent", () => {
  it("balance: patches the numbers it carries and re-reads overview and ledger", () => {
    const a = reduceEvent({ type: "balance", available: 10, held: 2, refunded_this_month: 4 });
    expect(a[0]).toEqual({ type: "patch_balance", balance: { available: 10, held: 2, refunded_this_month: 4 } });
    expect(refreshesOf(a)).toEqual(new Set(["overview", "ledger"]));
  });
  it("history: refreshes the history only when something changed", () => {
    expect(refreshesOf(reduceEvent({ type: "history", changed: 3 }))).toEqual(new Set(["history"]));
    expect(reduceEvent({ type: "history", changed: 0 })).toEqual([]);
  });
  it("claim_decided: updates that generation and notifies with the claim's own message", () => {
    const a = reduceEvent({ type: "claim_decided", claim: claim() });
    expect(a).toContainEqual({ type: "refresh_generation", generation_id: "g1" });
    expect(a, "the notification opens g1 when clicked").toContainEqual({ type: "notify", message: "Refund granted: 4 credits", tone: "success", generation_id: "g1" });
    expect(refreshesOf(a)).toEqual(new Set(["sync"]));
  });
  it("claim_decided without refund: a neutral thank-you", () => {
    const a = reduceEvent({ type: "claim_decided", claim: claim({ outcome: "not_refunded", refunded_credits: null, message: "Thank you for your feedback" }) });
    expect(a).toContainEqual({ type: "notify", message: "Thank you for your feedback", tone: "info", generation_id: "g1" });
  });
  it("network: patches the switch and re-reads the sync status", () => {
    const a = reduceEvent({ type: "network", online: false, reachable: null });
    expect(a[0]).toEqual({ type: "patch_network", online: false, reachable: null });
    expect(refreshesOf(a)).toEqual(new Set(["sync"]));
  });
  it("sync_progress: only patches progress (no read per event during a drain)", () => {
    expect(reduceEvent({ type: "sync_progress", sent: 5, total: 100 })).toEqual([
      { type: "patch_progress", progress: { sent: 5, total: 100 } },
    ]);
  });
  it("sync_finished: carries the whole status, without the tag", () => {
    const [a] = reduceEvent({ type: "sync_finished", ...status });
    expect(a).toEqual({ type: "set_sync", sync: status });
  });
  it("open_generation: shows that generation (its native notification was clicked)", () => {
    expect(reduceEvent({ type: "open_generation", generation_id: "g9" }), "one action: open g9").toEqual([
      { type: "open_generation", generation_id: "g9" },
    ]);
  });

  it("link: takes the waiting link from the Rust side", () => {
    expect(reduceEvent({ type: "link" }), "one action: take the link").toEqual([{ type: "take_link" }]);
  });

  it("policy: sets the version and tells the user", () => {
    const a = reduceEvent({ type: "policy", version: "v7" });
    expect(a[0]).toEqual({ type: "patch_policy", version: "v7" });
    expect(a[1]).toMatchObject({ type: "notify" });
  });
});

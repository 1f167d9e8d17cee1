// The event wiring end to end in Node: an AppEvent from `recoup:event` refreshes what it names.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { GenerationItem } from "../src/lib/bindings/GenerationItem";

const gen = (id: string, over: Partial<GenerationItem> = {}): GenerationItem => ({
  generation_id: id, feature: "logo", feature_label: "Logo", platform: "web", surface: "editor", media_kind: "image",
  status: "succeeded", state: "succeeded", started_at: "2025-03-07T10:00:00Z", finished_at: "2025-03-07T10:00:09Z",
  cost: 4, charged: 4, failure: null, has_output: true, claim: null, ...over,
});

describe("stores: events refresh what they name, without polling", () => {
  let calls: string[];
  let decided = false;
  let links: unknown[] = [];

  beforeEach(() => {
    vi.resetModules();
    calls = [];
    decided = false;
    links = [];
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        switch (cmd) {
          case "app_info": return { qa: { enabled: false }, catalog: { features: [] }, policy_version: "v1" };
          case "history": return { items: [gen("g2"), gen("g1")], next: null };
          case "sync_status": return { online: true, queued: 0 };
          case "overview": return { available: 10, held: 0, refunded_this_month: 0 };
          case "generation": return gen("g1", { state: decided ? "refunded" : "pending" });
          case "take_link": return links.shift() ?? null;
          default: return null;
        }
      },
      { shouldMockEvents: true },
    );
  });
  afterEach(() => clearMocks());

  it("starts with app_info, the first history page and the sync status; nothing more until an event", async () => {
    const s = await import("../src/lib/stores.svelte");
    await s.start();
    expect(calls.slice(0, 3).sort()).toEqual(["app_info", "history", "sync_status"]);
    expect(s.history.snap.loaded).toBe(true);
    // A link the app was launched with may be waiting: it is asked for once.
    await vi.waitFor(() => expect(calls.filter((c) => c === "take_link")).toHaveLength(1));
    const before = calls.length;
    await new Promise((r) => setTimeout(r, 120));
    expect(calls.length).toBe(before);
    s.stop();
  });

  it("a link event opens the Bad result dialog of the generation it names, on the History screen", async () => {
    const s = await import("../src/lib/stores.svelte");
    const ui = await import("../src/lib/ui.svelte");
    await s.start();
    s.go("settings");
    links = [{ type: "report", generation: gen("g1") }];
    await emit("recoup:event", { type: "link" });
    await vi.waitFor(() => expect(ui.claimDialog.item?.generation_id, "the dialog opens for g1").toBe("g1"));
    expect(s.app.screen, "the History screen is behind the dialog").toBe("history");
    s.stop();
  });

  it("a link to a generation that is not here opens nothing and says why", async () => {
    const s = await import("../src/lib/stores.svelte");
    const ui = await import("../src/lib/ui.svelte");
    await s.start();
    links = [{
      type: "refused", link: "recoup://generations/x/report",
      error: { code: "not_found", message: "The link is for generation x, which is not in the account on this device." },
    }];
    await emit("recoup:event", { type: "link" });
    await vi.waitFor(() =>
      expect(s.toasts.list.map((t) => t.message).join("|"), "the toast says nothing opened, and why").toContain(
        "The link opened nothing. The link is for generation x, which is not in the account",
      ));
    expect(ui.claimDialog.item, "no dialog opens").toBeNull();
    s.stop();
  });

  it("claim_decided re-reads that generation and shows the claim's message as a toast", async () => {
    const s = await import("../src/lib/stores.svelte");
    await s.start();
    decided = true;
    await emit("recoup:event", {
      type: "claim_decided",
      claim: {
        claim_id: "c1", generation_id: "g1", reason: "other", details: "It is all wrong.", submitted_at: "",
        local_eligible: true, local_reasons: [], sync_state: "acknowledged", outcome: "refunded", refunded_credits: 4,
        message: "Refund granted: 4 credits",
      },
    });
    await vi.waitFor(() => expect(s.history.snap.items.find((g) => g.generation_id === "g1")?.state).toBe("refunded"));
    expect(calls).toContain("generation");
    expect(s.toasts.list.map((t) => t.message)).toContain("Refund granted: 4 credits");
    const toast = s.toasts.list.find((t) => t.message === "Refund granted: 4 credits");
    expect(toast?.generationId, "the decision's notification is about g1").toBe("g1");
    // Clicking it opens that generation: the History screen and its output full size.
    const ui = await import("../src/lib/ui.svelte");
    s.go("ledger");
    await s.openGeneration("g1", null);
    expect(s.app.screen, "History is on screen").toBe("history");
    expect(ui.viewer.item?.generation_id, "the output of g1 is shown full size").toBe("g1");
    s.stop();
  });

  it("a burst of history events costs at most two reads", async () => {
    const s = await import("../src/lib/stores.svelte");
    await s.start();
    const n = calls.filter((c) => c === "history").length;
    for (let i = 0; i < 20; i++) await emit("recoup:event", { type: "history", changed: 1 });
    await new Promise((r) => setTimeout(r, 150));
    const reads = calls.filter((c) => c === "history").length - n;
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(2);
    s.stop();
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api, isAppError, qaUpdate, toAppError } from "../src/lib/api";

type Call = { cmd: string; args: unknown };

function record(answer: (cmd: string, args: unknown) => unknown = () => null) {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    return answer(cmd, args);
  });
  return calls;
}

afterEach(() => clearMocks());

describe("api wrapper", () => {
  it("sends each command's argument as { req }", async () => {
    const calls = record();
    await api.history({ feature: null, platform: "ios", show: "all", before: "g9", limit: 60 });
    await api.checkClaim("g1");
    await api.generation("g1");
    await api.submitClaim({ generation_id: "g1", reason: "other", details: "It is wrong." });
    await api.generate({ feature: "logo", surface: null });
    await api.ledger({ filter: { kind: "refund", generation_id: null }, before: 5, limit: 100 });
    await api.exportLedger({ kind: null, generation_id: null });
    await api.setNetwork(false);
    await api.setQa(qaUpdate({ clock_offset_secs: -86400 }));
    await api.advanceTestClock(86400);
    await api.loadPolicy("{\"version\":\"x\"}");
    await api.connectEndpoint({ url: "https://e.example", token: null });
    expect(calls).toEqual([
      { cmd: "history", args: { req: { feature: null, platform: "ios", show: "all", before: "g9", limit: 60 } } },
      { cmd: "check_claim", args: { req: "g1" } },
      { cmd: "generation", args: { req: "g1" } },
      { cmd: "submit_claim", args: { req: { generation_id: "g1", reason: "other", details: "It is wrong." } } },
      { cmd: "generate", args: { req: { feature: "logo", surface: null } } },
      { cmd: "ledger", args: { req: { filter: { kind: "refund", generation_id: null }, before: 5, limit: 100 } } },
      { cmd: "export_ledger", args: { req: { kind: null, generation_id: null } } },
      { cmd: "set_network", args: { req: false } },
      {
        cmd: "set_qa",
        args: { req: { enabled: null, platform: null, surface: null, clock_offset_secs: -86400, faults: null, generator: null } },
      },
      { cmd: "advance_test_clock", args: { req: 86400 } },
      { cmd: "load_policy", args: { req: "{\"version\":\"x\"}" } },
      { cmd: "connect_endpoint", args: { req: { url: "https://e.example", token: null } } },
    ]);
  });

  it("calls argument-less commands without arguments", async () => {
    const calls = record();
    await api.appInfo();
    await api.ping();
    await api.overview();
    await api.syncStatus();
    await api.syncNow();
    await api.retryQuarantined();
    await api.qaState();
    await api.useEmbeddedEndpoint();
    expect(calls.map((c) => c.cmd)).toEqual([
      "app_info", "ping", "overview", "sync_status", "sync_now", "retry_quarantined", "qa_state", "use_embedded_endpoint",
    ]);
    for (const c of calls) expect(c.args ?? {}).toEqual({});
  });

  it("returns the answer as it came", async () => {
    record((cmd) => (cmd === "check_claim" ? { eligible: false, reasons: [{ code: "window_expired" }] } : null));
    await expect(api.checkClaim("g")).resolves.toMatchObject({ eligible: false });
  });

  it("rejects with the Rust side's AppError unchanged", async () => {
    record(() => Promise.reject({ code: "insufficient_credits", message: "You need 4 credits; you have 2." }));
    await expect(api.generate({ feature: "logo", surface: null })).rejects.toEqual({
      code: "insufficient_credits",
      message: "You need 4 credits; you have 2.",
    });
  });

  it("turns anything else into an internal AppError with a next step", async () => {
    record(() => Promise.reject("command overview not found"));
    const err = await api.overview().catch((e: unknown) => e);
    expect(isAppError(err)).toBe(true);
    expect(err).toMatchObject({ code: "internal" });
    expect((err as { message: string }).message).toContain("command overview not found");
    expect(toAppError(new Error("boom")).message).toMatch(/boom.*Try again/);
    expect(isAppError({ code: "made_up", message: "x" })).toBe(false);
  });
});

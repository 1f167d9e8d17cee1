import { describe, expect, it } from "vitest";
import { badResultAvailability, showsOutput, stateBadge } from "../src/lib/badges";
import type { GenerationState } from "../src/lib/bindings/GenerationState";

const ALL: GenerationState[] = ["running", "succeeded", "technical_failure", "pending", "in_review", "refunded", "not_refunded"];

describe("stateBadge", () => {
  it("maps every state to a distinct label with a hint", () => {
    const labels = ALL.map((s) => stateBadge(s).label);
    expect(new Set(labels).size).toBe(ALL.length);
    for (const s of ALL) expect(stateBadge(s).hint.length).toBeGreaterThan(10);
  });
  it("uses the words of the brief", () => {
    expect(stateBadge("refunded")).toMatchObject({ label: "Refunded", tone: "success" });
    expect(stateBadge("not_refunded")).toMatchObject({ label: "Not refunded", tone: "danger" });
    expect(stateBadge("pending").label).toMatch(/pending/i);
    expect(stateBadge("in_review").label).toMatch(/in review/i);
    expect(stateBadge("technical_failure").label).toMatch(/technical failure.*auto-refunded/i);
    expect(stateBadge("running").label).toBe("Running");
    expect(stateBadge("succeeded").label).toBe("Succeeded");
  });
});

describe("showsOutput", () => {
  it("shows the real output only for finished generations that have one", () => {
    expect(showsOutput({ has_output: true, state: "succeeded" })).toBe(true);
    expect(showsOutput({ has_output: true, state: "refunded" })).toBe(true);
    expect(showsOutput({ has_output: false, state: "succeeded" })).toBe(false);
    expect(showsOutput({ has_output: true, state: "running" })).toBe(false);
    expect(showsOutput({ has_output: true, state: "technical_failure" })).toBe(false);
  });
});

describe("badResultAvailability", () => {
  it("offers Bad result for finished generations, even already reported ones (check_claim explains)", () => {
    for (const s of ["succeeded", "pending", "refunded", "not_refunded"] as const) {
      expect(badResultAvailability({ state: s }).enabled).toBe(true);
    }
  });
  it("explains why running and technical failures cannot be reported", () => {
    expect(badResultAvailability({ state: "running" })).toMatchObject({ enabled: false });
    expect(badResultAvailability({ state: "technical_failure" }).why).toMatch(/returned automatically/);
  });
});

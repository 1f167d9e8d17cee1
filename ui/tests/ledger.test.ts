import { describe, expect, it } from "vitest";
import { entryKinds, directionOf, signedCredits } from "../src/lib/ledger";

describe("ledger signs", () => {
  it("adds for grants, refunds and released holds; takes for holds and expiry", () => {
    expect(signedCredits("grant", 500)).toBe("+500");
    expect(signedCredits("refund", 4)).toBe("+4");
    expect(signedCredits("void", 4)).toBe("+4");
    expect(signedCredits("hold_expired", 4)).toBe("+4");
    expect(signedCredits("hold", 4)).toBe("−4");
    expect(signedCredits("expire", 50)).toBe("−50");
    expect(signedCredits("capture", 4)).toBe("4");
    expect(directionOf("capture")).toBe("neutral");
  });
  it("offers every kind in the filter", () => {
    expect(entryKinds().map((k) => k.value).sort()).toEqual(
      ["capture", "expire", "grant", "hold", "hold_expired", "refund", "void"],
    );
  });
});

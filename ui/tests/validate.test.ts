import { describe, expect, it } from "vitest";
import { charCount, checkDetails } from "../src/lib/validate";

describe("checkDetails", () => {
  it("accepts text within the bounds and shows the counter", () => {
    const c = checkDetails("The hands are melted.", 10, 500);
    expect(c).toMatchObject({ ok: true, length: 21, counter: "21 / 500", message: "" });
  });
  it("asks for more when too short, saying how many", () => {
    const c = checkDetails("blurry", 10, 500);
    expect(c.ok).toBe(false);
    expect(c.message).toContain("at least 10 characters (4 more)");
  });
  it("rejects text over the maximum, saying by how much", () => {
    const c = checkDetails("x".repeat(505), 10, 500);
    expect(c.ok).toBe(false);
    expect(c.counter).toBe("505 / 500");
    expect(c.message).toContain("5 too many");
  });
  it("ignores surrounding whitespace", () => {
    expect(checkDetails("    short    ", 10, 500).length).toBe(5);
    expect(checkDetails("   ", 1, 500).ok).toBe(false);
  });
  it("accepts exactly the bounds", () => {
    expect(checkDetails("x".repeat(10), 10, 20).ok).toBe(true);
    expect(checkDetails("x".repeat(20), 10, 20).ok).toBe(true);
  });
  it("counts characters, not UTF-16 units", () => {
    expect(charCount("👍👍")).toBe(2);
    expect(checkDetails("🙂".repeat(10), 10, 20).ok).toBe(true);
  });
});

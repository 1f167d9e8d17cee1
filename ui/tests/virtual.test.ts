import { describe, expect, it } from "vitest";
import { columnsFor, gridWindow, scrollToReveal } from "../src/lib/virtual";

const base = { width: 1000, viewportHeight: 600, minCardWidth: 200, rowHeight: 250, gap: 12 };

describe("gridWindow", () => {
  it("fits as many columns as the width allows", () => {
    expect(columnsFor(1000, 200, 12)).toBe(4);
    expect(columnsFor(334, 150, 12)).toBe(2);
    expect(columnsFor(100, 200, 12)).toBe(1);
  });
  it("renders only the rows in view plus overscan, for 10,000 items", () => {
    const w = gridWindow({ ...base, count: 10_000, scrollTop: 0 });
    expect(w.start).toBe(0);
    expect(w.end - w.start).toBeLessThanOrEqual(4 * 6);
    expect(w.totalHeight).toBe(2500 * 262 - 12);
    const deep = gridWindow({ ...base, count: 10_000, scrollTop: 262 * 1000 });
    expect(deep.start).toBe((1000 - 2) * 4);
    expect(deep.padTop).toBe((1000 - 2) * 262);
    expect(deep.end - deep.start).toBeLessThanOrEqual(4 * 8);
    expect(deep.nearEnd).toBe(false);
  });
  it("says when the view nears the last loaded rows", () => {
    const w = gridWindow({ ...base, count: 60, scrollTop: 262 * 10 });
    expect(w.nearEnd).toBe(true);
    expect(w.end).toBe(60);
    expect(gridWindow({ ...base, count: 0, scrollTop: 0 })).toMatchObject({ start: 0, end: 0, totalHeight: 0, nearEnd: true });
  });
  it("scrolls a focused item into view only when needed", () => {
    const o = { columns: 4, rowHeight: 250, gap: 12, viewportHeight: 600 };
    expect(scrollToReveal({ ...o, index: 1, scrollTop: 0 })).toBeNull();
    expect(scrollToReveal({ ...o, index: 12, scrollTop: 0 })).toBe(3 * 262 + 250 - 600);
    expect(scrollToReveal({ ...o, index: 0, scrollTop: 500 })).toBe(0);
  });
});

// The review list's bookkeeping (src/console/queue.ts) and the console's names for the generated unions (labels.ts).
import { afterEach, describe, expect, it } from "vitest";
import { FIRST_PAGE, afterRemoval, ageText, back, cursorOf, forward, moveSelection, secondsSince } from "../src/console/queue";
import { FEATURES, ORDERS, PLATFORMS, REASONS, featureName, outcomeName, platformName, reasonName, verdictName } from "../src/console/labels";
import { formatBytes } from "../src/console/format";
import { setLang } from "../src/lib/i18n.svelte";

afterEach(() => setLang("en"));

describe("console queue: moving the selection", () => {
  it("stays inside the page", () => {
    expect(moveSelection(0, 1, 3)).toBe(1);
    expect(moveSelection(2, 1, 3), "at the end").toBe(2);
    expect(moveSelection(0, -1, 3), "at the start").toBe(0);
  });
  it("starts at an end when nothing is selected, and selects nothing in an empty page", () => {
    expect(moveSelection(null, 1, 3)).toBe(0);
    expect(moveSelection(null, -1, 3)).toBe(2);
    expect(moveSelection(null, 1, 0)).toBeNull();
    expect(moveSelection(1, 1, 0)).toBeNull();
  });
});

describe("console queue: after a row leaves", () => {
  const rows = ["a", "b", "c"];
  it("selects the row that took its place", () => {
    expect(afterRemoval(rows, 0, false)).toEqual({ rows: ["b", "c"], select: 0, reload: false });
    expect(afterRemoval(rows, 1, true)).toEqual({ rows: ["a", "c"], select: 1, reload: false });
  });
  it("reads the page again from its own cursor when its last row left and the queue goes on", () => {
    expect(afterRemoval(rows, 2, true)).toEqual({ rows: ["a", "b"], select: 2, reload: true });
    expect(afterRemoval(["a"], 0, true)).toEqual({ rows: [], select: 0, reload: true });
  });
  it("selects the row before at the very end of the queue, and nothing once it is empty", () => {
    expect(afterRemoval(rows, 2, false)).toEqual({ rows: ["a", "b"], select: 1, reload: false });
    expect(afterRemoval(["a"], 0, false)).toEqual({ rows: [], select: null, reload: false });
  });
});

describe("console queue: page cursors", () => {
  it("reach any page one step at a time, and back", () => {
    let c = FIRST_PAGE;
    expect(cursorOf(c), "first page: no cursor").toBeNull();
    // 100,000 items in pages of 50: 2,000 pages, each reached from the one before.
    for (let i = 1; i < 2000; i++) c = forward(c, `n${i}`);
    expect(c.length).toBe(2000);
    expect(cursorOf(c)).toBe("n1999");
    c = back(c);
    expect(cursorOf(c)).toBe("n1998");
    expect(back(FIRST_PAGE), "no page before the first").toBe(FIRST_PAGE);
  });
});

describe("console queue: ages", () => {
  it("words how long an item has waited", () => {
    expect(ageText(30)).toBe("less than a minute");
    expect(ageText(41 * 60)).toBe("41 min");
    expect(ageText(3 * 3600 + 59 * 60)).toBe("3 h");
    expect(ageText(47 * 3600)).toBe("47 h");
    expect(ageText(5 * 86400 + 3600)).toBe("5 d");
    setLang("fr");
    expect(ageText(3 * 3600)).toBe("3\u00a0h");
    expect(ageText(5 * 86400)).toBe("5\u00a0j");
  });
  it("counts seconds since a timestamp, never below zero", () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    expect(secondsSince("2026-12-07T09:00:00Z", now)).toBe(3 * 3600);
    expect(secondsSince("2026-12-07T13:00:00Z", now), "ahead of now").toBe(0);
    expect(secondsSince("not a date", now)).toBe(0);
  });
});

describe("console labels", () => {
  it("name every value of the generated unions in both languages, never by its code", () => {
    for (const lang of ["en", "fr"] as const) {
      setLang(lang);
      const names = [...FEATURES.map(featureName), ...PLATFORMS.map(platformName), ...REASONS.map(reasonName)];
      for (const n of names) expect(n, `${lang}: a name, not an id`).not.toMatch(/_|^console-/);
      expect(new Set(FEATURES.map(featureName)).size, `${lang}: feature names are distinct`).toBe(FEATURES.length);
    }
    expect(ORDERS).toEqual(["oldest", "newest"]);
  });
  it("show an unknown value as it comes", () => {
    expect(featureName("brand_new")).toBe("brand_new");
    expect(verdictName("odd")).toBe("odd");
    expect(verdictName("blank")).toBe("blank");
    expect(outcomeName("not_refunded")).toBe("Not refunded");
  });
});

it("console format: sizes in the language's units", () => {
  expect(formatBytes(512)).toBe("512 byte");
  expect(formatBytes(1_234_567)).toBe("1.2 MB");
  setLang("fr");
  expect(formatBytes(1_234_567), "a no-break space (which one depends on the ICU data)").toMatch(/^1,2[\u00a0\u202f]Mo$/);
});

import { describe, expect, it } from "vitest";
import { credits, generationCount, formatDuration, formatOffset, formatTimeLeft, formatWhen, secsLeftNow, shortId } from "../src/lib/format";

describe("formatDuration / formatTimeLeft", () => {
  it("shows hours and minutes under a day", () => {
    expect(formatTimeLeft(23 * 3600 + 41 * 60 + 59)).toBe("closes in 23 h 41 min");
    expect(formatTimeLeft(3600)).toBe("closes in 1 h");
  });
  it("shows days and hours from a day on, minutes below an hour", () => {
    expect(formatDuration(2 * 86400 + 4 * 3600 + 30 * 60)).toBe("2 d 4 h");
    expect(formatDuration(86400)).toBe("1 d");
    expect(formatDuration(41 * 60 + 5)).toBe("41 min");
  });
  it("says less than a minute for the last seconds, closed at zero or below", () => {
    expect(formatTimeLeft(59)).toBe("closes in less than a minute");
    expect(formatTimeLeft(0)).toBe("closed");
    expect(formatTimeLeft(-5)).toBe("closed");
  });
  it("returns null when no window applies", () => {
    expect(formatTimeLeft(null)).toBeNull();
  });
});

describe("secsLeftNow", () => {
  it("counts down from the answer with the wall clock", () => {
    expect(secsLeftNow(100, 1_000_000, 1_000_000)).toBe(100);
    expect(secsLeftNow(100, 1_000_000, 1_030_999)).toBe(70);
    expect(secsLeftNow(100, 1_000_000, 1_500_000)).toBe(0);
  });
});

describe("small formatters", () => {
  it("pluralises credits", () => {
    expect(credits(1)).toBe("1 credit");
    expect(credits(4)).toBe("4 credits");
    expect(credits(0)).toBe("0 credits");
  });
  it("signs clock offsets", () => {
    expect(formatOffset(0)).toBe("none");
    expect(formatOffset(86400)).toBe("+1 d");
    expect(formatOffset(-3600 - 1800)).toBe("−1 h 30 min");
    expect(formatOffset(30)).toBe("+less than a minute");
  });
  it("shows time only for today", () => {
    const now = new Date(2025, 2, 7, 15, 0);
    expect(formatWhen(new Date(2025, 2, 7, 9, 5).toISOString(), now)).toMatch(/^today /);
    expect(formatWhen(new Date(2025, 2, 1, 9, 5).toISOString(), now)).not.toMatch(/^today/);
    expect(formatWhen(null, now)).toBe("—");
    expect(formatWhen("not a date", now)).toBe("not a date");
  });
  it("shortens long ids", () => {
    expect(shortId("0190f3a2-7c1e-7000-8000-000000000001")).toBe("0190…0001");
    expect(shortId("abc")).toBe("abc");
    expect(shortId(null)).toBe("—");
  });
});

describe("generationCount", () => {
  it("says one thing in the singular and more in the plural", () => {
    expect(generationCount(1)).toBe("1 generation");
    expect(generationCount(0)).toBe("0 generations");
    expect(generationCount(60, true)).toBe("60+ generations");
    expect(generationCount(1, true)).toBe("1+ generations");
  });
});

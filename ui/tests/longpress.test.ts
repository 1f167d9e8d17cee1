import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LONG_PRESS_MS, LongPress } from "../src/lib/longpress";

const touch = (x = 100, y = 100) => ({ pointerType: "touch", clientX: x, clientY: y, button: 0 });

describe("LongPress", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fires after ≈500 ms of holding still, at the press position", () => {
    const f = vi.fn();
    const lp = new LongPress(f);
    lp.down(touch(40, 60));
    vi.advanceTimersByTime(LONG_PRESS_MS - 1);
    expect(f).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(f).toHaveBeenCalledWith(40, 60);
    expect(LONG_PRESS_MS).toBe(500);
  });

  it("does not fire when released early (a tap)", () => {
    const f = vi.fn();
    const lp = new LongPress(f);
    lp.down(touch());
    vi.advanceTimersByTime(300);
    lp.up();
    vi.advanceTimersByTime(1000);
    expect(f).not.toHaveBeenCalled();
  });

  it("tolerates a small wobble but cancels when the finger scrolls", () => {
    const f = vi.fn();
    const lp = new LongPress(f);
    lp.down(touch(100, 100));
    lp.move(touch(104, 105));
    expect(lp.pending).toBe(true);
    lp.move(touch(100, 130));
    expect(lp.pending).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(f).not.toHaveBeenCalled();
  });

  it("ignores the mouse (it has right click) and non-primary buttons", () => {
    const f = vi.fn();
    const lp = new LongPress(f);
    lp.down({ pointerType: "mouse", clientX: 1, clientY: 1, button: 0 });
    lp.down({ pointerType: "pen", clientX: 1, clientY: 1, button: 2 });
    vi.advanceTimersByTime(1000);
    expect(f).not.toHaveBeenCalled();
    lp.down({ pointerType: "pen", clientX: 1, clientY: 1, button: 0 });
    vi.advanceTimersByTime(500);
    expect(f).toHaveBeenCalledTimes(1);
  });

  it("remembers that it fired once, so the following contextmenu is swallowed", () => {
    const lp = new LongPress(() => {});
    lp.down(touch());
    vi.advanceTimersByTime(500);
    expect(lp.consumeFired()).toBe(true);
    expect(lp.consumeFired()).toBe(false);
  });

  it("a new press restarts the timer", () => {
    const f = vi.fn();
    const lp = new LongPress(f);
    lp.down(touch());
    vi.advanceTimersByTime(400);
    lp.down(touch());
    vi.advanceTimersByTime(400);
    expect(f).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(f).toHaveBeenCalledTimes(1);
  });
});

import { describe, expect, it } from "vitest";
import { menuMove, opensContextMenu, placeMenu } from "../src/lib/keys";

describe("opensContextMenu", () => {
  it("accepts the ContextMenu key and Shift+F10 only", () => {
    expect(opensContextMenu({ key: "ContextMenu" })).toBe(true);
    expect(opensContextMenu({ key: "F10", shiftKey: true })).toBe(true);
    expect(opensContextMenu({ key: "F10" })).toBe(false);
    expect(opensContextMenu({ key: "F10", shiftKey: true, ctrlKey: true })).toBe(false);
    expect(opensContextMenu({ key: "Enter" })).toBe(false);
  });
});

describe("menuMove", () => {
  const dis = [false, true, false];
  it("moves down and up, wrapping and skipping disabled items", () => {
    expect(menuMove("ArrowDown", 0, dis)).toBe(2);
    expect(menuMove("ArrowDown", 2, dis)).toBe(0);
    expect(menuMove("ArrowUp", 0, dis)).toBe(2);
    expect(menuMove("Home", 2, dis)).toBe(0);
    expect(menuMove("End", 0, dis)).toBe(2);
  });
  it("ignores other keys", () => {
    expect(menuMove("a", 0, dis)).toBeNull();
    expect(menuMove("ArrowDown", 0, [])).toBeNull();
  });
});

describe("placeMenu", () => {
  it("keeps the menu inside the viewport", () => {
    expect(placeMenu(10, 10, 200, 100, 1280, 800)).toEqual({ left: 10, top: 10 });
    expect(placeMenu(1250, 10, 200, 100, 1280, 800).left).toBe(1280 - 200 - 8);
    expect(placeMenu(10, 780, 200, 100, 1280, 800).top).toBe(680);
  });
});

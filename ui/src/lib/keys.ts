// Keyboard helpers for the context menu.

export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
}

/** The ContextMenu key, or Shift+F10. */
export function opensContextMenu(e: KeyLike): boolean {
  if (e.key === "ContextMenu") return true;
  return e.key === "F10" && !!e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey;
}

/** Next index in a menu for an arrow/Home/End key, skipping disabled items; null when not a move key. */
export function menuMove(key: string, current: number, disabled: boolean[]): number | null {
  const n = disabled.length;
  if (n === 0) return null;
  const enabled = disabled.map((d, i) => (d ? -1 : i)).filter((i) => i >= 0);
  if (enabled.length === 0) return null;
  switch (key) {
    case "ArrowDown": {
      for (let step = 1; step <= n; step++) {
        const i = (current + step + n) % n;
        if (!disabled[i]) return i;
      }
      return current;
    }
    case "ArrowUp": {
      for (let step = 1; step <= n; step++) {
        const i = (((current - step) % n) + n) % n;
        if (!disabled[i]) return i;
      }
      return current;
    }
    case "Home":
      return enabled[0]!;
    case "End":
      return enabled[enabled.length - 1]!;
    default:
      return null;
  }
}

/** Where to put a menu of size (w, h) opened at (x, y) so it stays inside the viewport. */
export function placeMenu(x: number, y: number, w: number, h: number, vw: number, vh: number, margin = 8) {
  const left = Math.max(margin, Math.min(x, vw - w - margin));
  const top = y + h + margin > vh ? Math.max(margin, y - h) : y;
  return { left, top };
}

// Long-press on touch (≈500 ms) opens the context menu, as right click does with a mouse.
// Framework-free: the card forwards pointer events; timers are injectable for tests.

export const LONG_PRESS_MS = 500;
/** A finger that moves further than this is scrolling, not pressing. */
export const MOVE_TOLERANCE_PX = 10;

export interface PointerLike {
  pointerType: string;
  clientX: number;
  clientY: number;
  button?: number;
}

export class LongPress {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private startX = 0;
  private startY = 0;
  /** Set when the press fired, so the click/contextmenu that follows can be swallowed. */
  fired = false;

  constructor(
    private readonly onLongPress: (x: number, y: number) => void,
    private readonly ms: number = LONG_PRESS_MS,
  ) {}

  down(e: PointerLike): void {
    this.cancel();
    this.fired = false;
    // Mouse users have right click; pen and touch get the long-press.
    if (e.pointerType === "mouse") return;
    if (e.button !== undefined && e.button !== 0) return;
    this.startX = e.clientX;
    this.startY = e.clientY;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fired = true;
      this.onLongPress(this.startX, this.startY);
    }, this.ms);
  }

  move(e: PointerLike): void {
    if (!this.timer) return;
    if (Math.hypot(e.clientX - this.startX, e.clientY - this.startY) > MOVE_TOLERANCE_PX) this.cancel();
  }

  up(): void {
    this.cancel();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get pending(): boolean {
    return this.timer !== null;
  }

  /** Whether the event that follows a fired press should be swallowed (and forgets it). */
  consumeFired(): boolean {
    const f = this.fired;
    this.fired = false;
    return f;
  }
}

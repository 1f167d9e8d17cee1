// Cursor paging for infinite scroll: history (`next` string) and ledger (`next` number).
// Framework-free: the store copies `snapshot()` into reactive state after every change.

export interface Page<T, C> {
  items: T[];
  next: C | null;
}

export interface PagerSnapshot<T> {
  items: T[];
  /** A page is being read. */
  loading: boolean;
  /** No more pages. */
  done: boolean;
  /** The first page has answered at least once. */
  loaded: boolean;
  /** What went wrong last time, or null. */
  error: string | null;
}

export class Pager<T, C> {
  private items: T[] = [];
  private cursor: C | null = null;
  private done = false;
  private loaded = false;
  private loading = false;
  private error: string | null = null;
  /** Bumped by reset(): answers to an older epoch are dropped. */
  private epoch = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly fetchPage: (cursor: C | null) => Promise<Page<T, C>>,
    private readonly keyOf: (item: T) => string,
    private readonly onChange: (s: PagerSnapshot<T>) => void = () => {},
    private readonly describeError: (e: unknown) => string = (e) => String(e),
  ) {}

  snapshot(): PagerSnapshot<T> {
    return { items: this.items, loading: this.loading, done: this.done, loaded: this.loaded, error: this.error };
  }

  private emit() {
    this.onChange(this.snapshot());
  }

  /** Reads the next page unless one is being read or there are no more. */
  loadMore(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.done) return Promise.resolve();
    const epoch = this.epoch;
    this.loading = true;
    this.error = null;
    this.emit();
    const p = this.fetchPage(this.cursor)
      .then((page) => {
        if (epoch !== this.epoch) return;
        const seen = new Set(this.items.map(this.keyOf));
        const fresh = page.items.filter((i) => !seen.has(this.keyOf(i)));
        this.items = this.items.concat(fresh);
        this.cursor = page.next;
        // A page that brings nothing new also ends the list (guards against a cursor loop).
        this.done = page.next === null || (page.items.length > 0 && fresh.length === 0);
        this.loaded = true;
      })
      .catch((e) => {
        if (epoch !== this.epoch) return;
        this.error = this.describeError(e);
        this.loaded = true;
      })
      .finally(() => {
        if (epoch !== this.epoch) return;
        this.loading = false;
        this.inflight = null;
        this.emit();
      });
    this.inflight = p;
    return p;
  }

  /** Starts again from the first page (filters changed). */
  reset(): Promise<void> {
    this.epoch++;
    this.items = [];
    this.cursor = null;
    this.done = false;
    this.loading = false;
    this.error = null;
    this.inflight = null;
    return this.loadMore();
  }

  /**
   * Merges a fresh read of the first page into what is loaded, without losing the user's place:
   * items already loaded are replaced in place, newer ones are put on top.
   */
  mergeHead(head: T[]): void {
    if (head.length === 0) return;
    const byKey = new Map(head.map((i) => [this.keyOf(i), i] as const));
    const known = new Set(this.items.map(this.keyOf));
    const newer = head.filter((i) => !known.has(this.keyOf(i)));
    const updated = this.items.map((i) => byKey.get(this.keyOf(i)) ?? i);
    this.items = newer.concat(updated);
    if (!this.loaded) this.loaded = true;
    this.emit();
  }

  /** Replaces one loaded item (e.g. after its claim changed); returns whether it was loaded. */
  replace(item: T): boolean {
    const k = this.keyOf(item);
    const idx = this.items.findIndex((i) => this.keyOf(i) === k);
    if (idx < 0) return false;
    this.items = this.items.slice();
    this.items[idx] = item;
    this.emit();
    return true;
  }

  /** Puts a new item on top (e.g. a generation just made), unless it is already there. */
  prepend(item: T): void {
    if (this.replace(item)) return;
    this.items = [item, ...this.items];
    this.emit();
  }

  get length(): number {
    return this.items.length;
  }
}

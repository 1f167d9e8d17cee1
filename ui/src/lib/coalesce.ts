// Runs at most one refresh per resource at a time; a request that arrives while one runs makes it
// run once more afterwards (so the last state always wins, and a burst of events costs two reads).

export class Coalescer<K> {
  private running = new Set<K>();
  private again = new Set<K>();
  private scheduled = new Set<K>();

  constructor(
    private readonly run: (key: K) => Promise<unknown>,
    private readonly delayMs = 30,
  ) {}

  request(key: K): void {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    setTimeout(() => {
      this.scheduled.delete(key);
      void this.start(key);
    }, this.delayMs);
  }

  private async start(key: K): Promise<void> {
    this.running.add(key);
    try {
      await this.run(key);
    } catch {
      // The runner reports its own errors.
    } finally {
      this.running.delete(key);
      if (this.again.delete(key)) this.request(key);
    }
  }
}

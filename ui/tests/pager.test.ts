import { describe, expect, it, vi } from "vitest";
import { Pager, type Page } from "../src/lib/pager";

type Item = { id: string };
const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: `g${from + i}` }));

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("Pager", () => {
  it("passes each page's next cursor to the following read and stops at null", async () => {
    const fetch = vi.fn(async (cursor: string | null): Promise<Page<Item, string>> => {
      if (cursor === null) return { items: items(0, 2), next: "g1" };
      if (cursor === "g1") return { items: items(2, 2), next: "g3" };
      return { items: items(4, 1), next: null };
    });
    const p = new Pager<Item, string>(fetch, (i) => i.id);
    await p.loadMore();
    await p.loadMore();
    await p.loadMore();
    expect(fetch.mock.calls.map((c) => c[0])).toEqual([null, "g1", "g3"]);
    expect(p.snapshot().items.map((i) => i.id)).toEqual(["g0", "g1", "g2", "g3", "g4"]);
    expect(p.snapshot().done).toBe(true);
    await p.loadMore();
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it("does not read the same page twice when asked again while reading", async () => {
    const d = deferred<Page<Item, string>>();
    const fetch = vi.fn(() => d.promise);
    const p = new Pager<Item, string>(fetch, (i) => i.id);
    const a = p.loadMore();
    const b = p.loadMore();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(p.snapshot().loading).toBe(true);
    d.resolve({ items: items(0, 1), next: "g0" });
    await Promise.all([a, b]);
    expect(p.snapshot()).toMatchObject({ loading: false, loaded: true, done: false });
  });

  it("drops an answer that arrives after the filters changed", async () => {
    const old = deferred<Page<Item, string>>();
    const fetch = vi.fn()
      .mockReturnValueOnce(old.promise)
      .mockResolvedValueOnce({ items: [{ id: "new" }], next: null });
    const p = new Pager<Item, string>(fetch, (i) => i.id);
    void p.loadMore();
    await p.reset();
    old.resolve({ items: [{ id: "stale" }], next: "stale" });
    await Promise.resolve();
    expect(p.snapshot().items.map((i) => i.id)).toEqual(["new"]);
    expect(p.snapshot().done).toBe(true);
  });

  it("keeps the error and can try again from the same cursor", async () => {
    const fetch = vi.fn()
      .mockResolvedValueOnce({ items: items(0, 1), next: "g0" })
      .mockRejectedValueOnce({ code: "storage", message: "Disk full." })
      .mockResolvedValueOnce({ items: items(1, 1), next: null });
    const p = new Pager<Item, string>(fetch, (i) => i.id, undefined, (e) => (e as { message: string }).message);
    await p.loadMore();
    await p.loadMore();
    expect(p.snapshot().error).toBe("Disk full.");
    await p.loadMore();
    expect(fetch.mock.calls.map((c) => c[0])).toEqual([null, "g0", "g0"]);
    expect(p.snapshot()).toMatchObject({ error: null, done: true });
  });

  it("ends the list if a page brings only items it already has (no cursor loop)", async () => {
    const fetch = vi.fn().mockResolvedValue({ items: items(0, 2), next: "g1" });
    const p = new Pager<Item, string>(fetch, (i) => i.id);
    await p.loadMore();
    await p.loadMore();
    expect(p.snapshot().items).toHaveLength(2);
    expect(p.snapshot().done).toBe(true);
  });

  it("merges a fresh first page: new ones on top, known ones updated in place", async () => {
    const fetch = vi.fn().mockResolvedValue({ items: [{ id: "a", v: 1 }, { id: "b", v: 1 }], next: "b" });
    const p = new Pager<{ id: string; v: number }, string>(fetch, (i) => i.id);
    await p.loadMore();
    p.mergeHead([{ id: "new", v: 1 }, { id: "a", v: 2 }]);
    expect(p.snapshot().items).toEqual([{ id: "new", v: 1 }, { id: "a", v: 2 }, { id: "b", v: 1 }]);
  });

  it("replaces and prepends single items, notifying each change", async () => {
    const onChange = vi.fn();
    const p = new Pager<{ id: string; v: number }, string>(async () => ({ items: [{ id: "a", v: 1 }], next: null }), (i) => i.id, onChange);
    await p.loadMore();
    expect(p.replace({ id: "a", v: 2 })).toBe(true);
    expect(p.replace({ id: "zz", v: 2 })).toBe(false);
    p.prepend({ id: "b", v: 1 });
    p.prepend({ id: "b", v: 3 });
    expect(p.snapshot().items).toEqual([{ id: "b", v: 3 }, { id: "a", v: 2 }]);
    expect(onChange).toHaveBeenCalled();
  });

  it("handles numeric cursors (ledger)", async () => {
    const fetch = vi.fn(async (before: number | null) =>
      before === null ? { items: [{ seq: 10 }, { seq: 9 }], next: 9 } : { items: [{ seq: 8 }], next: null },
    );
    const p = new Pager<{ seq: number }, number>(fetch, (e) => String(e.seq));
    await p.loadMore();
    await p.loadMore();
    expect(fetch.mock.calls.map((c) => c[0])).toEqual([null, 9]);
    expect(p.length).toBe(3);
  });
});

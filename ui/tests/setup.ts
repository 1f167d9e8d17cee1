// The Tauri mocks expect a browser `window`; in Node the global object stands in for it.
const g = globalThis as unknown as { window?: unknown };
if (typeof g.window === "undefined") g.window = globalThis;

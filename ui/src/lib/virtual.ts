// Windowing for the history grid: only the rows in view (plus a margin) are in the DOM.

export interface GridWindow {
  columns: number;
  /** First and one-past-last item index to render. */
  start: number;
  end: number;
  /** Space above the first rendered row, px. */
  padTop: number;
  /** Total scroll height of all rows, px. */
  totalHeight: number;
  /** Whether the rendered window reaches the last loaded rows (time to read the next page). */
  nearEnd: boolean;
}

export function columnsFor(width: number, minCardWidth: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (minCardWidth + gap)));
}

export function gridWindow(opts: {
  count: number;
  width: number;
  viewportHeight: number;
  scrollTop: number;
  minCardWidth: number;
  rowHeight: number;
  gap: number;
  overscanRows?: number;
  /** How many rows from the end count as "near" for loading more. */
  prefetchRows?: number;
}): GridWindow {
  const { count, width, viewportHeight, scrollTop, minCardWidth, rowHeight, gap } = opts;
  const overscan = opts.overscanRows ?? 2;
  const prefetch = opts.prefetchRows ?? 3;
  const columns = columnsFor(width, minCardWidth, gap);
  const rows = Math.ceil(count / columns);
  const stride = rowHeight + gap;
  const firstRow = Math.max(0, Math.floor(scrollTop / stride) - overscan);
  const lastRow = Math.min(rows, Math.ceil((scrollTop + viewportHeight) / stride) + overscan);
  const start = Math.min(count, firstRow * columns);
  const end = Math.min(count, lastRow * columns);
  const visibleLastRow = Math.ceil((scrollTop + viewportHeight) / stride);
  return {
    columns,
    start,
    end,
    padTop: firstRow * stride,
    totalHeight: rows > 0 ? rows * stride - gap : 0,
    nearEnd: visibleLastRow >= rows - prefetch,
  };
}

/** The scrollTop that brings item `index` into view (for keyboard focus moves), or null if it already is. */
export function scrollToReveal(opts: {
  index: number; columns: number; rowHeight: number; gap: number; scrollTop: number; viewportHeight: number;
}): number | null {
  const stride = opts.rowHeight + opts.gap;
  const top = Math.floor(opts.index / opts.columns) * stride;
  if (top < opts.scrollTop) return top;
  if (top + opts.rowHeight > opts.scrollTop + opts.viewportHeight) return top + opts.rowHeight - opts.viewportHeight;
  return null;
}

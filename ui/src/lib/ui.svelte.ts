// State of the overlays: the context menu, the "Bad result" dialog and the full-size output viewer.
import type { GenerationItem } from "./bindings/GenerationItem";

export const menu = $state({
  open: false,
  x: 0,
  y: 0,
  item: null as GenerationItem | null,
  /** Where focus goes back when the menu closes. */
  returnFocus: null as HTMLElement | null,
  /** Opened from the keyboard: focus the first item. */
  viaKeyboard: false,
});

export const claimDialog = $state({
  item: null as GenerationItem | null,
  returnFocus: null as HTMLElement | null,
});

export function openMenu(item: GenerationItem, x: number, y: number, returnFocus: HTMLElement | null, viaKeyboard: boolean) {
  menu.item = item;
  menu.x = x;
  menu.y = y;
  menu.returnFocus = returnFocus;
  menu.viaKeyboard = viaKeyboard;
  menu.open = true;
}

export function closeMenu(restoreFocus = true) {
  if (!menu.open) return;
  menu.open = false;
  const back = menu.returnFocus;
  if (restoreFocus && back && back.isConnected) back.focus();
}

export function openClaimDialog(item: GenerationItem, returnFocus: HTMLElement | null) {
  claimDialog.returnFocus = returnFocus;
  claimDialog.item = item;
}

/** The output shown full size (from the context menu or the Bad result dialog's thumbnail). */
export const viewer = $state({
  item: null as GenerationItem | null,
  returnFocus: null as HTMLElement | null,
});

export function openViewer(item: GenerationItem, returnFocus: HTMLElement | null) {
  viewer.returnFocus = returnFocus;
  viewer.item = item;
}

/** The Generate bar's choices, kept while the app runs (the History screen is re-created when
 * the user comes back to it). */
export const generateChoice = $state({
  feature: "" as string,
  surface: "" as string,
});

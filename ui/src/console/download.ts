// Saving something the console made (a CSV, a policy draft) as a file: a Blob, an object URL and
// a link with `download`, clicked. Nothing inline, so the page's CSP (no inline script, blob:
// allowed) is not in the way, and nothing leaves the browser.

export function downloadText(fileName: string, mediaType: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mediaType }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.rel = "noopener";
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Let the download start before the URL goes.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const downloadCsv = (fileName: string, csv: string): void => downloadText(fileName, "text/csv;charset=utf-8;header=present", csv);

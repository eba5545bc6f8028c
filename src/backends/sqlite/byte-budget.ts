/**
 * A page of rows read one at a time, so that a page of large documents stops at its byte
 * budget: each row as `keep` makes it while the text of the rows so far (`textOf`, null
 * for none) comes to at most `maxBytes`, the first row always; then, when `past` is
 * given, the first row beyond the budget as `past` makes it. No row after that is read.
 */
export function readWithin<R, T>(
  rows: Iterable<R>,
  maxBytes: number,
  textOf: (row: R) => string | null,
  keep: (row: R) => T,
  past?: (row: R) => T,
): T[] {
  const page: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const text = textOf(row);
    bytes += text === null ? 0 : Buffer.byteLength(text);
    if (page.length > 0 && bytes > maxBytes) {
      if (past) page.push(past(row));
      break;
    }
    page.push(keep(row));
  }
  return page;
}

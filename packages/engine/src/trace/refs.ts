/**
 * Reference strings typed on the command line (`--refs 7,0,1,2,0,3`), as in textbooks and
 * OSTEP's paging-policy.py `-a`.
 */

/** A malformed reference list; `position` is the 1-based character where the problem is. */
export class RefListError extends Error {
  override name = "RefListError";
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/**
 * Parse page numbers separated by commas and/or whitespace: decimal, or hex after 0x, each at
 * most 2^53-1. An empty entry (`7,,0`), a sign or any other character is an error naming its
 * position.
 *
 * @example parseRefList("7, 0, 1,2") // [7, 0, 1, 2]
 * @example parseRefList("7 0 0x1f") // [7, 0, 31]
 */
export function parseRefList(text: string): number[] {
  const refs: number[] = [];
  let i = 0;
  const length = text.length;
  const isBlank = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";
  while (i < length && isBlank(text[i])) i++;
  if (i === length) throw new RefListError("empty reference list", 1);
  for (;;) {
    const start = i;
    let hex = false;
    if (text[i] === "0" && (text[i + 1] === "x" || text[i + 1] === "X")) {
      hex = true;
      i += 2;
    }
    const digitsStart = i;
    while (i < length && (hex ? /[0-9a-fA-F]/ : /[0-9]/).test(text[i] as string)) i++;
    if (i === digitsStart) {
      const what = i >= length ? "end of list" : `"${text[i]}"`;
      throw new RefListError(`expected a page number at position ${i + 1}, found ${what}`, i + 1);
    }
    const value = hex
      ? Number.parseInt(text.slice(digitsStart, i), 16)
      : Number(text.slice(start, i));
    if (!Number.isSafeInteger(value)) {
      throw new RefListError(
        `page number ${text.slice(start, i)} at position ${start + 1} is larger than 2^53-1`,
        start + 1,
      );
    }
    refs.push(value);
    // A separator: blanks, or a comma with optional blanks around it.
    const separatorStart = i;
    while (i < length && isBlank(text[i])) i++;
    if (i < length && text[i] === ",") {
      i++;
      while (i < length && isBlank(text[i])) i++;
      if (i === length) {
        throw new RefListError(`expected a page number after the comma at the end`, i);
      }
    } else if (i < length && i === separatorStart) {
      throw new RefListError(
        `unexpected "${text[i]}" at position ${i + 1}: page numbers are separated by commas or spaces`,
        i + 1,
      );
    }
    if (i >= length) return refs;
  }
}

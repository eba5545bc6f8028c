// JSON writes a number of 1e21 or more, or below 1e-6, with an exponent ("1e+308"), and
// PostgreSQL's jsonb keeps it as a decimal and prints it in full: 309 digits for 1e308.
// A document of such numbers read back from jsonb could be over fifty times its size as
// written, past the document limit and any page's byte budget. So documents are stored
// with every number written in full, on every backend: a document's size is then what
// every backend keeps and returns.

/** Whether JSON writes `value` (a finite number) with an exponent. */
export function hasExponent(value: number): boolean {
  return value >= 1e21 || value <= -1e21 || (value < 1e-6 && value > -1e-6 && value !== 0);
}

/**
 * A finite number written without an exponent, as PostgreSQL prints it:
 * `1e+21` → `1000000000000000000000`, `1.5e-7` → `0.00000015`. `JSON.parse` reads it
 * back as the same number, since its digits are the shortest that name it.
 */
export function numberInFull(value: number): string {
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const sign = value < 0 ? '-' : '';
  const mantissa = text.slice(sign.length, e);
  const digits = mantissa.replace('.', '');
  // JavaScript writes one digit before the point, so the point goes this far right.
  const point = 1 + Number(text.slice(e + 1));
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * `JSON.stringify` of a value already checked to be JSON (plain objects, arrays, strings,
 * finite numbers, booleans, null, and Dates to store as ISO strings), with every number
 * written in full. Used only for documents that hold a number `hasExponent` names.
 */
export function stringifyInFull(value: unknown): string {
  if (typeof value === 'number') return numberInFull(value);
  if (typeof value !== 'object' || value === null || value instanceof Date) {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(stringifyInFull).join(',')}]`;
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${stringifyInFull(member)}`);
  }
  return `{${members.join(',')}}`;
}

/**
 * `JSON.stringify` of a JSON value with every number written in full, for text a backend
 * stores as it is given (an operation's operand or result): as quick as `JSON.stringify`
 * for a value that holds no number `hasExponent` names.
 */
export function jsonInFull(value: unknown): string {
  const text = JSON.stringify(value);
  // An exponent always follows a digit; a string that only looks so costs a second pass.
  return /\de[+-]/.test(text) ? stringifyInFull(value) : text;
}

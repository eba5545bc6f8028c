import type { Bind } from '../kit/condition-sql.js';

/**
 * Exact comparison of a stored JSON number with an operand, for SQLite. SQLite reads
 * numbers in JSON text into doubles that can be a few units in the last place off
 * beyond about 1e±100 (`-5.3155507604509186e-257` becomes `-5.315550760450918e-257`),
 * so comparing those doubles makes distinct numbers equal and equal ones distinct. The
 * JSON text itself is exact: both sides are taken as decimals, `±0.digits × 10^exponent`
 * with no zero at either end of the digits, and compared by sign, then exponent, then
 * digits as strings (which orders them as the fractions they are). This is PostgreSQL's
 * `numeric` order, and for text written by `JSON.stringify` (shortest round-trip form)
 * it is the order and equality of the JavaScript numbers.
 */

/** The decimal parts of a JSON number's text: sign (-1, 0, 1), exponent and digits. */
export function decimalParts(value: number): { sign: number; exponent: number; digits: string } {
  const text = JSON.stringify(Math.abs(value));
  const [mantissa = '', power = '0'] = text.split('e');
  const point = mantissa.indexOf('.');
  const all = mantissa.replace('.', '');
  const significant = all.replace(/^0+/, '');
  const digits = significant.replace(/0+$/, '');
  if (digits === '') return { sign: 0, exponent: 0, digits: '' };
  const integerLength = point < 0 ? mantissa.length : point;
  const exponent = Number(power) + integerLength - (all.length - significant.length);
  return { sign: Math.sign(value), exponent, digits };
}

// Innermost first: sign and unsigned text; mantissa and exponent; digits and the length of
// the integer part; then the normalised sign `n`, exponent `e` and digits `d` (no zero at
// either end; '' for zero) of the JSON number whose text is `text`.
function decimalSql(text: string): string {
  const signed = `SELECT CASE WHEN substr(t, 1, 1) = '-' THEN -1 ELSE 1 END AS n, ltrim(t, '-') AS a FROM (SELECT ${text} AS t)`;
  const split = `SELECT n, CASE WHEN p > 0 THEN substr(a, 1, p - 1) ELSE a END AS m,
      CASE WHEN p > 0 THEN CAST(substr(a, p + 1) AS INTEGER) ELSE 0 END AS x
    FROM (SELECT n, a, instr(lower(a), 'e') AS p FROM (${signed}))`;
  const joined = `SELECT n, x, replace(m, '.', '') AS g,
      CASE WHEN instr(m, '.') > 0 THEN instr(m, '.') - 1 ELSE length(m) END AS il
    FROM (${split})`;
  return `SELECT n, x + il - (length(g) - length(ltrim(g, '0'))) AS e,
      rtrim(ltrim(g, '0'), '0') AS d
    FROM (${joined})`;
}

/**
 * An SQLite expression giving -1, 0 or 1 as the number whose JSON text is `text` is below,
 * equal to or above `value`. `text` must be a JSON number's text (test `json_type` first).
 */
export function compareNumberSql(text: string, value: number, bind: Bind): string {
  const parts = decimalParts(value);
  const s = bind(parts.sign);
  const e = bind(parts.exponent);
  const d = bind(parts.digits);
  return `(SELECT CASE WHEN d = '' THEN -${s} WHEN n <> ${s} THEN n
      WHEN e <> ${e} THEN n * sign(e - ${e}) WHEN d = ${d} THEN 0 WHEN d < ${d} THEN -n ELSE n END
    FROM (${decimalSql(text)}))`;
}

/** The deterministic SQL function `registerNumberKeyFunction` adds (see `numberKeyOfText`). */
export const NUMBER_KEY_FUNCTION = 'noclobber_number_key';

/**
 * An SQLite text expression that orders (by binary comparison) as the numbers whose JSON
 * text `text` is (see `numberKeyOfText`). Exact where comparing SQLite's doubles is not
 * (see above), and the same order as `compareNumberSql`. One call of a deterministic
 * function, so an index can keep it and a query names it in the same words.
 */
export const numberKeySql = (text: string): string => `${NUMBER_KEY_FUNCTION}(${text})`;

// `printf('%06d', n)`: six characters at least, the sign counted among them.
const sixDigits = (n: number) =>
  n < 0 ? `-${String(-n).padStart(5, '0')}` : String(n).padStart(6, '0');

/**
 * The key of the number whose JSON text is `text`: 'N' for negatives, 'O' for zero, 'P'
 * for positives, then the exponent (biased to six digits, inverted for negatives) and the
 * digits (each complemented, '0' → 'j' … '9' → 'a', for negatives, whose digits order the
 * other way round, then '~', which sorts above every letter). Read from the text as a
 * decimal, never through a double, so it is exact for any text a JSON number may have.
 */
export function numberKeyOfText(text: string): string {
  return strictNumberKey(text) ?? looseNumberKey(text);
}

// '0' … '9', by char code.
const isDigit = (c: number) => c >= 48 && c <= 57;

// The key of text in JSON's own number form (`-?int(.frac)?([eE][+-]?digits)?`), the text
// SQLite gives for a stored number, read in one pass: a write keeps this key for each
// number index of each document it writes. Undefined for any other text.
function strictNumberKey(text: string): string | undefined {
  const end = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const intStart = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  const intEnd = i;
  if (intEnd === intStart) return undefined;
  let fracStart = i;
  if (text.charCodeAt(i) === 46) {
    fracStart = ++i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i === fracStart) return undefined;
  }
  const fracEnd = i;
  let x = 0;
  if (i < end) {
    if ((text.charCodeAt(i) | 32) !== 101) return undefined;
    const sign = text.charCodeAt(++i);
    if (sign === 43 || sign === 45) i++;
    const digits = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i === digits || i !== end) return undefined;
    x = Number(text.slice(digits, end)) * (sign === 45 ? -1 : 1);
  }
  const g = text.slice(intStart, intEnd) + text.slice(fracStart, fracEnd);
  let lead = 0;
  while (lead < g.length && g.charCodeAt(lead) === 48) lead++;
  let trail = g.length;
  while (trail > lead && g.charCodeAt(trail - 1) === 48) trail--;
  if (trail === lead) return 'O';
  return keyOf(intStart === 1, x + (intEnd - intStart) - lead, g.slice(lead, trail));
}

// The key of any other text, read as SQL's string functions read it (see `decimalSql`).
function looseNumberKey(text: string): string {
  const a = text.replace(/^-+/, '');
  const p = a.search(/e/i);
  const m = p < 0 ? a : a.slice(0, p);
  // As SQL's CAST to INTEGER: the leading signed digits, 0 where there are none.
  const x = p < 0 ? 0 : Number(/^\s*[+-]?\d+/.exec(a.slice(p + 1))?.[0] ?? 0);
  const g = m.replaceAll('.', '');
  const point = m.indexOf('.');
  const significant = g.replace(/^0+/, '');
  const d = significant.replace(/0+$/, '');
  if (d === '') return 'O';
  const e = x + (point < 0 ? m.length : point) - (g.length - significant.length);
  return keyOf(text.startsWith('-'), e, d);
}

// The key of a nonzero decimal: its sign, exponent `e` and digits `d` (no zero at either end).
function keyOf(negative: boolean, e: number, d: string): string {
  if (!negative) return `P${sixDigits(e + 500000)}${d}`;
  let complement = '';
  for (let i = 0; i < d.length; i++) complement += String.fromCharCode(154 - d.charCodeAt(i));
  return `N${sixDigits(500000 - e)}${complement}~`;
}

/** What `registerNumberKeyFunction` needs of a connection (better-sqlite3's `Database`). */
export interface NumberKeyRegistry {
  function(
    name: string,
    options: { deterministic: boolean; safeIntegers?: boolean },
    implementation: (text: unknown) => string | null,
  ): unknown;
}

/**
 * Adds `NUMBER_KEY_FUNCTION` to a connection. Declared number indexes keep its result, so
 * every connection that writes documents of such a collection, or reads through its
 * index, needs it. It takes a JSON number's text (a stored value) or a bound number (an
 * operand: the key is made in the statement, so its text and values stay those of the
 * query, see `sqliteIndexes`); NULL in gives NULL out.
 */
export function registerNumberKeyFunction(database: NumberKeyRegistry): void {
  database.function(NUMBER_KEY_FUNCTION, { deterministic: true, safeIntegers: false }, (value) => {
    if (typeof value === 'string') return numberKeyOfText(value);
    if (typeof value === 'number') return numberKey(value);
    return typeof value === 'bigint' ? numberKeyOfText(String(value)) : null;
  });
}

/** The key `numberKeyOfText` gives the JSON text of `value`, as documents are stored. */
export function numberKey(value: number): string {
  return numberKeyOfText(JSON.stringify(value));
}

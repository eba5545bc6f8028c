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

// Each digit's complement as a letter ('0' → 'j' … '9' → 'a'): a negative number's digits
// order the other way round, and '~' after them sorts above every letter.
const complementSql = (digits: string) =>
  [...'0123456789'].reduce(
    (sql, digit) => `replace(${sql}, '${digit}', '${String.fromCharCode(106 - Number(digit))}')`,
    digits,
  );
const COMPLEMENT = complementSql('d');

/**
 * An SQLite text expression that orders (by binary comparison) as the numbers whose JSON
 * text `text` is: 'N' for negatives, 'O' for zero, 'P' for positives, then the exponent
 * (biased to six digits, inverted for negatives) and the digits (complemented for
 * negatives, then '~'). Exact where comparing SQLite's doubles is not (see above), and
 * the same order as `compareNumberSql`. `text` must be a JSON number's text.
 */
export function numberKeySql(text: string): string {
  return `(SELECT CASE WHEN d = '' THEN 'O'
      WHEN n = 1 THEN 'P' || printf('%06d', e + 500000) || d
      ELSE 'N' || printf('%06d', 500000 - e) || ${COMPLEMENT} || '~' END
    FROM (${decimalSql(text)}))`;
}

/**
 * `numberKeySql` as one expression with no subquery (each step written out where it is
 * used), so that an index can keep it: SQLite indexes deterministic expressions of a row,
 * never subqueries. The same key, character for character.
 */
export function numberKeyExpression(text: string): string {
  const a = `ltrim(${text}, '-')`;
  const p = `instr(lower(${a}), 'e')`;
  const m = `(CASE WHEN ${p} > 0 THEN substr(${a}, 1, ${p} - 1) ELSE ${a} END)`;
  const x = `(CASE WHEN ${p} > 0 THEN CAST(substr(${a}, ${p} + 1) AS INTEGER) ELSE 0 END)`;
  const g = `replace(${m}, '.', '')`;
  const il = `(CASE WHEN instr(${m}, '.') > 0 THEN instr(${m}, '.') - 1 ELSE length(${m}) END)`;
  const e = `(${x} + ${il} - (length(${g}) - length(ltrim(${g}, '0'))))`;
  const d = `rtrim(ltrim(${g}, '0'), '0')`;
  return `(CASE WHEN ${d} = '' THEN 'O'
      WHEN substr(${text}, 1, 1) <> '-' THEN 'P' || printf('%06d', ${e} + 500000) || ${d}
      ELSE 'N' || printf('%06d', 500000 - ${e}) || ${complementSql(d)} || '~' END)`;
}

/** The key `numberKeySql` gives the JSON text of `value`, computed here. */
export function numberKey(value: number): string {
  const { sign, exponent, digits } = decimalParts(value);
  if (sign === 0) return 'O';
  if (sign > 0) return `P${String(exponent + 500000).padStart(6, '0')}${digits}`;
  const complement = [...digits].map((c) => String.fromCharCode(106 - Number(c))).join('');
  return `N${String(500000 - exponent).padStart(6, '0')}${complement}~`;
}

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

/**
 * An SQLite expression giving -1, 0 or 1 as the number whose JSON text is `text` is below,
 * equal to or above `value`. `text` must be a JSON number's text (test `json_type` first).
 */
export function compareNumberSql(text: string, value: number, bind: Bind): string {
  const parts = decimalParts(value);
  const s = bind(parts.sign);
  const e = bind(parts.exponent);
  const d = bind(parts.digits);
  // Innermost first: sign and unsigned text; mantissa and exponent; digits and the
  // length of the integer part; then the normalised exponent and digits.
  const signed = `SELECT CASE WHEN substr(t, 1, 1) = '-' THEN -1 ELSE 1 END AS n, ltrim(t, '-') AS a FROM (SELECT ${text} AS t)`;
  const split = `SELECT n, CASE WHEN p > 0 THEN substr(a, 1, p - 1) ELSE a END AS m,
      CASE WHEN p > 0 THEN CAST(substr(a, p + 1) AS INTEGER) ELSE 0 END AS x
    FROM (SELECT n, a, instr(lower(a), 'e') AS p FROM (${signed}))`;
  const joined = `SELECT n, x, replace(m, '.', '') AS g,
      CASE WHEN instr(m, '.') > 0 THEN instr(m, '.') - 1 ELSE length(m) END AS il
    FROM (${split})`;
  const normal = `SELECT n, x + il - (length(g) - length(ltrim(g, '0'))) AS e,
      rtrim(ltrim(g, '0'), '0') AS d
    FROM (${joined})`;
  return `(SELECT CASE WHEN d = '' THEN -${s} WHEN n <> ${s} THEN n
      WHEN e <> ${e} THEN n * sign(e - ${e}) WHEN d = ${d} THEN 0 WHEN d < ${d} THEN -n ELSE n END
    FROM (${normal}))`;
}

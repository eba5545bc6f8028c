import { MalformedHeaderError } from './errors.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '([0-9]{2}):([0-9]{2}):([0-9]{2})';
// The three forms a recipient accepts (RFC 9110 5.6.7): IMF-fixdate, rfc850, asctime.
const IMF = new RegExp(`^${DAY}, ([0-9]{2}) ${MONTH} ([0-9]{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^${LONG_DAY}, ([0-9]{2})-${MONTH}-([0-9]{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ 0-9][0-9]) ${TIME} ([0-9]{4})$`);

/**
 * Parses an HTTP-date to ms since the epoch. A value that is not one throws
 * `MalformedHeaderError`: noclobber refuses such a request with 400 rather than ignoring
 * the condition, so a write is never applied unguarded by mistake.
 */
export function parseHttpDate(value: string, header: string): number {
  const text = value.trim();
  let day: string;
  let month: string;
  let year: number;
  let time: string[];
  const imf = IMF.exec(text);
  const rfc850 = imf ? null : RFC850.exec(text);
  const asctime = imf || rfc850 ? null : ASCTIME.exec(text);
  if (imf) {
    [day, month, year, time] = [
      imf[1] as string,
      imf[2] as string,
      Number(imf[3]),
      imf.slice(4, 7),
    ];
  } else if (rfc850) {
    // Two-digit years: the nearest to now that is not more than 50 years ahead (RFC 9110).
    const now = new Date().getUTCFullYear();
    let full = Math.floor(now / 100) * 100 + Number(rfc850[3]);
    if (full > now + 50) full -= 100;
    [day, month, year, time] = [rfc850[1] as string, rfc850[2] as string, full, rfc850.slice(4, 7)];
  } else if (asctime) {
    [month, day, time, year] = [
      asctime[1] as string,
      (asctime[2] as string).trim(),
      asctime.slice(3, 6),
      Number(asctime[6]),
    ];
  } else {
    throw new MalformedHeaderError(header, value);
  }
  const [hh, mm, ss] = time.map(Number) as [number, number, number];
  // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear takes the year as written.
  const at = new Date(Date.UTC(2000, MONTHS.indexOf(month), Number(day), hh, mm, ss));
  at.setUTCFullYear(year);
  const ms = at.getTime();
  const check = new Date(ms);
  if (
    hh > 23 ||
    mm > 59 ||
    ss > 60 ||
    check.getUTCDate() !== Number(day) ||
    check.getUTCMonth() !== MONTHS.indexOf(month)
  ) {
    throw new MalformedHeaderError(header, value);
  }
  return ms;
}

/** Formats ms since the epoch as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

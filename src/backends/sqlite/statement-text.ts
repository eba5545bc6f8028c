import type { IndexDialect } from '../kit/indexes.js';
import { sqliteIndexes } from './indexes.js';

/**
 * Query text with short stand-ins for index expressions. An index expression is long (a
 * typed extraction of a JSON path) and a range query with a sort names it up to five times:
 * building that text on every call and hashing it to find the prepared statement cost more
 * than running the statement. So a query is first written with one token per expression
 * (a control character no collection name, path or bound value can put in the text), and
 * the full text is made once per distinct statement and then reused as the same string,
 * whose hash the statement cache has already computed.
 */

const MARK = '\u0001';
const TOKENS = new RegExp(`${MARK}(\\d+)${MARK}`, 'g');
// Distinct statements kept; past this the map starts over (a statement is then built again).
const STATEMENTS_KEPT = 500;

const expressions: string[] = [];
const tokens = new Map<string, string>();
const statements = new Map<string, string>();

/** `sqliteIndexes`, each expression written as its token. */
export const tokenIndexes: IndexDialect = {
  ...sqliteIndexes,
  expression(path, type, column) {
    const expression = sqliteIndexes.expression(path, type, column);
    let token = tokens.get(expression);
    if (token === undefined) {
      token = `${MARK}${expressions.length}${MARK}`;
      expressions.push(expression);
      tokens.set(expression, token);
    }
    return token;
  },
};

/** The statement a text written with `tokenIndexes` stands for; the same string each time. */
export function expandTokens(text: string): string {
  const known = statements.get(text);
  if (known !== undefined) return known;
  if (statements.size >= STATEMENTS_KEPT) statements.clear();
  const full = text.replace(TOKENS, (_, i: string) => expressions[Number(i)] as string);
  statements.set(text, full);
  return full;
}

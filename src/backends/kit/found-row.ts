import type { DocumentMetadata } from '../../core/metadata.js';
import type { FoundDocument, PastBudget } from './backend.js';

/**
 * A document a query found, as a SQL backend's statement returns it (rows as arrays): the
 * body, `null` for the first row past a byte budget, then the id and metadata as the one
 * text `foundMetaSql` writes.
 */
export type FoundRow = readonly [body: string | null, meta: string];

// Ends the token and the id: tokens (UUIDs) and ids (validated) never hold a control
// character, and the actor, last, may hold anything.
const END = '\u0001';

/**
 * The SQL of a found row's second column: the revision, seq and last_modified, each
 * followed by a space, the token, then the id, then the actor if there is one, each of
 * the last three after a U+0001 (`separator`, as the dialect writes that character).
 * `column` names a column of the documents table. A driver converts each column of each
 * row on its own: a page of 50 took 406 µs on PostgreSQL with the id, the token and the
 * rest in three columns and 390 µs in one; 264 µs on SQLite with all six in columns of
 * their own and 245 µs in one.
 */
export function foundMetaSql(column: (name: string) => string, separator: string): string {
  const [revision, seq, modified, token, id, actor] = [
    'revision',
    'seq',
    'last_modified',
    'token',
    'id',
    'last_modified_by',
  ].map(column);
  return `${revision} || ' ' || ${seq} || ' ' || ${modified} || ' ' || ${token} || ${separator} || ${id} || COALESCE(${separator} || ${actor}, '')`;
}

/** The document of a found row, or the id of the first row past a byte budget. */
export function foundOf([body, meta]: FoundRow): FoundDocument | PastBudget {
  const a = meta.indexOf(' ');
  const b = meta.indexOf(' ', a + 1);
  const c = meta.indexOf(' ', b + 1);
  const d = meta.indexOf(END, c + 1);
  const e = meta.indexOf(END, d + 1);
  const id = e < 0 ? meta.slice(d + 1) : meta.slice(d + 1, e);
  if (body === null) return { id, body };
  const metadata: DocumentMetadata = {
    revision: Number(meta.slice(0, a)),
    token: meta.slice(c + 1, d),
    seq: Number(meta.slice(a + 1, b)),
    lastModified: Number(meta.slice(b + 1, c)),
    lastModifiedBy: e < 0 ? null : meta.slice(e + 1),
  };
  return { id, body, metadata };
}

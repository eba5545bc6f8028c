import type { Model } from '../src/testing/index.js';

/**
 * What a stress operation does to a document, and the model that replays it. Counters
 * carry a hash chain of every write's tag, so a final state shows a lost, doubled or
 * reordered write as surely as a full log would, at a fixed size.
 */
export type Change =
  | { readonly t: 'inc'; readonly tag: string }
  | { readonly t: 'ins'; readonly tag: string }
  /** A whole-document replace (or upsert), by an unpinned put. */
  | { readonly t: 'put'; readonly tag: string }
  | { readonly t: 'del' }
  | { readonly t: 'set'; readonly field: string; readonly value: number };

export type State = Record<string, string | number>;

/** FNV-1a of the previous link and the tag. */
export function chain(previous: string, tag: string): string {
  let hash = 0x811c9dc5;
  for (const ch of `${previous}|${tag}`) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export const model: Model<State, Change> = {
  apply(state, change) {
    switch (change.t) {
      case 'inc':
        return {
          ...state,
          n: Number(state?.n ?? 0) + 1,
          h: chain(String(state?.h ?? ''), change.tag),
        };
      case 'ins':
      case 'put':
        return { n: 1, h: chain('', change.tag) };
      case 'del':
        return undefined;
      case 'set':
        return { ...state, [change.field]: change.value };
    }
  },
  equals: (a, b) => canonical(a) === canonical(b),
};

// Kept by the store (id, version) or by the audit (the mark of an HTTP write), not the model.
const IGNORED = new Set(['id', 'version', 'mark']);

/** A state as sorted JSON, without the fields the model does not track. */
export function canonical(state: State | undefined): string {
  if (state === undefined) return 'absent';
  const entries = Object.entries(state).filter(([k]) => !IGNORED.has(k));
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

import { expect } from 'vitest';
import type { Counter } from './model.js';
import type { Accepted } from './racer.js';

/**
 * The lost-update invariant: the final counter equals the accepted writes applied in
 * revision order. Each accepted write appears exactly once, no two claim the same
 * revision, and revisions are gapless from the insert on.
 */
export function expectNoLostUpdate(final: Counter, accepted: Accepted[]) {
  const ordered = [...accepted].sort((a, b) => a.revision - b.revision);
  expect(final.n).toBe(accepted.length);
  expect(final.log).toEqual(ordered.map((a) => a.tag));
  expect(ordered.map((a) => a.revision)).toEqual(ordered.map((_, i) => i + 2));
  expect(final.version).toBe(accepted.length + 1);
}

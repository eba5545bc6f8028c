import type { Fixture } from './fixture.js';

/**
 * Runs `body` with the fixture database's commits held back at random after their numbers
 * are drawn (the backend's `slowCommits`, where writers can commit out of order), once the
 * store has migrated; the delays go afterwards, whatever `body` did.
 */
export async function withSlowCommits<T>(f: Fixture, body: () => Promise<T>): Promise<T> {
  await f.store.changes();
  const undo = await f.backend.slowCommits?.(f.config);
  try {
    return await body();
  } finally {
    await undo?.();
  }
}

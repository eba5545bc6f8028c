// Cleanups of what a run made outside the process (temporary folders, schemas, servers),
// kept where a signal handler can reach them: a run stopped by Ctrl-C or a crash must
// not leave them behind.

const pending = new Set<() => Promise<unknown>>();

/**
 * Registers `cleanup` until it has run; returns it wrapped so that it runs at most once,
 * whether called by its owner or by `cleanUpAll()`.
 */
export function registerCleanup(cleanup: () => Promise<unknown>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = () => {
    pending.delete(once);
    running ??= cleanup().then(
      () => {},
      (error: unknown) => console.error('cleanup failed:', error),
    );
    return running;
  };
  pending.add(once);
  return once;
}

/** Runs every registered cleanup, latest first (a schema before the server it lives on). */
export async function cleanUpAll(): Promise<void> {
  for (const cleanup of [...pending].reverse()) await cleanup();
}

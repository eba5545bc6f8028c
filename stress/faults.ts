import pg from 'pg';

/**
 * Terminates some of the workers' server connections every 150 ms. Each round has a
 * connection of its own, so a server restart in between costs one round, not the loop.
 */
export function injectTerminations(url: string, appName: string) {
  let killed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      try {
        await client.connect();
        const { rows } = await client.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
           WHERE application_name = $1 AND pid <> pg_backend_pid() AND random() < 0.3`,
          [appName],
        );
        killed += rows.filter((r) => r.killed).length;
      } catch {
        // The server is restarting: try again next round.
      } finally {
        await client.end().catch(() => {});
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  return {
    /** Stops injecting; resolves to how many connections were terminated. */
    async stop() {
      running = false;
      await loop;
      return killed;
    },
  };
}

/**
 * Restarts the server once, `after` ms into the run, while the workers write. `done()`
 * cancels a restart not begun yet, waits for one under way and resolves to the number of
 * restarts; a restart that failed rejects it (and only then: never unhandled).
 */
export function restartLater(restart: () => Promise<void>, after: number) {
  let restarted: Promise<number> = Promise.resolve(0);
  const timer = setTimeout(() => {
    restarted = restart().then(() => 1);
    // Observed now, so a failure is never an unhandled rejection; done() reports it.
    restarted.catch(() => {});
  }, after);
  return {
    async done() {
      clearTimeout(timer);
      return restarted;
    },
  };
}

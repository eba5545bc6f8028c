import { expect, it } from 'vitest';
import { runStress } from '../stress/stress.js';
import { backends } from './support/backends.js';

// The short run of `npm run stress`: random writers (pinned and unpinned, through the API
// and HTTP), 5 % of replies lost after the database ran the request, terminated
// connections on PostgreSQL (and, on an embedded server, a restart mid-run), every
// committed version audited. The full run (`npm run stress`) does 100,000 operations per
// backend.
for (const backend of backends) {
  it(`stress on ${backend.name}: every accepted write once, none applied twice, with lost replies`, async () => {
    // A server of its own, so restarting it disturbs no other test.
    const server = await backend.startServer?.();
    try {
      const report = await runStress({
        backend: backend.name,
        ...(server ? { url: server.url } : {}),
        ...(server?.restart ? { restart: server.restart, restartAfter: 2000 } : {}),
        ops: 4_000,
        seconds: 15,
        workers: 4,
        faults: true,
        lostReplies: 0.05,
        seed: Math.floor(Math.random() * 1e9),
      });
      expect(report.violations, `seed ${report.seed}`).toEqual([]);
      // Enough work to mean something: how much fits in 15 s depends on the machine (a
      // loaded 2-core one does 800–1,100 operations on an embedded server it restarts).
      expect(report.operations).toBeGreaterThan(400);
      expect(report.byStatus.ok).toBeGreaterThan(200);
      expect(report.byStatus.pending).toBe(0);
      expect(report.lostReplies).toBeGreaterThan(0);
      // A server's connections are what the run terminates.
      if (server) expect(report.faults).toBeGreaterThan(0);
      if (server?.restart) expect(report.restarts).toBe(1);
    } finally {
      await server?.stop();
    }
  }, 120_000);
}

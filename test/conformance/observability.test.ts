import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConflictEvent,
  DocumentStore,
  firstWriteWins,
  type GiveUpEvent,
  type ResolvedEvent,
  type RetryEvent,
  RetryExhaustedError,
  threeWayMerge,
} from '../../src/index.js';
import { collections, order } from '../support/model.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance, type Fixture } from './fixture.js';

// The real SDK with its in-memory exporter, installed as the global provider the way an
// application would; noclobber only ever talks to @opentelemetry/api.
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ readers: [reader] });
beforeAll(() => {
  metrics.setGlobalMeterProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  metrics.disable();
});

/** The data points of one metric for one collection, from a fresh export. */
async function points(name: string, collection: string) {
  exporter.reset();
  await reader.forceFlush();
  const found = exporter
    .getMetrics()
    .flatMap((r) => r.scopeMetrics)
    .flatMap((s) => s.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
  return found.filter((p) => p.attributes['noclobber.collection'] === collection);
}

const sum = (list: DataPoint<unknown>[]) => list.reduce((n, p) => n + (p.value as number), 0);

/** A store recording every hook call, on its own connection to the fixture's database. */
function recordingStore(fixture: Fixture) {
  const events = {
    conflict: [] as ConflictEvent[],
    retry: [] as RetryEvent[],
    resolved: [] as ResolvedEvent[],
    giveUp: [] as GiveUpEvent[],
  };
  const store = new DocumentStore({
    backend: openBackend(fixture.config),
    hooks: {
      onConflict: (e) => events.conflict.push(e),
      onRetry: (e) => events.retry.push(e),
      onResolved: (e) => events.resolved.push(e),
      onGiveUp: (e) => {
        events.giveUp.push(e);
        throw new Error('a broken hook changes nothing');
      },
    },
  });
  return { store, c: collections(store), events };
}

describeConformance('observability', (fixture) => {
  it('hooks and metrics report conflicts, retries, resolutions and give-ups', async () => {
    const { store, events } = recordingStore(fixture());
    const other = fixture().store;
    // A collection of its own per backend run, so the cumulative metrics start at zero.
    const name = `obs_${fixture().backend.name}`;
    const docs = store.collection<{ id: string; n: number; note?: string }>(name);
    try {
      await store.insert(docs, { id: 'd', n: 0 });
      // One conflict, then a retry that lands.
      let runs = 0;
      await store.update(
        docs,
        'd',
        async (doc) => {
          if (runs++ === 0)
            await other.update(docs, 'd', (x) => {
              x.n = 100;
            });
          doc.n += 1;
        },
        { retry: { initialDelay: 1 } },
      );
      expect(events.conflict).toHaveLength(1);
      expect(events.conflict[0]).toMatchObject({
        collection: name,
        id: 'd',
        operation: 'update',
        attempt: 1,
        expected: 1,
        actual: 2,
        tenant: 'default',
      });
      expect(events.retry).toHaveLength(1);
      expect(events.retry[0]?.delay).toBeGreaterThanOrEqual(0);
      // A conflict a resolver settles.
      let merged = 0;
      await store.update(
        docs,
        'd',
        async (doc) => {
          if (merged++ === 0)
            await other.update(docs, 'd', (x) => {
              x.note = 'theirs';
            });
          doc.n += 1;
        },
        { resolver: threeWayMerge() },
      );
      expect(events.resolved).toHaveLength(1);
      expect(events.resolved[0]).toMatchObject({ attempt: 1, expected: 3, actual: 4 });
      // A conflict firstWriteWins surfaces, and one that runs out of attempts.
      let surfaced = 0;
      await store
        .update(
          docs,
          'd',
          async (doc) => {
            if (surfaced++ === 0)
              await other.update(docs, 'd', (x) => {
                x.n = 0;
              });
            doc.n += 1;
          },
          { resolver: firstWriteWins },
        )
        .catch(() => {});
      const exhausted = await store
        .update(
          docs,
          'd',
          async (doc) => {
            await other.update(docs, 'd', (x) => {
              x.n += 1;
            });
            doc.n = -1;
          },
          { retry: { maxAttempts: 2, initialDelay: 0 } },
        )
        .catch((e: unknown) => e);
      expect(exhausted).toBeInstanceOf(RetryExhaustedError);
      expect(events.giveUp.map((e) => e.attempt)).toEqual([2, 2]);
      expect(events.giveUp[1]?.error).toBe(exhausted);

      // Conflicts of one-call writes and of sessions are reported too.
      const before = events.conflict.length;
      await store.put(docs, { id: 'd', n: 5 }, { check: { version: 1 } }).catch(() => {});
      const session = store.openSession();
      session.store(docs, { id: 'd', n: 6 }, { check: { version: 1 } });
      await session.saveChanges().catch(() => {});
      expect(events.conflict.slice(before).map((e) => [e.operation, e.expected])).toEqual([
        ['update', 1],
        ['update', 1],
      ]);

      expect(sum(await points('noclobber.conflicts', name))).toBe(events.conflict.length);
      expect(sum(await points('noclobber.retries', name))).toBe(events.retry.length);
      expect(sum(await points('noclobber.resolutions', name))).toBe(1);
      expect(sum(await points('noclobber.give_ups', name))).toBe(2);
      const attempts = await points('noclobber.attempts', name);
      const byOutcome = Object.fromEntries(
        attempts.map((p) => [p.attributes['noclobber.outcome'], (p.value as Histogram).count]),
      );
      // ok: our first update and the other writer's five (one each, two in the last loop).
      expect(byOutcome).toEqual({ ok: 6, resolved: 1, gave_up: 2 });
      const gaveUp = attempts.find((p) => p.attributes['noclobber.outcome'] === 'gave_up');
      expect((gaveUp?.value as Histogram | undefined)?.sum).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('without an SDK, an operation records into the no-op meter and works the same', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    await expect(
      store.update(c.orders, 'o-1', (o) => {
        o.total = 2;
      }),
    ).resolves.toMatchObject({
      total: 2,
    });
  });
});

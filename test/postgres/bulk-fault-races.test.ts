import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore } from '../../src/index.js';
import { type Cut, PgProxy, viaProxy } from '../support/pg-proxy.js';
import { dropSchema } from '../support/postgres-schema.js';

interface Tally {
  id: string;
  group: number;
  n: number;
  log: string[];
}

const CLIENTS = 8;
const CALLS = 12;
const DOCS = 60;
const GROUPS = 6;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/;

// Cuts the first try of every bulk call the racers send, once each: alternately before it
// reaches the server (it cannot land) and after it committed (its reply is lost). A call is
// known by its token, which travels in the statement's values with the racer's name; the
// re-send carries the same token and passes.
function cutEveryFirstTry(): { policy: (chunk: Buffer) => Cut | undefined; cuts: () => number } {
  const seen = new Set<string>();
  const policy = (chunk: Buffer): Cut | undefined => {
    const text = chunk.toString('latin1');
    if (!text.includes('racer-')) return undefined;
    const token = UUID.exec(text)?.[0];
    if (token === undefined || seen.has(token)) return undefined;
    seen.add(token);
    return { mode: seen.size % 2 === 0 ? 'before' : 'afterReply' };
  };
  return { policy, cuts: () => seen.size };
}

describe('PostgreSQL: racing updateWhere calls while their connections are cut', () => {
  const url = new URL(inject('postgresUrl'));
  const schema = `nc_test_${randomBytes(6).toString('hex')}`;
  const cutter = cutEveryFirstTry();
  let proxy: PgProxy;
  let direct: DocumentStore;

  beforeAll(async () => {
    proxy = await PgProxy.start(
      { host: url.hostname, port: Number(url.port || 5432) },
      cutter.policy,
    );
    direct = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url.href, schema }),
    });
    await direct.insertMany(
      direct.collection<Tally>('tallies'),
      Array.from({ length: DOCS }, (_, i) => ({ id: `t${i}`, group: i % GROUPS, n: 0, log: [] })),
    );
  });

  afterAll(async () => {
    await direct?.close();
    await proxy?.close();
    await dropSchema(url.href, schema);
  });

  it(`${CLIENTS} clients x ${CALLS} $inc calls on overlapping filters: each document counts exactly the increments the calls said they made, and a feed reader sees its last`, async () => {
    const proxied = viaProxy(url, proxy.port);
    const racers = Array.from(
      { length: CLIENTS },
      (_, c) =>
        new DocumentStore({
          backend: new PostgresBackend({ connectionString: proxied, schema, max: 2 }),
          actor: `racer-${c}`,
        }),
    );
    // What each call was told it wrote: document id -> the tags of the calls that wrote it.
    const told = new Map<string, string[]>();
    // A reader follows the feed meanwhile: the last revision it saw of each document.
    const followed = new Map<string, number>();
    let racing = true;
    let position = 0;
    const follow = async () => {
      const page = await direct.changes({ since: position, limit: 1000 });
      for (const change of page.changes) {
        expect(change.metadata.seq).toBeGreaterThan(position);
        followed.set(change.id, change.metadata.revision);
      }
      position = page.last;
      return page.changes.length;
    };
    const reader = (async () => {
      while (racing) await follow();
      while ((await follow()) > 0);
    })();
    try {
      await Promise.all(
        racers.map(async (store, c) => {
          const tallies = store.collection<Tally>('tallies');
          for (let k = 0; k < CALLS; k++) {
            // Two groups, overlapping other clients' choices; every third call also tests the
            // count the others are moving, so a row is judged again once its lock is had.
            const groups = [(c + k) % GROUPS, (c * 7 + k * 3 + 1) % GROUPS];
            const tag = `${c}:${k}`;
            const filter =
              k % 3 === 2 ? { group: { $in: groups }, n: { $lt: 12 } } : { group: { $in: groups } };
            const result = await store.updateWhere(tallies, filter, {
              $inc: { n: 1 },
              $push: { log: tag },
            });
            for (const { id } of result.written) told.set(id, [...(told.get(id) ?? []), tag]);
          }
        }),
      );
    } finally {
      racing = false;
      await Promise.all(racers.map((store) => store.close()));
      await reader;
    }
    expect(cutter.cuts()).toBe(CLIENTS * CALLS);
    const { documents } = await direct.find<Tally>('tallies', {}, { limit: DOCS });
    for (const doc of documents) {
      const tags = told.get(doc.id) ?? [];
      expect(doc.n, doc.id).toBe(tags.length);
      expect([...doc.log].sort(), doc.id).toEqual([...tags].sort());
      expect((await direct.getMetadata('tallies', doc.id))?.revision).toBe(tags.length + 1);
      // The reader passed over no document's last write.
      expect(followed.get(doc.id), doc.id).toBe(tags.length + 1);
    }
  }, 120_000);
});

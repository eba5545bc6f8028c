import { describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../src/index.js';
import { type LostReplyRig, useRig } from '../support/lost-reply-rig.js';
import { backendsUnderTest } from './backends.js';
import {
  bodyOf,
  DOCS,
  type Doc,
  type OtherWrite,
  PROJECTED,
  prepare,
  type Report,
  reportOf,
  SCENARIOS,
  type Scenario,
  TALLIES,
  type Tally,
  type Target,
} from './lost-reply-scenarios.js';

// Every entry point with every check it can carry: the write commits, its reply is lost,
// another writer makes an acknowledged write to the same document, and only then does the
// first call learn anything. Whatever it then does, the audit of what committed must show
// its write once if it said it wrote, at most once if it said it cannot know, never if it
// said it failed; and the other writer's write must survive as the last one.
describe.each(backendsUnderTest)('a write whose reply is lost, on $name', (backend) => {
  const rig = useRig(backend, prepare);

  it.each(SCENARIOS)('$name', (scenario) => play(rig(), scenario));
});

let played = 0;

async function play(rig: LostReplyRig, scenario: Scenario): Promise<void> {
  const n = String(++played).padStart(4, '0');
  const mine = `writer-${n}`;
  const theirs = `other-${n}`;
  const prefix = { documents: 'd-', stream: 's-', projected: PROJECTED }[scenario.target];
  const ids = scenario.count === 2 ? [`${prefix}${n}a`, `${prefix}${n}b`] : [`${prefix}${n}`];
  if (scenario.seeded) {
    const seeder = await rig.other(`seed-${n}`);
    for (const id of ids) await seed(seeder, scenario.target, id, `seed-${n}`);
  }
  const writer = await rig.writer(mine);
  const other = await rig.other(theirs);
  let landed: number[] = [];
  const armed = rig.arm(
    mine,
    async () => {
      landed = await Promise.all(ids.map(async (id) => count(rig, scenario.target, id, mine)));
      for (const id of ids) await otherWrite(other, scenario.other, id, theirs);
    },
    { transaction: scenario.transaction ?? false },
  );
  const report = await reportOf(() => scenario.run({ store: writer, ids, mark: mine }));
  armed.disarm();
  // The scenario took place: the write committed, its reply was lost, the other got in.
  expect(armed.error, 'the other writer failed').toBeUndefined();
  expect(armed.fired, `no reply was lost (the writer was told ${tell(report)})`).toBe(true);
  expect(landed, 'the write committed before its reply was lost').toEqual(ids.map(() => 1));
  for (const id of ids) await expectHistory(rig, other, scenario, id, { mine, theirs, report });
}

async function seed(store: DocumentStore, target: Target, id: string, mark: string) {
  if (target === 'documents') await store.insert(DOCS, bodyOf(id, mark));
  else await store.events.appendToStream(id, [{ type: 'Marked', data: { mark } }]);
}

// An acknowledged write of the other writer: checked against what it reads, so it never
// overwrites anything it did not see.
async function otherWrite(store: DocumentStore, kind: OtherWrite, id: string, mark: string) {
  if (kind === 'insert') {
    await store.insert(DOCS, bodyOf(id, mark));
    return;
  }
  if (kind === 'append') {
    const version = (await store.events.readStream(id)).length;
    await store.events.appendToStream(id, [{ type: 'Marked', data: { mark } }], {
      expectedVersion: version,
    });
    return;
  }
  const found = await store.getMetadata(DOCS, id);
  if (!found) throw new Error(`${id} is gone before the other writer's ${kind}`);
  const check = { version: found.revision };
  if (kind === 'put') await store.put(DOCS, bodyOf(id, mark), { check });
  else await store.delete(DOCS, id, { check });
}

// Who committed each version of a document, or wrote each event of a stream, in order.
async function writersOf(rig: LostReplyRig, target: Target, id: string) {
  if (target === 'documents') return (await rig.audit.rows(DOCS, id)).map((row) => row.actor);
  return (await rig.audit.events(id)).map((event) => event.mark);
}

async function count(rig: LostReplyRig, target: Target, id: string, who: string) {
  return (await writersOf(rig, target, id)).filter((w) => w === who).length;
}

const tell = (report: Report) =>
  typeof report === 'string'
    ? report
    : `failed: ${report.failed instanceof Error ? report.failed.message : String(report.failed)}`;

async function expectHistory(
  rig: LostReplyRig,
  reader: DocumentStore,
  scenario: Scenario,
  id: string,
  { mine, theirs, report }: { mine: string; theirs: string; report: Report },
) {
  const writers = await writersOf(rig, scenario.target, id);
  const times = (who: string) => writers.filter((w) => w === who).length;
  const told = tell(report);
  // What the caller was told must match what committed.
  const allowed = report === 'written' ? [1] : report === 'unknown' ? [0, 1] : [0];
  expect(allowed, `${id}: told "${told}", committed ${times(mine)} times`).toContain(times(mine));
  // The other writer's acknowledged write came after the lost one, so the only legal
  // order is: the lost write (once), then the other's, which nothing may undo.
  expect(times(theirs), `${id}: the other writer's write`).toBe(1);
  expect(writers.at(-1), `${id}: the last write (the writer was told "${told}")`).toBe(theirs);
  if (scenario.target === 'documents') {
    const current = await reader.get<Doc>(DOCS, id);
    if (scenario.other === 'delete') expect(current).toBeNull();
    else expect(current?.mark).toBe(theirs);
  }
  if (scenario.target === 'projected') {
    // The projected document was written with each append, once, and folds the stream.
    const projected = (await rig.audit.rows(TALLIES, id)).map((row) => row.actor);
    expect(projected.filter((w) => w === mine).length).toBe(times(mine));
    const tally = await reader.getWithMetadata<Tally & { id: string }>(TALLIES, id);
    expect(tally?.document.marks).toEqual(writers);
    expect(tally?.metadata.revision).toBe(writers.length);
  }
}

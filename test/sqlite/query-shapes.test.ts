import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';

type Doc = { id: string; total: number; n: number };

const open: DocumentStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

const numbers = [
  -1e21,
  -1.000000001,
  -1,
  -1e-9,
  -5e-324,
  0,
  5e-324,
  1e-300,
  1e-9,
  0.1 + 0.2,
  0.3,
  1,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1.7976931348623157e308,
];

async function seeded(database = new Database(':memory:')) {
  const store = new DocumentStore({ backend: new SqliteBackend({ database }) });
  open.push(store);
  const c = store.collection<Doc>('docs', { indexes: [{ field: 'total', type: 'number' }] });
  await store.insertMany(
    c,
    numbers.map((total, i) => ({ id: `d${String(i).padStart(2, '0')}`, total, n: total })),
  );
  return { store, c };
}

const ids = ({ documents }: { documents: readonly Doc[] }) => documents.map((d) => d.id).sort();
const want = (test: (v: number) => boolean) =>
  numbers.flatMap((v, i) => (test(v) ? [`d${String(i).padStart(2, '0')}`] : []));

type Op = '$gt' | '$gte' | '$lt' | '$lte' | '$eq' | '$ne';
const ops: [Op, (a: number, b: number) => boolean][] = [
  ['$gt', (a, b) => a > b],
  ['$gte', (a, b) => a >= b],
  ['$lt', (a, b) => a < b],
  ['$lte', (a, b) => a <= b],
  ['$eq', (a, b) => a === b],
  ['$ne', (a, b) => a !== b],
];

it('a number test finds what it means after a query of its shape with any other value', async () => {
  const { store, c } = await seeded();
  // Each operand, -0 and the shape's stand-ins included, first and after another.
  for (const field of ['total', 'n'] as const)
    for (const [op, test] of ops)
      for (const operand of [-1e-9, -1.000000001, -0, ...numbers, 1e-9 + 1, 3])
        for (const before of [-1e-9, 5]) {
          // Twice: a shape is learned the second time it is met.
          await store.find(c, { [field]: { [op]: before } });
          await store.find(c, { [field]: { [op]: before } });
          const found = await store.find(c, { [field]: { [op]: operand } });
          expect(ids(found), `${field} ${op} ${operand} after ${before}`).toEqual(
            want((v) => test(v, operand)),
          );
        }
});

it('a number index serves each operator and $in, its operand made in the statement', async () => {
  const { store, c } = await seeded();
  for (const [op] of ops.filter(([op]) => op !== '$ne')) {
    const { indexes, plan } = await store.explain(c, { total: { [op]: 0.3 } });
    expect(indexes.length, `${op}: ${plan}`).toBe(1);
  }
  const { indexes, plan } = await store.explain(c, { total: { $in: [0.1 + 0.2, 2 ** 53 + 2] } });
  expect(indexes.length, plan).toBe(1);
  expect(ids(await store.find(c, { total: { $in: [0.1 + 0.2, 2 ** 53 + 2, 5e-324] } }))).toEqual(
    want((v) => v === 0.1 + 0.2 || v === 2 ** 53 + 2 || v === 5e-324),
  );
});

it('an application database reading integers as bigints finds numbers as any other', async () => {
  const database = new Database(':memory:');
  database.defaultSafeIntegers(true);
  const { store, c } = await seeded(database);
  for (const [op, test] of ops)
    for (const operand of [2 ** 53 + 2, 1, 0, -1, 0.3]) {
      const found = await store.find(c, { total: { [op]: operand } });
      expect(ids(found), `${op} ${operand}`).toEqual(want((v) => test(v, operand)));
    }
});

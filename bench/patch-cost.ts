// Worst cases of patch cost: `npm run bench:patch`. Prints milliseconds per patch for
// each case (median of a few runs); a refused patch counts the time until the refusal.
// Never part of `npm test`, and never timed by tests.
import {
  type DocumentPatch,
  documentPatcher,
  type JsonPatchOperation,
} from '../src/concurrency/patch.js';
import { type Json, PatchTooLargeError } from '../src/index.js';

type Document = Record<string, Json>;

interface Case {
  readonly name: string;
  /** A fresh document per run: the patcher takes over the one it is given. */
  readonly document: () => Document;
  readonly patch: DocumentPatch;
}

const collection = { idField: 'id', versionField: 'version' };
const repeat = <T>(n: number, f: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => f(i));
const ops = (n: number, f: (i: number) => JsonPatchOperation): JsonPatchOperation[] => repeat(n, f);

// About 1 KB of fields.
const smallDocument = (): Document => ({
  id: 'd',
  ...Object.fromEntries(repeat(20, (i) => [`field${i}`, `value ${i} `.repeat(4)])),
});

// 124 levels, each with about 1.9 KB of its own: 240 KB in all.
function deepDocument(): Document {
  let node: Document = { leaf: 0 };
  for (let i = 0; i < 124; i++) node = { payload: 'p'.repeat(1900), c: node };
  return { id: 'd', ...node };
}
function deepMergePatch(): Document {
  let node: Document = { leaf: 1, added: 'x' };
  for (let i = 0; i < 124; i++) node = { c: node };
  return node;
}

const bigArray = (n: number): Document => ({
  id: 'd',
  a: repeat(n, (i) => ({ n: i, s: `item ${i}` })),
});

const cases: Case[] = [
  {
    name: '30 copies of the whole document into itself (1 KB document)',
    document: smallDocument,
    patch: ops(30, (i) => ({ op: 'copy', from: '', path: `/x${i}` })),
  },
  {
    name: '751-byte merge patch, 124 levels deep (240 KB document)',
    document: deepDocument,
    patch: deepMergePatch(),
  },
  {
    name: '1,000 copies of a 60k-item array to one place',
    document: () => bigArray(60_000),
    patch: ops(1000, () => ({ op: 'copy', from: '/a', path: '/b' })),
  },
  {
    name: '1,000 copies of a 60k-item array to 1,000 places (refused at the limit)',
    document: () => bigArray(60_000),
    patch: ops(1000, (i) => ({ op: 'copy', from: '/a', path: `/b${i}` })),
  },
  {
    name: '1,000 copies of items into a 60k-item array',
    document: () => bigArray(60_000),
    patch: ops(1000, (i) => ({ op: 'copy', from: `/a/${i}`, path: `/a/${30_000 + i}` })),
  },
  {
    name: '500 times: copy a 60k-item array, then change the original',
    document: () => bigArray(60_000),
    patch: ops(1000, (i) =>
      i % 2 === 0
        ? { op: 'copy', from: '/a', path: '/b' }
        : { op: 'replace', path: '/a/0/n', value: i },
    ),
  },
  {
    name: '1,000 removals at the head of a 1M-item array (~8 MB)',
    document: () => ({ id: 'd', a: repeat(1_000_000, (i) => i % 10) }),
    patch: ops(1000, () => ({ op: 'remove', path: '/a/1' })),
  },
  {
    name: '1,000 inserts in the middle of a 4M-item array (~8 MB; shifts the array each time)',
    document: () => ({ id: 'd', a: repeat(4_000_000, (i) => i % 10) }),
    patch: ops(1000, (i) => ({ op: 'add', path: '/a/2000000', value: i })),
  },
  {
    name: '1,000 adds of 1 KB values (a 1 MiB patch)',
    document: smallDocument,
    patch: ops(1000, (i) => ({ op: 'add', path: `/n${i}`, value: 'v'.repeat(1000) })),
  },
];

function run(c: Case): { ms: number; outcome: string } {
  const apply = documentPatcher(c.patch, collection);
  const document = c.document();
  const started = performance.now();
  let outcome = 'applied';
  try {
    apply(document);
  } catch (error) {
    if (!(error instanceof PatchTooLargeError)) throw error;
    outcome = `refused: ${error.limit}`;
  }
  return { ms: performance.now() - started, outcome };
}

const RUNS = 5;
for (const c of cases) {
  const runs = repeat(RUNS, () => run(c));
  const ms = runs.map((r) => r.ms).sort((x, y) => x - y);
  const median = ms[Math.floor(RUNS / 2)] as number;
  process.stdout.write(`${median.toFixed(1).padStart(9)} ms  ${c.name} (${runs[0]?.outcome})\n`);
}

// The benchmark suite: `npm run bench [-- --scale 0.2 --json]`. Never part of `npm test`.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Summary } from './stats.js';
import { w1Sqlite } from './w1-sequential.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run bench -- [--scale N] [--json]\n  --scale  multiplies the operation counts (default 1)\n  --json   print the results as JSON only',
  );
  process.exit(0);
}
const scale = Number(values.scale);
if (!Number.isFinite(scale) || scale <= 0 || scale > 100) {
  console.error('--scale is a number in (0, 100]');
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), 'noclobber-bench-'));
try {
  const docs = 1000;
  const ops = Math.max(1, Math.round(3000 * scale));
  const w1 = await w1Sqlite(dir, docs, ops);
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    scale,
    workloads: [
      {
        name: 'W1 sequential load-modify-save',
        backend: 'sqlite',
        docs,
        ops,
        noclobber: w1.noclobber,
        raw: w1.raw,
        ratio: w1.noclobber.opsPerSecond / w1.raw.opsPerSecond,
      },
    ],
  };
  const out = new URL('./results/', import.meta.url);
  await mkdir(out, { recursive: true });
  await writeFile(new URL('latest.json', out), `${JSON.stringify(results, null, 2)}\n`);
  if (values.json) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    const row = (s: Summary) =>
      `${s.opsPerSecond.toFixed(0).padStart(8)} ops/s  p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms`;
    for (const w of results.workloads) {
      console.log(`${w.name} on ${w.backend}: ${w.docs} docs, ${w.ops} operations`);
      console.log(`  noclobber ${row(w.noclobber)}`);
      console.log(`  raw       ${row(w.raw)}`);
      console.log(`  ratio noclobber/raw: ${w.ratio.toFixed(2)}`);
    }
    console.log('\nwritten to bench/results/latest.json');
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

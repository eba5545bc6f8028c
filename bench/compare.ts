// Compares runs of the suite made on different versions of noclobber:
// `tsx bench/compare.ts DIR1 DIR2 …`, each folder holding the JSON files (`--out`) of
// one version's runs. Prints, per backend and comparison, noclobber's throughput and its
// ratio to the hand-written code as median (min–max) over the runs of each folder, and
// how the medians moved from the first folder to each later one.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Row } from './rows.js';
import { formatSpread, type RowSpread, spreadOfRuns } from './spread.js';

interface Report {
  results: { backend: string; runs: { rows: Row[] }[] }[];
}

/** Every run in a folder's reports, by backend. */
async function runsIn(dir: string): Promise<Map<string, Row[][]>> {
  const byBackend = new Map<string, Row[][]>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const report = JSON.parse(await readFile(join(dir, file), 'utf8')) as Report;
    for (const { backend, runs } of report.results) {
      byBackend.set(backend, [...(byBackend.get(backend) ?? []), ...runs.map((r) => r.rows)]);
    }
  }
  return byBackend;
}

const dirs = process.argv.slice(2);
if (dirs.length < 2) {
  process.stderr.write('usage: tsx bench/compare.ts BEFORE_DIR AFTER_DIR [MORE_DIRS…]\n');
  process.exit(2);
}
const groups = await Promise.all(
  dirs.map(async (dir) => ({ name: basename(dir), runs: await runsIn(dir) })),
);
const percent = (to: number, from: number) => {
  const change = Math.round((to / from - 1) * 100);
  return `${change > 0 ? '+' : ''}${change}%`;
};
const backends = [...new Set(groups.flatMap((g) => [...g.runs.keys()]))];
for (const backend of backends) {
  const spreads = groups.map((g) => spreadOfRuns(g.runs.get(backend) ?? []));
  const first = spreads[0] ?? [];
  process.stdout.write(`\n${backend}\n`);
  for (const row of first) {
    process.stdout.write(
      `  ${row.id}: ${row.label} (noclobber ${row.unit}; ratio to ${row.against})\n`,
    );
    spreads.forEach((rows, i) => {
      const s = rows.find((r: RowSpread) => r.id === row.id);
      if (!s) return;
      const moved =
        i === 0
          ? ''
          : ` · noclobber ${percent(s.noclobber.median, row.noclobber.median)}, ratio ${percent(s.ratio.median, row.ratio.median)}`;
      process.stdout.write(
        `    ${(groups[i]?.name ?? '').padEnd(10)} ${s.runs} runs · noclobber ${formatSpread(s.noclobber, 0)} · hand-written ${formatSpread(s.baseline, 0)} · ratio ${formatSpread(s.ratio)}${moved}\n`,
      );
    });
  }
}

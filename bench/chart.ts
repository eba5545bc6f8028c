import type { Row } from './rows.js';
import { formatSpread, spreadOfRuns } from './spread.js';

/** The rows of every run of the suite on one backend. */
export interface BackendRuns {
  backend: string;
  runs: Row[][];
}

const ROW = 26;
const LEFT = 500;
const PLOT = 420;
const RIGHT = 260;
const WIDTH = LEFT + PLOT + RIGHT;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The ratio axis: logarithmic, from a power-of-two bound below every ratio to one above. */
function axisOf(ratios: number[]) {
  // A ratio that rounds to 0 would take the axis to 2^-Infinity: the axis stops at 1/1024
  // and such a ratio is drawn at its left end.
  const lo = 2 ** Math.floor(Math.log2(Math.max(1 / 1024, Math.min(0.25, ...ratios))));
  const hi = 2 ** Math.ceil(Math.log2(Math.max(2, ...ratios)));
  const x = (r: number) => LEFT + (PLOT * Math.log(Math.max(r, lo) / lo)) / Math.log(hi / lo);
  const ticks: number[] = [];
  for (let t = lo; t <= hi * 1.0001; t *= 2) ticks.push(t);
  return { x, ticks };
}

function panel({ backend, runs }: BackendRuns, ratios: number[]): string {
  const rows = spreadOfRuns(runs);
  const { x, ticks } = axisOf(ratios);
  const top = 34;
  const height = top + rows.length * ROW + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(backend)}: noclobber over hand-written throughput">`,
    `<text x="8" y="20" class="title">${esc(backend)} — ${runs.length} run${runs.length > 1 ? 's' : ''}</text>`,
  ];
  for (const t of ticks) {
    const label = t >= 1 ? `${t}×` : `${Number(t.toFixed(3))}×`;
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${top - 6}" y2="${height - 24}" class="${t === 1 ? 'par' : 'grid'}"/>`,
      `<text x="${x(t)}" y="${height - 8}" class="tick">${label}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * ROW + ROW / 2;
    const title = `${row.id}: ${row.label} (vs ${row.against})`;
    const detail = `noclobber ${formatSpread(row.noclobber, 0)} · hand-written ${formatSpread(row.baseline, 0)} ${row.unit}`;
    parts.push(
      `<g><title>${esc(`${title}\n${detail}`)}</title>`,
      `<text x="${LEFT - 10}" y="${y + 4}" class="label">${esc(title)}</text>`,
      `<line x1="${x(row.ratio.min)}" x2="${x(row.ratio.max)}" y1="${y}" y2="${y}" class="range"/>`,
      ...runs.flatMap((rowsOfRun) =>
        rowsOfRun
          .filter((r) => r.id === row.id)
          .map((r) => `<circle cx="${x(r.ratio)}" cy="${y}" r="2.5" class="run"/>`),
      ),
      `<circle cx="${x(row.ratio.median)}" cy="${y}" r="5" class="${row.ratio.median >= 1 ? 'median ahead' : 'median'}"/>`,
      `<text x="${LEFT + PLOT + 12}" y="${y + 4}" class="value">${esc(formatSpread(row.ratio))}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * A self-contained HTML page (inline SVG and CSS, nothing fetched): per backend and
 * comparison, noclobber's throughput over the hand-written code's, the median of the runs
 * as a large dot, each run as a small one and the range as a bar, on a logarithmic axis
 * with 1× (as fast as by hand) marked.
 */
export function chartOf(title: string, backends: BackendRuns[]): string {
  const ratios = backends.flatMap((b) => b.runs.flatMap((rows) => rows.map((r) => r.ratio)));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
svg { display: block; margin-bottom: 24px; }
.title { font-weight: 600; font-size: 15px; }
.label { text-anchor: end; font-size: 12px; }
.value, .tick { font-size: 12px; }
.tick { text-anchor: middle; fill: #666; }
.grid { stroke: #ddd; }
.par { stroke: #444; stroke-dasharray: 4 3; }
.range { stroke: #8aa4c8; stroke-width: 4; stroke-linecap: round; }
.run { fill: #2a4d7f; opacity: 0.6; }
.median { fill: #c8553d; }
.median.ahead { fill: #3d8c5a; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p>noclobber's throughput divided by the hand-written code's for the same work, in the same
run (right of the dashed line: noclobber is faster). Large dot: median of the runs; small
dots: each run; bar: the range. Hover a row for the throughputs.</p>
${backends.map((b) => panel(b, ratios)).join('\n')}
</body>
</html>
`;
}

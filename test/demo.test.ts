import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoReport } from '../src/cli/demo.js';
import { judge } from '../src/cli/demo-report.js';

// The demo runs its clients as worker threads loaded from built JS, so it is tested the
// way a user runs it: build, then run dist/cli/main.js in a child process.
const MAIN = 'dist/cli/main.js';

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'pipe' });
});

describe('noclobber demo --json', () => {
  let status: number | null;
  let report: DemoReport;

  beforeAll(() => {
    const run = cli('demo', '--json', '--clients', '10', '--think', '30');
    status = run.status;
    report = JSON.parse(run.stdout) as DemoReport;
  });

  it('exits 0 and reports ok', () => {
    expect(status).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.rounds.map((r) => r.name)).toEqual(['last write wins', 'noclobber']);
  });

  it('round 1, last write wins: accepts every write and loses some', () => {
    const [round] = report.rounds;
    expect(round?.check).toBe('none');
    expect(round?.accepted).toBe(10);
    expect(round?.lost).toBeGreaterThanOrEqual(1);
    // Every accepted save bumped the revision, even those whose line it then dropped.
    expect(round?.finalRevision).toBe(11);
    expect(round?.finalLines.length).toBe(10 - (round?.lost ?? 0));
  });

  it('round 2, noclobber: loses nothing; each client is saved or gave up', () => {
    const round = report.rounds[1];
    if (!round) throw new Error('no second round');
    expect(round.check).toBe('version');
    expect(round.lost).toBe(0);
    expect(round.failed).toBe(0);
    expect(round.accepted + round.gaveUp).toBe(10);
    expect(round.clients.map((c) => c.client)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const c of round.clients) {
      expect(c.attempts).toBeGreaterThanOrEqual(1);
      if (c.outcome === 'gaveUp') expect(c.attempts).toBe(10);
    }
  });

  it('round 2 ends with exactly the accepted clients’ lines, each once', () => {
    const round = report.rounds[1];
    if (!round) throw new Error('no second round');
    const saved = round.clients.filter((c) => c.outcome === 'saved').map((c) => c.client);
    expect([...round.finalLines].sort((a, b) => a - b)).toEqual(saved);
    expect(round.unexpected).toEqual([]);
    expect(round.finalRevision).toBe(1 + round.accepted);
  });
});

describe('noclobber CLI arguments', () => {
  it('rejects --clients 0 with exit code 2 and a message', () => {
    const run = cli('demo', '--clients', '0');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--clients must be an integer from 1 to 200');
    expect(run.stdout).toBe('');
  });

  it.each([
    [['demo', '--think', 'soon']],
    [['demo', '--attempts', '101']],
    [['demo', '--clients', '1.5']],
    [['demo', '--frobnicate']],
    [['demo', 'extra']],
    [['bench-nonexistent']],
    [[]],
  ])('exits 2 for %j', (args) => {
    const run = cli(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^noclobber/);
  });

  it('prints usage for --help with exit code 0', () => {
    expect(cli('--help')).toMatchObject({ status: 0, stdout: expect.stringContaining('demo') });
    expect(cli('demo', '--help')).toMatchObject({
      status: 0,
      stdout: expect.stringContaining('--clients <n>'),
    });
  });
});

describe('judging a round', () => {
  const saved = (client: number) => ({ client, attempts: 1, outcome: 'saved' as const });
  const gaveUp = (client: number) => ({ client, attempts: 3, outcome: 'gaveUp' as const });

  it('counts an accepted client missing from the final document as lost', () => {
    const report = judge('r', 'none', {
      results: [saved(2), saved(1), saved(3)],
      finalLines: [3],
      finalRevision: 4,
    });
    expect(report).toMatchObject({ accepted: 3, lost: 2, lostClients: [1, 2], unexpected: [] });
    expect(report.clients.map((c) => c.client)).toEqual([1, 2, 3]);
  });

  it('does not count a client that gave up as lost, but flags its line if it shows up', () => {
    const report = judge('r', 'version', {
      results: [saved(1), gaveUp(2)],
      finalLines: [1, 2, 1],
      finalRevision: 3,
    });
    expect(report).toMatchObject({ accepted: 1, gaveUp: 1, lost: 0, unexpected: [2, 1] });
  });
});

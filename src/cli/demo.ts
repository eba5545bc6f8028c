import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, integerOption, parseCommandArgs } from './command.js';
import type { Strategy } from './demo-protocol.js';
import { formatRound, judge, type RoundReport } from './demo-report.js';
import { runRound } from './demo-round.js';
import { roundProgress } from './progress.js';
import { plural } from './table.js';

/** The demo's settings, validated. */
export interface DemoOptions {
  clients: number;
  thinkMs: number;
  maxAttempts: number;
  json: boolean;
}

/**
 * What `demo --json` prints. `ok` is false when the noclobber round lost an accepted write,
 * when a final document holds a line no accepted write explains, or when a client failed.
 */
export interface DemoReport {
  options: { clients: number; think: number; attempts: number };
  rounds: RoundReport[];
  ok: boolean;
}

interface Round {
  name: string;
  strategy: Strategy;
  check: RoundReport['check'];
  describe(options: DemoOptions): string;
  /** Whether a lost write in this round is a failure, not the point being demonstrated. */
  mustNotLose: boolean;
}

const ROUNDS: readonly Round[] = [
  {
    name: 'last write wins',
    strategy: 'lastWriteWins',
    check: 'none',
    describe: () => "put() with check: 'none'",
    mustNotLose: false,
  },
  {
    name: 'noclobber',
    strategy: 'noclobber',
    check: 'version',
    describe: (o) => `update() with a version check, up to ${plural(o.maxAttempts, 'attempt')}`,
    mustNotLose: true,
  },
];

const USAGE = `Usage: noclobber demo [options]

The lost-update experiment. Several clients, each in its own worker thread with its
own connection to one SQLite file, start at the same moment, read the same order,
think for a random moment, add their own line item and save.

  Round 1, last write wins: saves with check 'none'. Every save is accepted and
  most lines are lost.
  Round 2, noclobber: saves with update(), which checks the version and retries on
  a conflict. A client may give up after its last attempt; no accepted line is lost.

Each round uses a fresh temporary database file, removed afterwards.

Options:
  --clients <n>    concurrent clients, 1 to 200 (default 10); each is a worker
                   thread of about 10 MB
  --think <ms>     longest random pause between read and save, 0 to 10000 (default 50)
  --attempts <n>   retry.maxAttempts of round 2, 1 to 100 (default 10)
  --json           print one JSON object to stdout instead of tables and progress
  -h, --help       show this help

Exit status: 0 when round 2 lost no accepted write, 1 when it did (or a client
failed unexpectedly), 2 for bad arguments.
`;

/** `noclobber demo`: last write wins against noclobber, on one order, with real concurrency. */
export const demo: Command = {
  summary: 'the lost-update race: last write wins against noclobber, on SQLite',
  usage: USAGE,
  async run(args) {
    const values = parseCommandArgs(args, {
      clients: { type: 'string' },
      think: { type: 'string' },
      attempts: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const options: DemoOptions = {
      clients: integerOption('clients', values.clients, 10, 1, 200),
      thinkMs: integerOption('think', values.think, 50, 0, 10_000),
      maxAttempts: integerOption('attempts', values.attempts, 10, 1, 100),
      json: values.json === true,
    };
    const report = await runDemo(options);
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  },
};

/** Runs every round in a temporary directory, printing tables unless `json`, and judges them. */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const dir = await mkdtemp(join(tmpdir(), 'noclobber-demo-'));
  // Ctrl-C would skip the finally below; the files should not outlive the demo either way.
  const onInterrupt = () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  const print = (text: string) => {
    if (!options.json) process.stdout.write(`${text}\n`);
  };
  try {
    print(introduction(options));
    const rounds: RoundReport[] = [];
    for (const [i, round] of ROUNDS.entries()) {
      const title = `Round ${i + 1}: ${round.name} (${round.describe(options)})`;
      const progress = options.json
        ? undefined
        : roundProgress(`round ${i + 1}, ${round.name}`, options.clients);
      let report: RoundReport;
      try {
        const run = await runRound(
          {
            strategy: round.strategy,
            filename: join(dir, `round-${i + 1}.db`),
            clients: options.clients,
            thinkMs: options.thinkMs,
            maxAttempts: options.maxAttempts,
          },
          progress,
        );
        report = judge(round.name, round.check, run);
      } finally {
        progress?.stop();
      }
      rounds.push(report);
      print(`\n${formatRound(report, title)}`);
    }
    const ok = ROUNDS.every((round, i) => passes(round, rounds[i] as RoundReport));
    print(`\n${conclusion(rounds, ok)}`);
    return {
      options: { clients: options.clients, think: options.thinkMs, attempts: options.maxAttempts },
      rounds,
      ok,
    };
  } finally {
    process.off('SIGINT', onInterrupt);
    await rm(dir, { recursive: true, force: true });
  }
}

// Losing writes is what round 1 is there to show; a client breaking is a failure anywhere.
function passes(round: Round, report: RoundReport): boolean {
  return (
    report.failed === 0 &&
    report.unexpected.length === 0 &&
    (!round.mustNotLose || report.lost === 0)
  );
}

function introduction(o: DemoOptions): string {
  return [
    `The lost-update experiment: ${o.clients} clients, each in its own worker thread with its`,
    'own SQLite connection to the same file, start at once, read order-1, think for',
    `0-${o.thinkMs} ms, add their own line item and save.`,
  ].join('\n');
}

function conclusion(rounds: readonly RoundReport[], ok: boolean): string {
  const [first, second] = rounds;
  if (!ok) {
    return 'FAILED: noclobber lost an accepted write or a client failed; see above.';
  }
  const lines = [];
  if (first) {
    lines.push(
      `Last write wins accepted ${first.accepted} writes and silently lost ${first.lost} of them.`,
    );
  }
  if (second) {
    const refused =
      second.gaveUp > 0 ? ` and refused ${second.gaveUp} with an error the caller sees` : '';
    lines.push(`noclobber accepted ${second.accepted}${refused}; it lost none.`);
  }
  return lines.join('\n');
}

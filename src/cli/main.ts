#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { NoclobberError } from '../core/errors.js';
import { MissingDriverError } from '../core/load-driver.js';
import { type Command, UsageError } from './command.js';

// One line per subcommand; `noclobber --help` lists them in this order. Each is imported
// when it is used: a command loads its backend's database driver, an optional peer
// dependency that this installation may not have.
const commands = new Map<string, () => Promise<Command>>([
  ['demo', async () => (await import('./demo.js')).demo],
  ['serve', async () => (await import('./serve.js')).serve],
]);

// The installed package's version: package.json sits two levels above dist/cli/ (and src/cli/).
function version(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

// A command's summary, or what it needs when its driver is not installed.
async function summaryOf(load: () => Promise<Command>): Promise<string> {
  try {
    return (await load()).summary;
  } catch (error) {
    if (!(error instanceof MissingDriverError)) throw error;
    return `(not available: npm install ${error.driver})`;
  }
}

async function usage(): Promise<string> {
  const width = Math.max(...[...commands.keys()].map((name) => name.length));
  const list: string[] = [];
  for (const [name, load] of commands) {
    list.push(`  ${name.padEnd(width)}  ${await summaryOf(load)}`);
  }
  return [
    'Usage: noclobber <command> [options]',
    '',
    'Commands:',
    ...list,
    '',
    "Run 'noclobber <command> --help' or 'noclobber help <command>' for its options,",
    "and 'noclobber --version' for the version.",
    '',
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  try {
    if (name === '--help' || name === '-h' || name === 'help') {
      // `noclobber help demo` is `noclobber demo --help`.
      const topic = name === 'help' && args[0] !== undefined ? commands.get(args[0]) : undefined;
      process.stdout.write(topic ? (await topic()).usage : await usage());
      return 0;
    }
    if (name === undefined) {
      process.stderr.write(`noclobber: no command given\n\n${await usage()}`);
      return 2;
    }
    const load = commands.get(name);
    if (!load) {
      process.stderr.write(
        `noclobber: unknown command ${JSON.stringify(name)}\nRun 'noclobber --help' for the list of commands.\n`,
      );
      return 2;
    }
    return await run(name, await load(), args);
  } catch (error) {
    // Loading a command can fail only on the installation (a missing driver, an old
    // Node.js), and the error's message says what to do about it.
    if (error instanceof NoclobberError) {
      process.stderr.write(`noclobber${name ? ` ${name}` : ''}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function run(name: string, command: Command, args: string[]): Promise<number> {
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(
        `noclobber ${name}: ${error.message}\nRun 'noclobber ${name} --help' for usage.\n`,
      );
      return 2;
    }
    process.stderr.write(
      `noclobber ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

// Setting exitCode, not calling process.exit(), lets stdout drain when it is a pipe.
process.exitCode = await main(process.argv.slice(2));

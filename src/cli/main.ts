#!/usr/bin/env node
import { type Command, UsageError } from './command.js';
import { demo } from './demo.js';
import { serve } from './serve.js';

// One line per subcommand; `noclobber --help` lists them in this order.
const commands = new Map<string, Command>([
  ['demo', demo],
  ['serve', serve],
]);

function usage(): string {
  const width = Math.max(...[...commands.keys()].map((name) => name.length));
  const list = [...commands].map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: noclobber <command> [options]',
    '',
    'Commands:',
    ...list,
    '',
    "Run 'noclobber <command> --help' or 'noclobber help <command>' for its options.",
    '',
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    // `noclobber help demo` is `noclobber demo --help`.
    const topic = name === 'help' && args[0] !== undefined ? commands.get(args[0]) : undefined;
    process.stdout.write(topic ? topic.usage : usage());
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(`noclobber: no command given\n\n${usage()}`);
    return 2;
  }
  const command = commands.get(name);
  if (!command) {
    process.stderr.write(
      `noclobber: unknown command ${JSON.stringify(name)}\nRun 'noclobber --help' for the list of commands.\n`,
    );
    return 2;
  }
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

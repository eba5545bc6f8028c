import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A subcommand of the `noclobber` CLI. */
export interface Command {
  /** One line for the command list of `noclobber --help`. */
  readonly summary: string;
  /** The full text of `noclobber <command> --help`. */
  readonly usage: string;
  /**
   * Runs the command with the arguments after its name and resolves to the exit code.
   * Throws `UsageError` for arguments it cannot accept.
   */
  run(args: string[]): Promise<number>;
}

/** The arguments are wrong: the CLI prints the message to stderr and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The option values `parseCommandArgs` returns for `options`. */
export type ParsedOptions<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>['values'];

/**
 * `util.parseArgs` in strict mode, with no positionals, whose complaints become
 * `UsageError`s so they exit with 2 instead of a stack trace.
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T): ParsedOptions<T> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    if (
      error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS')
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/**
 * Reads an integer option from its text, or `fallback` when absent. Only plain decimal
 * digits pass: `Number()` would also take '1e2', '0x10' and ' 7 ', which no one means.
 */
export function integerOption(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

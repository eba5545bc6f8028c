import { constants } from 'node:os';

/** The signals that stop `noclobber serve`. */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** How a long-running command hears that it should stop. */
export interface ShutdownSignals {
  /** Resolves to the first SIGINT or SIGTERM received. */
  readonly requested: Promise<NodeJS.Signals>;
  /** Stops listening: the signals have their default effect again. */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM. The first of either asks for a graceful shutdown
 * (`requested` resolves); a second, of either kind, while that shutdown runs ends the
 * process at once with status 128 + its number (130 for SIGINT, 143 for SIGTERM), the
 * status of a process that signal killed, after `forced` names it.
 */
export function shutdownSignals(forced: (signal: NodeJS.Signals) => void): ShutdownSignals {
  let first: NodeJS.Signals | undefined;
  let request: (signal: NodeJS.Signals) => void = () => {};
  const requested = new Promise<NodeJS.Signals>((resolve) => {
    request = resolve;
  });
  const heard = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal;
      request(signal);
      return;
    }
    forced(signal);
    process.exit(128 + constants.signals[signal]);
  };
  for (const signal of SIGNALS) process.on(signal, heard);
  return {
    requested,
    dispose() {
      for (const signal of SIGNALS) process.off(signal, heard);
    },
  };
}

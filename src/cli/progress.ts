import cliProgress from 'cli-progress';
import type { ClientResult } from './demo-protocol.js';
import type { RoundObserver } from './demo-round.js';

/** A round's progress display, to be stopped before anything else is printed. */
export interface RoundProgress extends RoundObserver {
  stop(): void;
}

/**
 * A progress bar on stderr counting finished clients and attempts made, so stdout keeps
 * only the report. Draws nothing when stderr is not a terminal: redirected output would
 * only collect the redraws.
 */
export function roundProgress(label: string, clients: number): RoundProgress | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} clients done | {attempts} attempts`,
      stream: process.stderr,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let attempts = 0;
  bar.start(clients, 0, { attempts });
  return {
    attempt(): void {
      attempts++;
      bar.update({ attempts });
    },
    done(_result: ClientResult): void {
      bar.increment(1, { attempts });
    },
    stop(): void {
      bar.stop();
    },
  };
}

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RacerMessage, RacerResult, RacerTask } from './racer.js';

/** Where racers run: worker threads of this process, or separate Node processes. */
export type RacerKind = 'thread' | 'process';

const entry = new URL('./racer.ts', import.meta.url);

interface Channel {
  send(message: unknown): void;
  onMessage(listener: (message: RacerMessage) => void): void;
  onFailure(listener: (error: Error) => void): void;
  kill(): void;
}

function spawn(kind: RacerKind): Channel {
  if (kind === 'thread') {
    const worker = new Worker(new URL('./boot-worker.mjs', import.meta.url), {
      workerData: { entry: entry.href },
    });
    return {
      send: (m) => worker.postMessage(m),
      onMessage: (l) => worker.on('message', l),
      onFailure: (l) => {
        worker.on('error', l);
        worker.on('exit', (code) => code !== 0 && l(new Error(`racer thread exited with ${code}`)));
      },
      kill: () => void worker.terminate(),
    };
  }
  const child: ChildProcess = fork(fileURLToPath(entry), [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    send: (m) => child.send(m as never),
    onMessage: (l) => child.on('message', (m) => l(m as RacerMessage)),
    onFailure: (l) => {
      child.on('error', l);
      child.on('exit', (code) => code !== 0 && l(new Error(`racer process exited with ${code}`)));
    },
    kill: () => void child.kill(),
  };
}

/**
 * Runs one racer per task, each on its own database connection in its own thread or
 * process. Every racer prepares (opens, loads), then all are released at the same moment,
 * so their writes really overlap. Resolves with the results in task order.
 */
export async function runRacers(
  kind: RacerKind,
  tasks: readonly RacerTask[],
): Promise<RacerResult[]> {
  const channels = tasks.map(() => spawn(kind));
  try {
    const ready = channels.map(
      (channel) =>
        new Promise<void>((resolve, reject) => {
          channel.onFailure(reject);
          channel.onMessage((m) => m.type === 'ready' && resolve());
        }),
    );
    const done = channels.map(
      (channel) =>
        new Promise<RacerResult>((resolve, reject) => {
          channel.onFailure(reject);
          channel.onMessage((m) => {
            if (m.type === 'done') resolve(m.result);
            if (m.type === 'error') reject(new Error(`racer failed: ${m.message}`));
          });
        }),
    );
    for (const [i, channel] of channels.entries()) channel.send({ type: 'task', task: tasks[i] });
    await Promise.all(ready);
    for (const channel of channels) channel.send({ type: 'go' });
    return await Promise.all(done);
  } finally {
    for (const channel of channels) channel.kill();
  }
}

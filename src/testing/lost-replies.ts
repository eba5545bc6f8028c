import type { Backend } from '../backends/kit/backend.js';
import { TransientError } from '../core/errors.js';

/** Options of `withLostReplies()`. */
export interface LostReplyOptions {
  /** The share of writes whose reply is lost, from 0 to 1. */
  readonly rate: number;
  /** A source of numbers in [0, 1), e.g. a seeded generator to replay a run. Default `Math.random`. */
  readonly random?: () => number;
  /**
   * How long the caller waits before it learns the reply is lost, in ms (default 0). A real
   * client waits for a timeout or a reset while other writers go on; a delay lets them.
   */
  readonly delay?: number;
}

/** A backend that loses some replies; `lostReplies` counts how many it lost. */
export type LostReplyBackend = Backend & { readonly lostReplies: number };

// The backend calls that write: each runs to its end, then may lose its reply.
const WRITES = new Set<PropertyKey>(['commit', 'appendToStream', 'lockedWrite']);

/**
 * Wraps a backend so that a share of its writes (`commit`, `appendToStream`,
 * `lockedWrite`) run to the end, commit, and then lose their reply: the call throws
 * `TransientError` with `ambiguous: true`, as when a connection dies after COMMIT. Use it
 * to test that your code (and the store) treat an unknown outcome as unknown, with an
 * embedded database and no network in between. Everything else passes through.
 *
 * ```ts
 * const backend = withLostReplies(new SqliteBackend({ filename }), { rate: 0.05 });
 * const store = new DocumentStore({ backend });
 * ```
 */
export function withLostReplies(backend: Backend, options: LostReplyOptions): LostReplyBackend {
  const { rate, random = Math.random, delay = 0 } = options;
  if (!(rate >= 0 && rate <= 1)) throw new RangeError('rate is a number from 0 to 1');
  let lost = 0;
  const loseReply = <Args extends unknown[], R>(write: (...args: Args) => Promise<R>) => {
    return async (...args: Args): Promise<R> => {
      const result = await write(...args);
      if (random() >= rate) return result;
      lost++;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      throw new TransientError('The reply was lost after the write committed (injected)', {
        ambiguous: true,
      });
    };
  };
  // A Proxy, not a subclass: it wraps any backend, and methods keep their own `this`.
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'lostReplies') return lost;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      return WRITES.has(property)
        ? loseReply(bound as (...args: unknown[]) => Promise<unknown>)
        : bound;
    },
  }) as LostReplyBackend;
}

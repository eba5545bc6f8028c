import { type Condition, normalizeCondition } from '../concurrency/condition.js';
import { evaluateCondition } from '../concurrency/evaluate-condition.js';
import { InvalidArgumentError, StoreClosedError } from '../core/errors.js';
import { isPlainObject } from '../core/json.js';
import type { Change, ChangesPage } from './change.js';
import type { Wake } from './wake.js';

/** Options of `watch()`. */
export interface WatchOptions {
  /**
   * Changes after this `seq`: the `metadata.seq` of the last change the caller handled, to
   * resume where it stopped; `0` (the default) replays the whole feed first.
   */
  readonly since?: number;
  /** Only this collection's changes. */
  readonly collection?: string;
  /**
   * Only changes whose new document matches this condition (the language of condition
   * checks). Deletes always pass: a deleted document has no fields left to test.
   */
  readonly filter?: Condition;
  /** Ends the iteration, cleanly (no error), when aborted. It also ends when the store closes. */
  readonly signal?: AbortSignal;
  /**
   * How often, in ms, to look for changes committed by other processes. Writes through
   * this process's stores wake watchers at once. Default 100; 10 to 60,000.
   */
  readonly pollInterval?: number;
}

const PAGE = 100;

/** Reads one page of the feed after `since`. */
export type ReadChanges = (
  since: number,
  collection: string | undefined,
  limit: number,
) => Promise<ChangesPage>;

/**
 * The changes after `options.since`, in seq order, then each new one as it commits: never
 * one skipped or repeated (the feed is gapless), until the signal aborts. The options are
 * checked here, before the first change is asked for.
 */
export function watchChanges(
  read: ReadChanges,
  wake: Wake,
  options: WatchOptions,
): AsyncGenerator<Change, void, undefined> {
  const checked = checkWatchOptions(options);
  return follow(read, wake, checked, filterOf(options.filter));
}

async function* follow(
  read: ReadChanges,
  wake: Wake,
  options: ReturnType<typeof checkWatchOptions>,
  matches: (document: unknown) => boolean,
): AsyncGenerator<Change, void, undefined> {
  const { collection, signal, pollInterval } = options;
  let after = options.since;
  while (!signal?.aborted) {
    let page: ChangesPage;
    try {
      page = await read(after, collection, PAGE);
    } catch (error) {
      // A closed store has nothing more to tell: the watch ends as on abort.
      if (error instanceof StoreClosedError) return;
      throw error;
    }
    for (const change of page.changes) {
      after = change.metadata.seq;
      if (signal?.aborted) return;
      if (change.deleted || matches(change.document)) yield change;
    }
    // A full page says more may be waiting: read on at once.
    if (page.changes.length < PAGE) await wake.wait(pollInterval, signal);
  }
}

function filterOf(filter: Condition | undefined): (document: unknown) => boolean {
  if (filter === undefined) return () => true;
  const condition = normalizeCondition(filter);
  return (document) => evaluateCondition(condition, document) === true;
}

function checkWatchOptions(options: WatchOptions) {
  if (!isPlainObject(options as unknown)) {
    throw new InvalidArgumentError('watch() takes an options object');
  }
  const since = options.since ?? 0;
  if (!Number.isSafeInteger(since) || since < 0) {
    throw new InvalidArgumentError('watch() since is a non-negative integer');
  }
  const pollInterval = options.pollInterval ?? 100;
  if (!Number.isInteger(pollInterval) || pollInterval < 10 || pollInterval > 60_000) {
    throw new InvalidArgumentError('watch() pollInterval is an integer from 10 to 60000 (ms)');
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('watch() signal is an AbortSignal');
  }
  return { since, collection: options.collection, signal, pollInterval };
}

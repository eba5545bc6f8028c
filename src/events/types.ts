import type { RetryOptions } from '../concurrency/retry.js';

/** An event to append: a type name and JSON data (a plain object), with optional metadata. */
export interface EventInput<
  Type extends string = string,
  Data extends object = Record<string, unknown>,
> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: Record<string, unknown>;
}

/** An event as stored in its stream. */
export interface RecordedEvent<
  Type extends string = string,
  Data extends object = Record<string, unknown>,
> extends EventInput<Type, Data> {
  readonly streamId: string;
  /** Its place in the stream: 1 for the first event. */
  readonly version: number;
  /** Its place among all events of the store, strictly increasing in commit order. */
  readonly position: bigint;
  /** Made by the writer, unique. */
  readonly id: string;
  readonly metadata: Record<string, unknown> | undefined;
  /** Database time of the append, in ms. */
  readonly timestamp: number;
}

/**
 * What an append expects of its stream: the version the writer saw (the count of events
 * before its append; 0 for none), `'noStream'` (the stream must not exist),
 * `'streamExists'` (it must have at least one event) or `'any'` (no check).
 */
export type ExpectedVersion = number | 'noStream' | 'streamExists' | 'any';

/** Options of `appendToStream()`. */
export interface AppendOptions {
  /** Checked by the database in the append itself. Default `'any'`. */
  expectedVersion?: ExpectedVersion;
}

/** What an append did. */
export interface AppendResult {
  /** The stream's version after the append: the version of its last new event. */
  readonly version: number;
  /** The position of the last new event. */
  readonly position: bigint;
  readonly events: readonly RecordedEvent[];
}

/** Options of `readStream()`. */
export interface ReadStreamOptions {
  /** First version to read, inclusive. Default: the start (forward) or the end (backward). */
  from?: number;
  /** Last version to read, inclusive. Default: the end (forward) or the start (backward). */
  to?: number;
  direction?: 'forward' | 'backward';
  /** At most this many events. Default 1,000: a long stream is read page by page. */
  limit?: number;
}

/** Options of `readAll()`. */
export interface ReadAllOptions {
  /** Read events after this position. Default `0n`: from the start. */
  after?: bigint;
  /** Default 100, at most 10,000. */
  limit?: number;
}

/** A fold over a stream: where it starts and how each event changes it. */
export interface Aggregate<State, Event extends EventInput = EventInput> {
  readonly initialState: State | (() => State);
  evolve(state: State, event: Event): State;
}

/** Options of `handle()`. */
export interface HandleOptions {
  /**
   * The version the caller saw. Given, the command fails fast with `ConcurrencyError`
   * when the stream moved, and is never retried.
   */
  expectedVersion?: number | 'noStream';
  /** Retry on conflicts (reload, decide again). Default: the retry defaults. */
  retry?: RetryOptions;
}

/** What `handle()` did. */
export interface HandleResult<State> {
  /** The state after the new events. */
  readonly state: State;
  /** The stream version after the command (unchanged when it decided nothing). */
  readonly version: number;
  /** The events appended; empty when the command decided nothing. */
  readonly events: readonly RecordedEvent[];
  /** Attempts it took: 1 unless it met a conflict. */
  readonly attempts: number;
}

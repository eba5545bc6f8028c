import { randomUUID } from 'node:crypto';
import type { EventWrite, StoredEvent, StreamExpectation } from '../backends/kit/backend.js';
import { resolveRetry, retryOnConflict } from '../concurrency/retry.js';
import { ConcurrencyError, InvalidArgumentError, InvalidDocumentError } from '../core/errors.js';
import { hasControlCharacter, isPlainObject, optionsObject, safeDescribe } from '../core/json.js';
import { newToken } from '../core/token.js';
import type { Collection } from '../store/collection.js';
import { settleOutcomes } from '../store/commit.js';
import { readDocuments, type StoreContext } from '../store/context.js';
import { serializeDocument, validateId } from '../store/validate.js';
import { type PlannedWrite, planCheckedPut } from '../store/writes.js';
import { AggregateRoot } from './aggregate-root.js';
import {
  type InlineProjection,
  initialStateOf,
  type Projections,
  projectionsOf,
} from './projection.js';
import type {
  Aggregate,
  AppendOptions,
  AppendResult,
  EventInput,
  ExpectedVersion,
  HandleOptions,
  HandleResult,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
} from './types.js';

const MAX_EVENTS_PER_APPEND = 10_000;
const PAGE = 1000;
// How often an append with a projection and a loose expectation ('any', 'streamExists')
// re-reads when another append slipped in between its read and its write.
const PROJECTION_ATTEMPTS = 20;

/**
 * Event streams of one tenant: appends checked by the database against an expected
 * version, reads, aggregates, command handling and inline projections. Get it as
 * `store.events`.
 */
export class EventStore {
  readonly #context: StoreContext;
  readonly #projections: Projections;

  /** @internal made by `DocumentStore`. */
  constructor(context: StoreContext) {
    this.#context = context;
    this.#projections = projectionsOf(context.runtime);
  }

  /**
   * Appends events atomically. `expectedVersion` is enforced by the database in the
   * append itself; a miss throws `ConcurrencyError` with the stream's real version.
   */
  async appendToStream(
    streamId: string,
    events: readonly EventInput[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    validateId(streamId);
    optionsObject(options, 'appendToStream()');
    const expected = expectationOf(options.expectedVersion ?? 'any');
    const writes = this.#eventWrites(events);
    const projection = this.#projections.for(streamId);
    await this.#context.ready(projection ? [projection.collection.name] : []);
    if (projection) return this.#appendProjected(streamId, writes, expected, projection);
    return this.#append(streamId, writes, expected, undefined);
  }

  /**
   * Reads a stream's events in order; an unknown stream reads as empty. At most `limit`
   * events, 1,000 by default: read a long stream page by page.
   */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateId(streamId);
    optionsObject(options, 'readStream()');
    const direction = options.direction ?? 'forward';
    if (direction !== 'forward' && direction !== 'backward') {
      throw new InvalidArgumentError(`direction is 'forward' or 'backward'`);
    }
    const first = optionalVersion(options.from, 'from');
    const last = optionalVersion(options.to, 'to');
    // One page by default, so a long stream is never loaded whole by accident; read on
    // from the last version + 1 (forward) or - 1 (backward).
    const limit = count(options.limit ?? PAGE, 'limit', Number.MAX_SAFE_INTEGER);
    const [low, high] =
      direction === 'forward'
        ? [first ?? 1, last ?? Number.MAX_SAFE_INTEGER]
        : [last ?? 1, first ?? Number.MAX_SAFE_INTEGER];
    await this.#context.ready([]);
    const rows = await this.#context.backend.readStream(this.#context.scope.tenant, streamId, {
      from: low,
      to: high,
      direction,
      limit,
    });
    return rows.map(toRecorded);
  }

  /** Events of every stream of this tenant after `after`, in position order, for subscribers. */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    optionsObject(options, 'readAll()');
    const after = options.after ?? 0n;
    if (typeof after !== 'bigint' || after < 0n || after > 2n ** 63n - 1n) {
      throw new InvalidArgumentError(
        `readAll() after is a non-negative bigint, got ${safeDescribe(after)}`,
      );
    }
    const limit = count(options.limit ?? 100, 'limit', 10_000);
    await this.#context.ready([]);
    const rows = await this.#context.backend.readAll(this.#context.scope.tenant, after, limit);
    return rows.map(toRecorded);
  }

  /** Folds a stream with `aggregate`: its state and the version it reflects (0: no stream). */
  async aggregateStream<State, Event extends EventInput>(
    streamId: string,
    aggregate: Aggregate<State, Event>,
  ): Promise<{ state: State; version: number }> {
    return this.#fold(streamId, aggregate, initialStateOf(aggregate), 0);
  }

  /**
   * Runs a command: loads the stream's state, lets `decide` return the new events (none
   * is fine: nothing is appended), and appends them expecting the version it loaded. On a
   * conflict it reloads and decides again under the retry policy, unless the caller named
   * `expectedVersion`: then it fails fast and is never retried.
   */
  async handle<State, Event extends EventInput>(
    streamId: string,
    aggregate: Aggregate<State, Event>,
    decide: (
      state: State,
      version: number,
    ) => Event | readonly Event[] | undefined | Promise<Event | readonly Event[] | undefined>,
    options: HandleOptions = {},
  ): Promise<HandleResult<State>> {
    validateId(streamId);
    optionsObject(options, 'handle()');
    if (typeof decide !== 'function')
      throw new InvalidArgumentError('handle() needs a decide function');
    const explicit = options.expectedVersion;
    if (explicit !== undefined && explicit !== 'noStream') expectationOf(explicit);
    const policy = resolveRetry(options.retry);
    const run = async (attempt: number): Promise<HandleResult<State>> => {
      const { state, version } = await this.aggregateStream(streamId, aggregate);
      const wanted = explicit === 'noStream' ? 0 : explicit;
      if (wanted !== undefined && wanted !== version) {
        throw new ConcurrencyError({
          streamId,
          expected: explicit as number | 'noStream',
          actual: version,
        });
      }
      const decided = await decide(state, version);
      const events: Event[] =
        decided === undefined ? [] : Array.isArray(decided) ? [...decided] : [decided as Event];
      if (events.length === 0) return { state, version, events: [], attempts: attempt };
      const expected: ExpectedVersion = explicit === 'noStream' ? 'noStream' : version;
      const appended = await this.appendToStream(streamId, events, { expectedVersion: expected });
      const next = events.reduce((s, e) => aggregate.evolve(s, e), state);
      return { state: next, version: appended.version, events: appended.events, attempts: attempt };
    };
    // A caller that named the version it saw gets the conflict itself, at once.
    return explicit === undefined ? retryOnConflict(policy, run) : run(1);
  }

  /** Loads an aggregate root by replaying its stream (repository style). */
  async load<A extends AggregateRoot<unknown, EventInput>>(
    Type: new (id: string) => A,
    id: string,
  ): Promise<A> {
    validateId(id);
    if (typeof Type !== 'function')
      throw new InvalidArgumentError('load() takes an aggregate class');
    const aggregate = new Type(id);
    for (let from = 1; ; ) {
      const page = await this.readStream(id, { from, limit: PAGE });
      aggregate.replay(page);
      if (page.length < PAGE) return aggregate;
      from = (page.at(-1) as RecordedEvent).version + 1;
    }
  }

  /**
   * Appends an aggregate root's pending events, expecting by default the version it was
   * loaded at (or 'noStream' for a new one). Nothing pending: nothing is appended.
   */
  async save<A extends AggregateRoot<unknown, EventInput>>(
    aggregate: A,
    options: AppendOptions = {},
  ): Promise<AppendResult | undefined> {
    if (!(aggregate instanceof AggregateRoot)) {
      throw new InvalidArgumentError('save() takes an AggregateRoot');
    }
    optionsObject(options, 'save()');
    const pending = aggregate.pendingEvents;
    if (pending.length === 0) return undefined;
    const expectedVersion =
      options.expectedVersion ?? (aggregate.version === 0 ? 'noStream' : aggregate.version);
    const result = await this.appendToStream(aggregate.id, pending, { expectedVersion });
    aggregate.markSaved(result.version);
    return result;
  }

  /** Registers an inline projection for this store (all tenants). */
  project<State extends object, Event extends EventInput>(
    projection: InlineProjection<State, Event>,
  ): void {
    if (!isPlainObject(projection) || typeof projection.aggregate?.evolve !== 'function') {
      throw new InvalidArgumentError(
        'project() takes { collection, aggregate: { initialState, evolve } }',
      );
    }
    this.#context.resolve(projection.collection);
    this.#projections.add(projection as unknown as InlineProjection);
  }

  async #append(
    streamId: string,
    writes: EventWrite[],
    expected: StreamExpectation,
    projection: PlannedWrite | undefined,
  ): Promise<AppendResult> {
    // A lost reply is settled below by the append's token (see BackendRuntime).
    const outcome = await this.#context.backend.appendToStream({
      tenant: this.#context.scope.tenant,
      streamId,
      events: writes,
      expected,
      token: newToken(),
      ...(projection ? { projection: projection.write } : {}),
    });
    if (outcome.status === 'conflict') {
      throw new ConcurrencyError({
        streamId,
        expected: describeExpected(expected),
        actual: outcome.actual,
      });
    }
    if (outcome.status === 'projectionFailed') {
      // Someone wrote the projected document past this version: its typed error says how.
      settleOutcomes([projection as PlannedWrite], [outcome.projection]);
      throw new Error(`The projection of stream ${streamId} was not written`);
    }
    const first = outcome.version - writes.length + 1;
    const events = writes.map((w, i) =>
      toRecorded({
        ...w,
        streamId,
        version: first + i,
        position: outcome.positions[i] as bigint,
        timestamp: outcome.timestamp,
      }),
    );
    return {
      version: outcome.version,
      position: outcome.positions[writes.length - 1] as bigint,
      events,
    };
  }

  // With a projection the document must be folded from the exact version the append lands
  // on, so the append always carries an exact expectation; a loose one ('any',
  // 'streamExists') re-reads and tries again when another append got in first.
  async #appendProjected(
    streamId: string,
    writes: EventWrite[],
    expected: StreamExpectation,
    projection: InlineProjection,
  ): Promise<AppendResult> {
    const c = this.#context.resolve(projection.collection) as Collection<object>;
    const documentId = projection.documentId?.(streamId) ?? streamId;
    // What the projection folds: the events as readers will see them, less the position and
    // timestamp, which the append has not handed out yet.
    const events = (version: number) =>
      writes.map((w, i) => ({
        ...toRecorded({ ...w, streamId, version: version + i + 1, position: 0n, timestamp: 0 }),
        position: undefined,
        timestamp: undefined,
      }));
    for (let attempt = 1; ; attempt++) {
      const [tail] = await this.#context.backend.readStream(this.#context.scope.tenant, streamId, {
        from: 1,
        to: Number.MAX_SAFE_INTEGER,
        direction: 'backward',
        limit: 1,
      });
      const version = tail?.version ?? 0;
      if (!satisfies(expected, version)) {
        throw new ConcurrencyError({
          streamId,
          expected: describeExpected(expected),
          actual: version,
        });
      }
      const stored = (await readDocuments(this.#context, c, [documentId])).get(documentId);
      const base =
        stored && stored.metadata.revision === version
          ? (JSON.parse(stored.body) as object)
          : (
              await this.#fold(
                streamId,
                projection.aggregate,
                initialStateOf(projection.aggregate),
                0,
              )
            ).state;
      const state = events(version).reduce(
        (s, e) => projection.aggregate.evolve(s, e as unknown as EventInput),
        base,
      );
      if (!isPlainObject(state)) {
        throw new InvalidDocumentError(
          `The projection of stream ${streamId} must fold to a plain object`,
        );
      }
      const document = { ...state, [c.idField]: documentId };
      const revision = version + writes.length;
      // The projected document passes its collection's schema as any other write does: the
      // schema's output is stored, and a document it refuses appends nothing.
      const { planned } = await planCheckedPut(this.#context.scope, c, document, {
        kind: 'revisionAbove',
        revision,
        silent: false,
      });
      try {
        return await this.#append(streamId, writes, { kind: 'version', version }, planned);
      } catch (error) {
        // Only another append in between is worth a new try; a projected document written
        // past the stream (by anything but appends) is reported as it is.
        const loose = expected.kind === 'any' || expected.kind === 'streamExists';
        const streamMoved = error instanceof ConcurrencyError && error.streamId === streamId;
        if (!streamMoved || !loose || attempt >= PROJECTION_ATTEMPTS) throw error;
      }
    }
  }

  async #fold<State, Event extends EventInput>(
    streamId: string,
    aggregate: Aggregate<State, Event>,
    state: State,
    after: number,
  ): Promise<{ state: State; version: number }> {
    let version = after;
    for (;;) {
      const page = await this.readStream(streamId, { from: version + 1, limit: PAGE });
      for (const event of page) state = aggregate.evolve(state, event as unknown as Event);
      version = page.at(-1)?.version ?? version;
      if (page.length < PAGE) return { state, version };
    }
  }

  #eventWrites(events: readonly EventInput[]): EventWrite[] {
    if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS_PER_APPEND) {
      throw new InvalidArgumentError(
        `An append takes an array of 1 to ${MAX_EVENTS_PER_APPEND} events`,
      );
    }
    const max = this.#context.scope.maxDocumentBytes;
    return events.map((event, i) => {
      if (!isPlainObject(event)) throw new InvalidArgumentError(`Event ${i} is not an object`);
      const { type, data, metadata } = event;
      if (
        typeof type !== 'string' ||
        type.length === 0 ||
        type.length > 256 ||
        hasControlCharacter(type)
      ) {
        throw new InvalidArgumentError(
          `Event ${i} needs a type: 1 to 256 characters, no control characters`,
        );
      }
      const json = (value: unknown) => serializeJson(value, `Event ${i}`, max);
      return {
        id: randomUUID(),
        type,
        data: json(data),
        metadata: metadata === undefined ? null : json(metadata),
      };
    });
  }
}

// Event data and metadata follow the document rules: plain JSON objects, no hostile keys.
function serializeJson(value: unknown, where: string, max: number): string {
  try {
    return serializeDocument(value, { versionField: undefined, maxBytes: max });
  } catch (error) {
    if (error instanceof InvalidDocumentError)
      throw new InvalidDocumentError(`${where}: ${error.message}`);
    throw error;
  }
}

function expectationOf(expected: ExpectedVersion): StreamExpectation {
  if (expected === 'noStream' || expected === 'streamExists' || expected === 'any')
    return { kind: expected };
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0) {
    throw new InvalidArgumentError(
      `expectedVersion is a non-negative integer, 'noStream', 'streamExists' or 'any'; got ${safeDescribe(expected)}`,
    );
  }
  return { kind: 'version', version: expected };
}

function describeExpected(expected: StreamExpectation): number | 'noStream' | 'streamExists' {
  if (expected.kind === 'version') return expected.version;
  return expected.kind === 'any' ? 'streamExists' : expected.kind;
}

function satisfies(expected: StreamExpectation, version: number): boolean {
  switch (expected.kind) {
    case 'version':
      return expected.version === version;
    case 'noStream':
      return version === 0;
    case 'streamExists':
      return version > 0;
    case 'any':
      return true;
  }
}

function optionalVersion(value: number | undefined, name: string): number | undefined {
  return value === undefined ? undefined : count(value, name, Number.MAX_SAFE_INTEGER);
}

function count(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(
      `${name} is an integer from 1 to ${max}, got ${safeDescribe(value)}`,
    );
  }
  return value;
}

function toRecorded(row: StoredEvent): RecordedEvent {
  return {
    streamId: row.streamId,
    version: row.version,
    position: row.position,
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    metadata:
      row.metadata === null ? undefined : (JSON.parse(row.metadata) as Record<string, unknown>),
    timestamp: row.timestamp,
  };
}

import type { Collection } from '../store/collection.js';
import type { Runtime } from '../store/context.js';
import type { Aggregate, EventInput } from './types.js';

/**
 * An inline projection: a document of `collection` folded from a stream by `aggregate`,
 * written in the same transaction as every append to the stream, with the stream version
 * as its revision. A reader can use the document's
 * revision as the expected version of its next append.
 */
export interface InlineProjection<
  State extends object = object,
  Event extends EventInput = EventInput,
> {
  /** Where the documents go; the collection's version field (if any) gets the stream version. */
  readonly collection: Collection<object>;
  /** Folds the stream into the document's body (a plain object). */
  readonly aggregate: Aggregate<State, Event>;
  /** Which streams it projects. Default: all. */
  readonly streams?: (streamId: string) => boolean;
  /** The document id for a stream. Default: the stream id. */
  readonly documentId?: (streamId: string) => string;
}

/** The projections registered on a store, shared by its tenant views. */
export class Projections {
  readonly #list: InlineProjection[] = [];

  add(projection: InlineProjection): void {
    this.#list.push(projection);
  }

  /** The projection of `streamId`, if one applies (the first registered wins). */
  for(streamId: string): InlineProjection | undefined {
    return this.#list.find((p) => p.streams?.(streamId) ?? true);
  }
}

// A store's projections, kept with the runtime its tenant views share, so that a
// projection registered through one tenant's `events` applies to every tenant's appends.
const registries = new WeakMap<Runtime, Projections>();

/** The projections of the store whose runtime is `runtime`. */
export function projectionsOf(runtime: Runtime): Projections {
  let found = registries.get(runtime);
  if (!found) {
    found = new Projections();
    registries.set(runtime, found);
  }
  return found;
}

/** The starting state of an aggregate. */
export function initialStateOf<State>(aggregate: Aggregate<State, never>): State {
  const initial = aggregate.initialState;
  return typeof initial === 'function' ? (initial as () => State)() : structuredClone(initial);
}

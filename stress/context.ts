import type { Collection, DocumentStore, RetryOptions } from '../src/index.js';
import type { History } from '../src/testing/index.js';
import type { Change, State } from './model.js';

/** A stress document: a model state with the id and version the store keeps in it. */
export type Doc = State & { id: string; version?: number };

/** One append a worker made, and how it ended: every event carries its append's tag. */
export interface AppendRecord {
  readonly stream: string;
  readonly tag: string;
  readonly status: 'ok' | 'fail' | 'unknown';
  /** For `handle()`: the version and id of the event, once accepted. */
  readonly version?: number;
  readonly id?: string;
}

/** What a worker's operations share. */
export interface WorkerContext {
  readonly store: DocumentStore;
  readonly docs: Collection<Doc>;
  readonly history: History<Change>;
  readonly appends: AppendRecord[];
  /** The worker's name, the process of its operations. */
  readonly name: string;
  readonly rand: () => number;
  readonly retry: RetryOptions;
  /** Base URL of the worker's HTTP server, e.g. `http://127.0.0.1:1234`. */
  readonly http: string;
  readonly hot: number;
  readonly cold: number;
  readonly streams: number;
  /** A number no other call of this worker gets. */
  serial(): number;
  /** A tag no other write of the run carries. */
  tag(): string;
}

/** A whole number below `n`. */
export const pick = (ctx: WorkerContext, n: number) => Math.floor(ctx.rand() * n);

/** A hot document most of the time, else a cold one. */
export const anyCounter = (ctx: WorkerContext) =>
  ctx.rand() < 0.5 ? `hot-${pick(ctx, ctx.hot)}` : `cold-${pick(ctx, ctx.cold)}`;

/** The history key of a document. */
export const keyOf = (id: string) => `docs/${id}`;

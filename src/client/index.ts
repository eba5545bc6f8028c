export type {
  ArrayIdentity,
  ConflictChoice,
  Json,
  MergeConflict,
  MergeOptions,
  MergeResult,
} from '../concurrency/merge.js';
export { type Client, type ClientOptions, createClient, type SyncReport } from './client.js';
export {
  type CollectionOptions,
  RemoteCollection,
  type WriteOptions,
} from './collection.js';
export {
  ClientError,
  type ClientErrorCode,
  ConflictError,
  HttpError,
  NetworkError,
  PreconditionRequiredError,
  type Problem,
  WriteRefusedError,
} from './errors.js';
export { hasIndexedDb, indexedDbQueue } from './indexeddb-queue.js';
export { type ConflictResolver, mergeConflict, mergeResolver } from './merge.js';
export { type EditQueue, memoryQueue, type QueuedEdit } from './queue.js';
export { readEvents, type ServerEvent } from './sse.js';
export type { ClientDocument, Deleted, FetchLike, Queued, Saved, Versioned } from './types.js';
export type { ChangeEvent, WatchOptions } from './watch.js';

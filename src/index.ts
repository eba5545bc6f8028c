// First, so an unsupported Node.js is named before anything else can fail on it.
import './core/node-version.js';

export type {
  Backend,
  StoredChange,
  StoredDocument,
  Write,
  WriteOutcome,
} from './backends/kit/backend.js';
export type { Check } from './concurrency/check.js';
export type { Condition, FieldOperators, Scalar } from './concurrency/condition.js';
export {
  type ArrayIdentity,
  type ConflictChoice,
  type Json,
  type MergeConflict,
  type MergeOptions,
  type MergeResult,
  mergeAdditive,
  mergeThreeWay,
} from './concurrency/merge.js';
export type {
  Each,
  NormalizedOperation,
  OperationFields,
  Operations,
  TypedOperationFields,
} from './concurrency/operations.js';
export {
  applyJsonPatch,
  applyMergePatch,
  type DocumentPatch,
  type JsonPatchOperation,
  type MergePatch,
  type PatchLimits,
} from './concurrency/patch.js';
export {
  type ContentionMode,
  type OnStale,
  Policies,
  type PolicyConfig,
  type PolicyContext,
  type PolicyOptions,
  type PolicyResolver,
} from './concurrency/policy.js';
export {
  additiveMerge,
  firstWriteWins,
  type GenericResolver,
  lastWriteWins,
  type Resolution,
  type ResolveContext,
  type Resolver,
  type ThreeWayMergeOptions,
  threeWayMerge,
} from './concurrency/resolvers.js';
export type { RetryOptions } from './concurrency/retry.js';
export type { Strategy } from './concurrency/strategy.js';
export {
  BaseRevisionUnavailableError,
  BatchWriteError,
  ConcurrencyError,
  type DocumentConflict,
  DocumentNotFoundError,
  DuplicateDocumentError,
  type ErrorCode,
  type Expectation,
  InvalidArgumentError,
  InvalidConditionError,
  InvalidCursorError,
  InvalidDocumentError,
  InvalidIdError,
  InvalidOperationsError,
  InvalidPatchError,
  InvalidVersionError,
  MergeConflictError,
  NoclobberError,
  OperationTypeError,
  PatchTestFailedError,
  PatchTooLargeError,
  RetryExhaustedError,
  StoreClosedError,
  type StreamConflict,
  TransientError,
  UniqueConstraintError,
  UnknownCollectionError,
  ValidationError,
  type ValidationIssue,
  type WriteFailure,
} from './core/errors.js';
export { MissingDriverError } from './core/load-driver.js';
export type { DocumentMetadata, Version, VersionKind } from './core/metadata.js';
export { UnsupportedNodeError } from './core/node-version.js';
export type { StandardSchemaV1 } from './core/standard-schema.js';
export { AggregateRoot } from './events/aggregate-root.js';
export { DocumentStore } from './events/document-store.js';
export { EventStore } from './events/event-store.js';
export type { InlineProjection } from './events/projection.js';
export type {
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
} from './events/types.js';
export type {
  ConflictEvent,
  GiveUpEvent,
  Hooks,
  Operation,
  ResolvedEvent,
  RetryEvent,
  WriteEvent,
} from './observe/hooks.js';
export type {
  FieldPath,
  FieldTest,
  Filter,
  OrderedScalar,
  Path,
  PathDepth,
  PathStep,
  PathValue,
  StoredValue,
  TypedFilter,
  TypedOperators,
} from './query/filter.js';
export type {
  IndexDeclaration,
  IndexField,
  IndexKey,
  IndexValueType,
  UniqueDeclaration,
} from './query/indexes.js';
export {
  DEFAULT_QUERY_LIMIT,
  type FindOptions,
  MAX_QUERY_LIMIT,
} from './query/query.js';
export type { Sort, SortField, SortOrder } from './query/sort.js';
export type { BulkOptions, BulkResult, BulkWrittenDocument } from './store/bulk.js';
export { Collection, type CollectionOptions, type SchemaDocument } from './store/collection.js';
export type { CollectionRef } from './store/context.js';
export type {
  Applied,
  ApplyOptions,
  Change,
  ChangesPage,
  DocumentStoreOptions,
  LandingCheck,
  PutOptions,
  PutResult,
  WriteOptions,
  WriteResult,
  Written,
} from './store/document-store.js';
export type { Page, QueryPlan, UsedIndex } from './store/find.js';
export type { HistoryOptions } from './store/history.js';
export type { HistoryPage, HistoryQuery, Revision } from './store/revisions.js';
export {
  DocumentSession,
  QuerySession,
  type SaveOptions,
  type SessionBulkOptions,
  type SessionOptions,
  type SessionWriteOptions,
} from './store/session.js';
export type { MergedFrom } from './store/stale-merge.js';
export type { Mutation, UpdateContext, UpdateOptions } from './store/update.js';
export type { WatchOptions } from './store/watch.js';
export type { WriteLogOptions } from './store/write-log-pruner.js';

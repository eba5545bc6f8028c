/**
 * noclobber/backend: what the author of a backend needs, and nothing of the store's
 * machinery. A backend implements `Backend`, reports each write's outcome as `judgeMiss`
 * says, compiles conditions with `compileConditionSql`, and throws `TransientError` for a
 * failure of its database; retries, read-backs after ambiguous commits and error mapping
 * live above it, in the store. Its tests run `describeBackendConformance` from
 * noclobber/backend/conformance. See docs/backends.md.
 */

// First, so an unsupported Node.js is named before anything else can fail on it.
import '../../core/node-version.js';

export { InvalidArgumentError, NoclobberError, TransientError } from '../../core/errors.js';
export { loadDriver, MissingDriverError } from '../../core/load-driver.js';
export type { DocumentMetadata, Version, VersionKind } from '../../core/metadata.js';
export {
  AlreadyLandedError,
  type AppendOutcome,
  type Backend,
  type ChangesFilter,
  type CommitWakeups,
  type DocumentKey,
  type EventWrite,
  type FoundDocument,
  isFailure,
  isFound,
  type LandedRow,
  type LandedWrite,
  landedByToken,
  missOutcome,
  type PastBudget,
  type RevisionPrune,
  type RevisionRange,
  type RevisionRow,
  revisionOf,
  type StoredChange,
  type StoredDocument,
  type StoredEvent,
  type StoredRevision,
  type StreamAppend,
  type StreamExpectation,
  type StreamRange,
  type Write,
  type WriteOutcome,
} from './backend.js';
export {
  BULK_CALL_ID,
  type BulkOutcome,
  type BulkWrite,
  type BulkWritten,
  bulkRowToken,
} from './bulk.js';
export {
  arrayIndexOf,
  evaluateCondition,
  failsBatch,
  type JudgedMetadata,
  type Judgement,
  judgeCheck,
  judgeMiss,
  MISSING,
  type Miss,
  type NormalizedCheck,
  type NormalizedCondition,
  resolvePath,
  type Scalar,
  type StoredState,
} from './checks.js';
export { type Bind, type ConditionDialect, compileConditionSql } from './condition-sql.js';
export {
  type IndexDialect,
  type IndexSpec,
  type IndexSpecField,
  type IndexValueType,
  impliedType,
  indexPrefix,
  isIndexed,
  UniqueViolation,
  withIndexes,
} from './indexes.js';
export { insertChunks, isInsertBatch } from './insert-batch.js';
export {
  type Migration,
  type MigrationStatement,
  type RunMigrationStatement,
  runMigration,
  runMigrationSync,
  type VersionRow,
} from './migrate.js';
export { QueryShapes, type QueryStatement } from './query-shapes.js';
export {
  type CursorPosition,
  compareBySort,
  compareSortValues,
  compileFilterSql,
  compileQuerySql,
  evaluateQuery,
  type NormalizedQuery,
  type QueryCandidate,
  type QueryDialect,
  type QuerySql,
  type SortKey,
  sortRank,
} from './query-sql.js';

export {
  type CheckResult,
  checkHistory,
  type FinalState,
  History,
  type Invocation,
  type Model,
  type OperationStatus,
  type RecordedOperation,
  type Violation,
} from './history.js';
export { type LostReplyBackend, type LostReplyOptions, withLostReplies } from './lost-replies.js';
export type { CommittedVersion } from './operations.js';
export { recordInsert, recordUpdate } from './record.js';

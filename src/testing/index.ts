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
export { recordUpdate } from './record.js';

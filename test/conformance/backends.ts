// The registry lives in test/support/backends.ts; these names stay for the suites using them.
export {
  type BackendEntry as BackendUnderTest,
  backends as backendsUnderTest,
} from '../support/backends.js';

import { NoclobberError } from './errors.js';

/**
 * The oldest Node.js noclobber runs on (as `engines` in package.json says): 20.19 is the
 * first 20.x whose `require()` loads ES modules, and older lines lack APIs the store
 * calls on every write (`String.prototype.isWellFormed` among them).
 */
export const REQUIRED_NODE_VERSION = '20.19.0';

/** This Node.js is older than noclobber supports; thrown when the package is loaded. */
export class UnsupportedNodeError extends NoclobberError {
  readonly code = 'UNSUPPORTED_NODE' as const;
  /** The version that is running, e.g. `'18.20.4'`. */
  readonly found: string;
  /** The oldest version noclobber runs on. */
  readonly required = REQUIRED_NODE_VERSION;

  constructor(found: string) {
    super(
      `noclobber requires Node.js ${REQUIRED_NODE_VERSION} or later; this is Node.js ${found}. Upgrade Node.js.`,
    );
    this.found = found;
  }
}

/** Throws `UnsupportedNodeError` when `version` (as in `process.versions.node`) is too old. */
export function assertSupportedNode(version: string): void {
  const found = version.split('.').map(Number);
  const required = REQUIRED_NODE_VERSION.split('.').map(Number);
  for (let i = 0; i < required.length; i++) {
    const a = found[i] ?? 0;
    const b = required[i] as number;
    if (Number.isNaN(a) || a < b) throw new UnsupportedNodeError(version);
    if (a > b) return;
  }
}

// Once, when the package is first loaded: failing here, with the versions named, beats a
// TypeError about a missing method at the first write.
assertSupportedNode(process.versions.node);

import { createRequire } from 'node:module';
import { NoclobberError } from './errors.js';

/**
 * A backend's database driver is not installed. The drivers are optional peer
 * dependencies, so an application installs only the one it uses.
 */
export class MissingDriverError extends NoclobberError {
  readonly code = 'MISSING_DRIVER' as const;
  /** The npm package that is missing, e.g. `'pg'`. */
  readonly driver: string;

  constructor(driver: string, entry: string, options?: ErrorOptions) {
    super(
      `${entry} needs the '${driver}' package, which is not installed. Install it with: npm install ${driver}`,
      options,
    );
    this.driver = driver;
  }
}

// The drivers are CommonJS packages; require() loads them synchronously, so importing a
// backend never needs top-level await (which `require()` of this package could not load).
const require = createRequire(import.meta.url);

/**
 * Loads the driver package `driver` for the entry point `entry` (e.g. `'noclobber/postgres'`),
 * throwing `MissingDriverError` when the package itself is not installed. Any other failure
 * (a broken install, a missing dependency of the driver) is rethrown as it is.
 */
export function loadDriver<T>(driver: string, entry: string): T {
  try {
    return require(driver) as T;
  } catch (error) {
    if (isMissing(error, driver)) throw new MissingDriverError(driver, entry, { cause: error });
    throw error;
  }
}

function isMissing(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    e?.code === 'MODULE_NOT_FOUND' &&
    typeof e.message === 'string' &&
    e.message.startsWith(`Cannot find module '${name}'`)
  );
}

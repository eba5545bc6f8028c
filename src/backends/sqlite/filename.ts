import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '../../core/errors.js';

/**
 * Returns `filename` when SQLite can create or open it. SQLite creates a missing file but
 * not a missing directory, and better-sqlite3 reports that without naming any path.
 */
export function checkFilename(filename: unknown): string {
  if (typeof filename !== 'string') {
    throw new InvalidArgumentError(
      `SqliteBackend's filename must be a string, not ${filename === null ? 'null' : typeof filename}`,
    );
  }
  // In memory, and '' for a private temporary file: no directory to check.
  if (filename === ':memory:' || filename === '') return filename;
  const directory = dirname(resolve(filename));
  const stat = statSync(directory, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new InvalidArgumentError(
      `Cannot open the SQLite file ${JSON.stringify(filename)}: the directory ${JSON.stringify(directory)} ${stat ? 'is not a directory' : 'does not exist'}`,
    );
  }
  return filename;
}

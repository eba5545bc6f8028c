import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server the suite runs against. */
    postgresUrl: string;
  }
}

/** One PostgreSQL server for the whole run (see `startPostgres`), stopped after it. */
export default async function setup(project: TestProject) {
  // fsync off: the suite tests semantics, not durability, and runs faster without it.
  const server = await startPostgres(['-c', 'fsync=off']);
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}

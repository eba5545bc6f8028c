import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { BackendConfig } from '../support/open-backend.js';

/** A database the conformance suite runs against: it makes a fresh, empty one per test. */
export interface BackendUnderTest {
  readonly name: string;
  create(): Promise<{ config: BackendConfig; cleanup(): Promise<void> }>;
}

const sqlite: BackendUnderTest = {
  name: 'sqlite',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'noclobber-test-'));
    return {
      config: { kind: 'sqlite', filename: join(dir, 'store.db') },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

// A fresh schema per test in the run's server (see test/support/global-setup.ts).
const postgres: BackendUnderTest = {
  name: 'postgres',
  async create() {
    const url = inject('postgresUrl');
    const schema = `nc_test_${randomBytes(6).toString('hex')}`;
    return {
      config: { kind: 'postgres', url, schema },
      async cleanup() {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

/** Every backend the suite runs against. A new backend is one more entry here. */
export const backendsUnderTest: readonly BackendUnderTest[] = [sqlite, postgres];

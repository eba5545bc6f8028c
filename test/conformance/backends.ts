import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Every backend the suite runs against. A new backend is one more entry here. */
export const backendsUnderTest: readonly BackendUnderTest[] = [sqlite];

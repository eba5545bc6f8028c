import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Races spawn worker threads and processes of their own; running test files one
    // at a time keeps them from competing with each other for the machine's two cores.
    fileParallelism: false,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'shared/src/**/*.test.ts',
      'control-plane/src/**/*.test.ts',
      'data-plane/src/**/*.test.ts',
      'simulators/**/*.test.ts',
      'test/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Cross-plane suites start real servers and child processes; two cores, so keep files in forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});

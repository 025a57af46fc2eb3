import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: the slow fault-injection scenarios of test/chaos/ (shortened lock timings). */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: run files in a small pool so protocol tests keep their timing margins.
    pool: 'forks',
    maxWorkers: 2,
  },
});

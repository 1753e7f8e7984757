import { defineConfig } from 'vitest/config';

// Two projects: `unit` (test/**: every module's unit and integration tests, on fake streams,
// in-process servers, the browser test; `npm test`) and `e2e` (e2e/**: real Envoy, grpc-go,
// grpc-js-xds and kube-apiserver peers; `npm run test:e2e`). `.ci/run` runs both.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: run files in a small pool so protocol tests keep their timing margins.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['e2e/**/*.test.ts'] } },
    ],
  },
});

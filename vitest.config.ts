import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (no processes, no network) and integration tests that
// start real processes (serverless-offline, the embedded S3, `osls package` for test/deploy).
// `npm test` runs both, the unit tests first: the integration suites' waits are sized for
// two cores of their own (a burst of 100 chunks ran 72 s alone, past 180 s beside them).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          // Handlers log structured JSON and print EMF metrics; tests that check either capture
          // them explicitly (metrics: test/support/emf.ts enables them for the instance it makes).
          env: { LOG_LEVEL: 'silent', POWERTOOLS_METRICS_DISABLED: 'true' },
          exclude: ['test/integration/**', 'test/deploy/**'],
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts', 'test/deploy/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One stack at a time: the suites share ports and two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});

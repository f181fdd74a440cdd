import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the reference server's conformance check at the end of every test that uses it (test/support/conformance.ts)
    setupFiles: ['test/support/conformance-setup.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Model sessions use 2 threads each; running test files one at a time keeps a 2-core machine responsive.
    fileParallelism: false,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
});

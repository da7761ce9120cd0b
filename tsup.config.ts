import { defineConfig } from 'tsup';

// Two builds: the library (ESM + CJS + declarations) and the CLI (ESM, with a shebang).
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    shims: true,
  },
  {
    // worker: the worker-thread entry of createWorkerPool (src/workers/), which the pool loads
    // as ./worker.js next to the bundle that contains it.
    entry: { cli: 'src/cli/main.ts', worker: 'src/workers/worker.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    shims: true,
    banner: { js: '#!/usr/bin/env node' },
  },
]);

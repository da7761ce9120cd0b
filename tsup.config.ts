import { defineConfig } from 'tsup';

// Two builds: the library (ESM + CJS + declarations) and the CLI (ESM, with a shebang).
export default defineConfig([
  {
    // The package entries, one per `exports` subpath in package.json: zsre, zsre/kg, zsre/workers,
    // zsre/queue. Code they share goes into shared chunks (splitting, for CJS too), so there is one
    // ZsreError class and `isZsreError` holds for an error from any entry.
    entry: { index: 'src/index.ts', kg: 'src/kg.ts', workers: 'src/workers/index.ts', queue: 'src/queue/index.ts' },
    format: ['esm', 'cjs'],
    splitting: true,
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
  {
    // zsre/web, the browser entry (src/web/): ESM for bundlers. platform 'browser' makes a Node
    // module reached by mistake (fs, onnxruntime-node, hnswlib-node) a build error, not a page
    // that breaks at load; its dependencies (onnxruntime-web, @huggingface/tokenizers, zod) stay
    // imports for the user's bundler. The playground (playground/build.ts) bundles it whole.
    entry: { web: 'src/web/index.ts' },
    format: ['esm'],
    platform: 'browser',
    dts: true,
    sourcemap: true,
    target: 'es2022',
  },
]);

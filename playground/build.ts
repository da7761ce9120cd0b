import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import type { Plugin } from 'esbuild';
import { demoExampleRelation, demoRelationIds } from '../src/cli/demo.js';
import { loadRelations } from '../src/relations/index.js';

/**
 * Builds the playground into playground/dist: the page's script bundled by tsup (esbuild) for the
 * browser, with zsre/web, onnxruntime-web's JS, the tokenizer and zod inside; onnxruntime-web's
 * WASM runtime files beside it (ort/); the page, its style, and the demo relations (the 18
 * Wikidata relations and the example-taught "rival" of `zsre demo`, read from the built-in set
 * here because the page cannot read data/wikidata-relations.json.gz).
 */

export const playgroundDir = path.dirname(fileURLToPath(import.meta.url));
export const distDir = path.join(playgroundDir, 'dist');
const root = path.dirname(playgroundDir);
// The runtime onnxruntime-web/wasm loads at run time (the threaded build serves one thread too).
export const ortRuntimeFiles = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

/**
 * zod 4 exposes its ~50 message locales as `z.locales`, so a bundle that imports `z` keeps every
 * one of them (about 250 KB minified: most of zod's share of the page). zsre never switches
 * locale (zod's default is English, set in zod's own code from locales/en.js), so the page gets a
 * locales index with English only. Only the bundle changes; zod's messages stay the same.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!args.importer.includes(`${path.sep}zod${path.sep}`)) return undefined;
      return { path: path.join(path.dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'zod-locales' };
    });
    esbuild.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

export async function buildPlayground(): Promise<void> {
  await rm(distDir, { recursive: true, force: true });
  await mkdir(path.join(distDir, 'ort'), { recursive: true });
  await build({
    config: false,
    entry: { main: path.join(playgroundDir, 'src', 'main.ts') },
    outDir: distDir,
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    splitting: false,
    noExternal: [/.*/],
    silent: true,
    // onnxruntime-web's "extern wasm" build: its WASM runtime is loaded from wasmPaths (ort/) at
    // run time instead of being inlined into main.js, which keeps the page's own JS small.
    esbuildOptions(options) {
      options.conditions = ['onnxruntime-web-use-extern-wasm'];
    },
    esbuildPlugins: [zodEnglishOnly],
  });
  for (const file of ortRuntimeFiles) await copyFile(path.join(root, 'node_modules', 'onnxruntime-web', 'dist', file), path.join(distDir, 'ort', file));
  for (const file of ['index.html', 'style.css']) await copyFile(path.join(playgroundDir, file), path.join(distDir, file));
  const wanted = new Set(demoRelationIds);
  const demo = [...(await loadRelations('wikidata')).filter((relation) => wanted.has(relation.id)), demoExampleRelation];
  await writeFile(path.join(distDir, 'demo-relations.json'), `${JSON.stringify(demo, null, 1)}\n`);
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZsreError } from '../errors.js';

/**
 * The model used when `model` is not given: the first `models/<name>/` (by name) inside the
 * package that holds a manifest.json. No runtime path reaches the test fixtures: a package
 * without a shipped model is an error that says to pass `model`.
 */
export function defaultModelDirectory(): string {
  const root = packageRoot();
  const models = path.join(root, 'models');
  if (existsSync(models)) {
    const names = readdirSync(models, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(models, entry.name, 'manifest.json')))
      .map((entry) => entry.name)
      .sort();
    const first = names[0];
    if (first !== undefined) return path.join(models, first);
  }
  throw new ZsreError(
    'MODEL_NOT_FOUND',
    `No default model: no ${models}/<name>/manifest.json in this package (was models/ left out of it?). ` +
      'Pass `model` (a model directory or hub id).',
    { context: { packageRoot: root } },
  );
}

/** The directory of this package's package.json, found by walking up from this module. */
export function packageRoot(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest)) {
      const name: unknown = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (name === 'zsre') return directory;
    }
    const parent = path.dirname(directory);
    if (parent === directory) {
      throw new ZsreError('MODEL_NOT_FOUND', 'Could not find the zsre package root for the default model: pass `model` explicitly.');
    }
    directory = parent;
  }
}

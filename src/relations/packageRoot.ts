import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the installed `zsre` package. This module runs from src/ (vitest, tsx), from
 * dist/index.js (ESM), dist/index.cjs (CJS; tsup's shim supplies import.meta.url) and from
 * dist/cli.js, so a fixed relative path would be wrong in some of them: walk up from this
 * file to the first package.json whose name is "zsre".
 */
let cachedRoot: string | undefined;

export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  let folder = start;
  for (;;) {
    if (isZsrePackage(join(folder, 'package.json'))) {
      cachedRoot = folder;
      return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error(`Cannot find the zsre package folder above ${start}: no package.json with "name": "zsre".`);
    }
    folder = parent;
  }
}

function isZsrePackage(file: string): boolean {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'zsre';
  } catch {
    return false;
  }
}

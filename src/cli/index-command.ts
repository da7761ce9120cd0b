import { constants } from 'node:fs';
import { access, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultCacheDir } from '../labels/cacheDir.js';
import { exitCodes, parseCommandArgs, requireOption, UsageError } from './args.js';
import { openExtractor } from '../batch/index.js';
import { labelIndexProgress } from './progress.js';

export const indexHelp = `Usage: zsre index --model DIR --relations FILE|wikidata [--cache-dir DIR] [--index auto|exact|hnsw]

Computes the description vectors of a relation set with a model and persists the label index, so
that later runs (zsre extract, createExtractor) start without encoding the relations again.
The index is keyed by a fingerprint of the model and the relation set: a changed model or
relation file gets a new index; a stale one is never reused. The example sentences of relations
taught by examples are encoded and persisted too, one entry per relation keyed by its examples:
adding an example to one relation re-encodes that relation's examples only.

Options:
  --model DIR                model directory
  --relations FILE|wikidata  relation set: .json or .jsonl file, or a built-in set: "wikidata"
                             (11,665 properties) or "wikidata-no-ids" (3,400: no identifiers)
  --cache-dir DIR            where indexes persist (default: $ZSRE_CACHE_DIR, else the user cache
                             folder + /zsre; now ${defaultCacheDir()})
  --index auto|exact|hnsw    search structure (default auto: HNSW for large relation sets)
  -h, --help                 show this help

Exit codes: 0 ok; 2 usage error; 3 the model or the relation set failed to load or run.
`;

const options = {
  model: { type: 'string' },
  relations: { type: 'string' },
  'cache-dir': { type: 'string' },
  index: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const indexKinds = ['auto', 'exact', 'hnsw'] as const;
type IndexKind = (typeof indexKinds)[number];

function isIndexKind(value: string): value is IndexKind {
  return (indexKinds as readonly string[]).includes(value);
}

export async function runIndex(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, options);
  if (values.help === true) {
    process.stdout.write(indexHelp);
    return exitCodes.ok;
  }
  const model = requireOption(values.model, '--model');
  const relations = requireOption(values.relations, '--relations');
  const kind = values.index ?? 'auto';
  if (!isIndexKind(kind)) throw new UsageError(`--index must be one of ${indexKinds.join(', ')}, received "${kind}"`);
  const cacheDir = resolve(values['cache-dir'] ?? defaultCacheDir());

  // Files the extractor writes under <cacheDir>/labels/ while it builds are the index; anything
  // older that it reads back instead means the index was already up to date.
  const labelsDir = join(cacheDir, 'labels');
  // The library treats the cache as optional and skips a failed write silently; this command's
  // whole point is the write, so an unwritable folder is an error here, found before the build.
  try {
    await mkdir(labelsDir, { recursive: true });
    await access(labelsDir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`cannot write the index to ${labelsDir} (${(error as Error).message}); pass a writable --cache-dir`);
  }
  const before = await listFiles(labelsDir);
  const started = performance.now();
  const extractor = await openExtractor({ model, relations, cacheDir, index: kind, onProgress: labelIndexProgress() });
  const seconds = (performance.now() - started) / 1000;
  const count = extractor.relations.length;
  const modelName = extractor.model.manifest.name;
  await extractor.dispose();
  const after = await listFiles(labelsDir);
  const written = [...after].filter(([file, info]) => before.get(file)?.mtimeMs !== info.mtimeMs);

  process.stdout.write(`model: ${modelName}; relations: ${count}\n`);
  if (written.length === 0) {
    process.stdout.write(`index already up to date in ${labelsDir} (loaded in ${seconds.toFixed(1)}s)\n`);
    return exitCodes.ok;
  }
  let bytes = 0;
  for (const [file, info] of written) {
    bytes += info.size;
    process.stdout.write(`  ${join(labelsDir, file)}  ${formatBytes(info.size)}\n`);
  }
  process.stdout.write(`index written to ${labelsDir}: ${written.length} file(s), ${formatBytes(bytes)}, built in ${seconds.toFixed(1)}s (model load included)\n`);
  return exitCodes.ok;
}

async function listFiles(folder: string): Promise<Map<string, { size: number; mtimeMs: number }>> {
  const files = new Map<string, { size: number; mtimeMs: number }>();
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    const info = await stat(join(folder, name)).catch(() => null);
    if (info?.isFile() === true) files.set(name, { size: info.size, mtimeMs: info.mtimeMs });
  }
  return files;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

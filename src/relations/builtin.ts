import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { ZsreError } from '../errors.js';
import { fromCompact } from './compact.js';
import { packageRoot } from './packageRoot.js';
import type { Relation } from './schema.js';

const gunzipAsync = promisify(gunzip);

/** Built-in relation sets by name, as files inside the package (see scripts/build-wikidata-relations.ts). */
export const builtinRelationSets = {
  wikidata: 'data/wikidata-relations.json.gz',
} as const;

export type BuiltinRelationSetName = keyof typeof builtinRelationSets;

export function isBuiltinRelationSet(name: string): name is BuiltinRelationSetName {
  return Object.hasOwn(builtinRelationSets, name);
}

// Decoded once per process: the wikidata set is read by every extractor that names it.
const cache = new Map<BuiltinRelationSetName, Promise<readonly Relation[]>>();

export async function loadBuiltinRelations(name: BuiltinRelationSetName): Promise<Relation[]> {
  let pending = cache.get(name);
  if (pending === undefined) {
    pending = readBuiltin(name);
    cache.set(name, pending);
    // A failed read is not cached, so a fixed installation works without restarting.
    pending.catch(() => cache.delete(name));
  }
  const relations = await pending;
  // Copies, so a caller that edits its result cannot change what the next caller gets.
  return relations.map((relation) => ({ ...relation }));
}

async function readBuiltin(name: BuiltinRelationSetName): Promise<readonly Relation[]> {
  let path: string;
  try {
    path = join(packageRoot(), builtinRelationSets[name]);
  } catch (cause) {
    throw new ZsreError('RELATIONS_FILE', `Cannot locate the built-in relation set "${name}": ${(cause as Error).message}`, {
      cause,
      context: { builtin: name },
    });
  }
  let relations: Relation[] | null;
  try {
    const text = (await gunzipAsync(await readFile(path))).toString('utf8');
    relations = fromCompact(JSON.parse(text));
  } catch (cause) {
    throw new ZsreError(
      'RELATIONS_FILE',
      `Cannot read the built-in relation set "${name}" from ${path}: ${(cause as Error).message}. ` +
        'The installed zsre package is incomplete; reinstall it (or run `npx tsx scripts/build-wikidata-relations.ts` in a checkout).',
      { cause, context: { builtin: name, path } },
    );
  }
  if (relations === null) {
    throw new ZsreError(
      'RELATIONS_FILE',
      `The built-in relation set "${name}" at ${path} is corrupt (expected a gzipped JSON array of [id, name, description?]); reinstall zsre.`,
      { context: { builtin: name, path } },
    );
  }
  return relations;
}

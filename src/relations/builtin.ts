import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { ZsreError } from '../errors.js';
import { fromCompact } from './compact.js';
import { isIdentifierProperty } from './identifiers.js';
import { packageRoot } from './packageRoot.js';
import type { Relation } from './schema.js';

const gunzipAsync = promisify(gunzip);

interface BuiltinRelationSet {
  /** the file inside the package (see scripts/build-wikidata-relations.ts). */
  file: string;
  /** which of the file's relations the set keeps (all when absent). */
  keep?: (relation: Relation) => boolean;
  /** what the set is, for error messages and help. */
  summary: string;
}

/** Built-in relation sets by name. */
export const builtinRelationSets = {
  wikidata: { file: 'data/wikidata-relations.json.gz', summary: 'every Wikidata property (11,665)' },
  // For relations between the entities of a text: identifiers (external IDs, codes) cannot be one.
  'wikidata-no-ids': {
    file: 'data/wikidata-relations.json.gz',
    keep: (relation: Relation) => !isIdentifierProperty(relation),
    summary: 'the Wikidata properties that are not identifiers (3,400: no external IDs or codes)',
  },
} as const satisfies Record<string, BuiltinRelationSet>;

export type BuiltinRelationSetName = keyof typeof builtinRelationSets;

/** Every built-in set by name with its summary, for error messages. */
export const builtinRelationSetList = Object.entries(builtinRelationSets)
  .map(([name, set]) => `"${name}" (${set.summary})`)
  .join(', ');

export function isBuiltinRelationSet(name: string): name is BuiltinRelationSetName {
  return Object.hasOwn(builtinRelationSets, name);
}

// Decoded once per process and file: the wikidata file is read by every extractor that names a set of it.
const cache = new Map<string, Promise<readonly Relation[]>>();

export async function loadBuiltinRelations(name: BuiltinRelationSetName): Promise<Relation[]> {
  const set: BuiltinRelationSet = builtinRelationSets[name];
  const { file } = set;
  let pending = cache.get(file);
  if (pending === undefined) {
    pending = readBuiltin(name);
    cache.set(file, pending);
    // A failed read is not cached, so a fixed installation works without restarting.
    pending.catch(() => cache.delete(file));
  }
  const relations = await pending;
  // Copies, so a caller that edits its result cannot change what the next caller gets.
  return relations.filter((relation) => set.keep?.(relation) ?? true).map((relation) => ({ ...relation }));
}

async function readBuiltin(name: BuiltinRelationSetName): Promise<readonly Relation[]> {
  let path: string;
  try {
    path = join(packageRoot(), builtinRelationSets[name].file);
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

import { readFile } from 'node:fs/promises';
import { ZsreError } from '../errors.js';
import { checkRelationSet, describeArrayEntry, parseRelation, type Relation } from './schema.js';

// FewRel's pid2name.json writes this placeholder where Wikidata had no description; encoding
// it as if it were one would teach the model nothing and skew the score, so it counts as none.
const NO_DESCRIPTION_PLACEHOLDER = 'No description defined';

export async function readRelationsFile(path: string): Promise<Relation[]> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl')) return readJsonlRelations(path);
  if (lower.endsWith('.json')) return readJsonRelations(path);
  throw new ZsreError(
    'RELATIONS_FILE',
    `Unsupported relations file "${path}": use a .json file (an array of {id, name, description?}, ` +
      'or a map {id: [name, description]} or {id: "text"}), a .jsonl file (one relation per line), ' +
      'or the built-in name "wikidata".',
    { context: { path } },
  );
}

// Windows editors (Notepad, Excel's "UTF-8" export) start a file with a byte-order mark, which
// JSON.parse rejects as an unexpected token; it carries no text, so it is dropped.
const BYTE_ORDER_MARK = '\uFEFF';

async function readText(path: string): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.startsWith(BYTE_ORDER_MARK) ? text.slice(BYTE_ORDER_MARK.length) : text;
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (cause as Error).message;
    throw new ZsreError('RELATIONS_FILE', `Cannot read relations file "${path}": ${reason}. Check the path (relative paths start at ${process.cwd()}).`, {
      cause,
      context: { path },
    });
  }
}

/** A .json file: an array of relations, or a map from id to [name, description?] or to one text. */
export async function readJsonRelations(path: string): Promise<Relation[]> {
  const text = await readText(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ZsreError('RELATIONS_FILE', `Relations file "${path}" is not valid JSON: ${(cause as Error).message}. Fix the file, or use .jsonl for one relation per line.`, {
      cause,
      context: { path },
    });
  }
  const describe = (index: number) => `${describeArrayEntry(index)} of ${path}`;
  if (Array.isArray(parsed)) {
    const relations = parsed.map((value, index) => parseRelation(value, index, describe, { path }));
    checkRelationSet(relations, describe, undefined, { path });
    return relations;
  }
  if (parsed !== null && typeof parsed === 'object') {
    const relations = Object.entries(parsed).map(([id, value]) => relationFromMapEntry(id, value, path));
    // JSON.parse already keeps only the last of repeated keys, so a map cannot hold duplicates here.
    checkRelationSet(relations, describe, undefined, { path });
    return relations;
  }
  throw new ZsreError(
    'INVALID_INPUT',
    `Relations file "${path}" holds ${parsed === null ? 'null' : typeof parsed}: expected an array of {id, name, description?} ` +
      'or a map {id: [name, description]} / {id: "text"}.',
    { context: { path } },
  );
}

function relationFromMapEntry(id: string, value: unknown, path: string): Relation {
  const describe = () => `key "${id}" of ${path}`;
  if (typeof value === 'string') {
    // A single text (RE-Matching's "name is description" form) is the whole label text.
    return parseRelation({ id, name: value }, 0, describe, { path, id });
  }
  if (Array.isArray(value) && value.length >= 1 && value.length <= 2) {
    const [name, description] = value as unknown[];
    const candidate = description === NO_DESCRIPTION_PLACEHOLDER ? { id, name } : { id, name, description };
    return parseRelation(candidate, 0, describe, { path, id });
  }
  throw new ZsreError(
    'INVALID_INPUT',
    `Invalid relation at key "${id}" of ${path}: expected [name, description] or a text string, received ` +
      `${Array.isArray(value) ? `an array of ${value.length}` : value === null ? 'null' : typeof value}.`,
    { context: { path, id, field: id } },
  );
}

/** A .jsonl file: one relation object per line; blank lines are skipped. Lines are 1-based. */
export async function readJsonlRelations(path: string): Promise<Relation[]> {
  const text = await readText(path);
  const relations: Relation[] = [];
  const lines: number[] = [];
  const describe = (line: number) => `line ${line} of ${path}`;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (cause) {
      throw new ZsreError('JSONL_PARSE', `Malformed JSON at ${describe(line)}: ${(cause as Error).message}. Each line must be one JSON object {id, name, description?}.`, {
        cause,
        context: { path, line },
      });
    }
    relations.push(parseRelation(value, line, describe, { path, line }));
    lines.push(line);
  });
  checkRelationSet(relations, describe, lines, { path });
  return relations;
}

import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { ZsreError } from '../errors.js';
import { builtinRelationSetList } from './builtin.js';
import { checkRelationSet, describeArrayEntry, parseExample, parseRelation, type Relation, type RelationExample } from './schema.js';

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
      `or a built-in set name: ${builtinRelationSetList}.`,
    { context: { path } },
  );
}

// Windows editors (Notepad, Excel's "UTF-8" export) start a file with a byte-order mark, which
// JSON.parse rejects as an unexpected token; it carries no text, so it is dropped.
const BYTE_ORDER_MARK = '\uFEFF';

async function readText(path: string, kind = 'relations file'): Promise<string> {
  try {
    const bytes = await readFile(path);
    const text = bytes.toString('utf8');
    checkUtf8(path, bytes, text, kind);
    return text.startsWith(BYTE_ORDER_MARK) ? text.slice(BYTE_ORDER_MARK.length) : text;
  } catch (cause) {
    if (cause instanceof ZsreError) throw cause;
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (cause as Error).message;
    throw new ZsreError('RELATIONS_FILE', `Cannot read ${kind} "${path}": ${reason}. Check the path (relative paths start at ${process.cwd()}).`, {
      cause,
      context: { path },
    });
  }
}

/**
 * Node decodes bad bytes as U+FFFD and goes on, which would put a replacement character into a
 * description the model then encodes; a relations file is read whole, so it is refused, naming
 * where the first bad byte is. Everything before the first U+FFFD of the decoding that is not a
 * real U+FFFD in the file (EF BF BD) is valid, so its re-encoded length is the byte offset.
 */
function checkUtf8(path: string, bytes: Buffer, text: string, kind: string): void {
  if (isUtf8(bytes)) return;
  for (let index = text.indexOf(REPLACEMENT); index !== -1; index = text.indexOf(REPLACEMENT, index + 1)) {
    const offset = Buffer.byteLength(text.slice(0, index));
    if (bytes.subarray(offset, offset + 3).equals(ENCODED_REPLACEMENT)) continue;
    const line = text.slice(0, index).split('\n').length;
    const shown = [...bytes.subarray(offset, offset + 4)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    throw new ZsreError(
      'RELATIONS_FILE',
      `${kind[0]!.toUpperCase()}${kind.slice(1)} "${path}" is not valid UTF-8 at byte offset ${offset} (line ${line}, bytes ${shown}): save it as UTF-8.`,
      { context: { path, offset, line } },
    );
  }
}

const REPLACEMENT = '\uFFFD';
const ENCODED_REPLACEMENT = Buffer.from(REPLACEMENT);

/**
 * The keys of a JSON object text that occur more than once at its top level. JSON.parse keeps
 * the last of repeated keys without a word, so the map form would silently lose a relation;
 * this walks the (already parsed, so valid) text, tracking strings and nesting depth.
 */
function repeatedTopLevelKeys(text: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') depth -= 1;
    else if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      // A top-level string followed by a colon is a key of the outer object.
      if (depth === 1 && /^\s*:/.test(text.slice(end + 1, end + 40))) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (seen.has(key)) repeated.push(key);
        seen.add(key);
      }
      index = end;
    }
  }
  return repeated;
}

/** A whole .json file's value; invalid JSON is RELATIONS_FILE naming the file and pointing to .jsonl (one `item` per line). */
function parseJsonFile(text: string, path: string, kind: string, item: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ZsreError('RELATIONS_FILE', `${kind} "${path}" is not valid JSON: ${(cause as Error).message}. Fix the file, or use .jsonl for one ${item} per line.`, {
      cause,
      context: { path },
    });
  }
}

/** A .json file: an array of relations, or a map from id to [name, description?] or to one text. */
export async function readJsonRelations(path: string): Promise<Relation[]> {
  const text = await readText(path);
  const parsed = parseJsonFile(text, path, 'Relations file', 'relation');
  const describe = (index: number) => `${describeArrayEntry(index)} of ${path}`;
  if (Array.isArray(parsed)) {
    const relations = parsed.map((value, index) => parseRelation(value, index, describe, { path }));
    checkRelationSet(relations, describe, undefined, { path });
    return relations;
  }
  if (parsed !== null && typeof parsed === 'object') {
    // One relation object written without its array would read as a map whose ids are "id",
    // "name" and "description": refused, since no relation set has those ids on purpose.
    if ('id' in parsed && 'name' in parsed) {
      throw new ZsreError(
        'INVALID_INPUT',
        `Relations file "${path}" holds one relation object ({"id", "name", ...}), not an array: wrap it in [ ] ` +
          '(a map form {id: "text"} cannot have both "id" and "name" as relation ids).',
        { context: { path } },
      );
    }
    const [repeated] = repeatedTopLevelKeys(text);
    if (repeated !== undefined) {
      throw new ZsreError(
        'DUPLICATE_RELATION_ID',
        `Duplicate relation id "${repeated}" in ${path}: the key appears more than once in the map, and JSON keeps only the last; ` +
          'relation ids must be unique, so merge or rename the entries.',
        { context: { path, id: repeated } },
      );
    }
    const relations = Object.entries(parsed).map(([id, value]) => relationFromMapEntry(id, value, path));
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

/** The parsed non-blank lines of a JSONL text (1-based line numbers); a malformed line is JSONL_PARSE naming it and saying what `each` line must be. */
function jsonlValues(text: string, path: string, each: string): { line: number; value: unknown }[] {
  const values: { line: number; value: unknown }[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    try {
      values.push({ line, value: JSON.parse(raw) });
    } catch (cause) {
      throw new ZsreError('JSONL_PARSE', `Malformed JSON at line ${line} of ${path}: ${(cause as Error).message}. Each line must be ${each}.`, {
        cause,
        context: { path, line },
      });
    }
  });
  return values;
}

/** A .jsonl file: one relation object per line; blank lines are skipped. Lines are 1-based. */
export async function readJsonlRelations(path: string): Promise<Relation[]> {
  const text = await readText(path);
  const relations: Relation[] = [];
  const lines: number[] = [];
  const describe = (line: number) => `line ${line} of ${path}`;
  for (const { line, value } of jsonlValues(text, path, 'one JSON object {id, name, description?}')) {
    relations.push(parseRelation(value, line, describe, { path, line }));
    lines.push(line);
  }
  checkRelationSet(relations, describe, lines, { path });
  return relations;
}

/**
 * A file of example sentences (the CLI's --none-examples: pairs that hold none of the relations):
 * a .json array of examples, or a .jsonl file with one example per line (blank lines skipped).
 * Each example is validated as a relation's examples are, and a bad one is named by its line
 * (or 0-based array entry) and the file.
 */
export async function readExamplesFile(path: string): Promise<RelationExample[]> {
  const lower = path.toLowerCase();
  const kind = 'examples file';
  const shape = 'an example is {"text", "head", "tail"} or {"tokens", "head": [indices], "tail": [indices]}';
  if (lower.endsWith('.jsonl')) {
    const text = await readText(path, kind);
    return jsonlValues(text, path, `one JSON object: ${shape}`).map(({ line, value }) =>
      parseExample(value, `example at line ${line} of ${path}`, { path, line }),
    );
  }
  if (lower.endsWith('.json')) {
    const text = await readText(path, kind);
    const parsed = parseJsonFile(text, path, 'Examples file', 'example');
    if (!Array.isArray(parsed)) {
      throw new ZsreError('INVALID_INPUT', `Examples file "${path}" holds ${parsed === null ? 'null' : typeof parsed}: expected an array of examples (${shape}).`, {
        context: { path },
      });
    }
    return parsed.map((value, index) => parseExample(value, `example at entry ${index} (0-based) of ${path}`, { path, example: index }));
  }
  throw new ZsreError('RELATIONS_FILE', `Unsupported examples file "${path}": use a .json file (an array of examples) or a .jsonl file (one example per line); ${shape}.`, {
    context: { path },
  });
}

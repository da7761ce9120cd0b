import { isZsreError, ZsreError, type ZsreErrorCode } from '../errors.js';
import { entityTerm } from '../triples/index.js';
import { extractItemSchema, parseInput, type ExtractItem, type ExtractResult, type Extractor } from '../schemas.js';
import { isDocumentLine, parseDocumentLine, type DocumentLine, type DocumentOutput } from './documentLines.js';
import { misspelledField } from './fieldTypos.js';
import type { JsonlLine, ParsedLine } from './jsonl.js';

/** One output line of `zsre extract`: an item's result, a document's triples, or the line's error. */
export type OutputRecord =
  | { line: number; id?: string; result: ExtractResult }
  | { line: number; id?: string; document: DocumentOutput }
  | { line: number; id?: string; error: { code: string; message: string } };

/** Entity ids an input line may carry beside head and tail (headId, tailId), used by RDF output. */
export interface LineEntityIds {
  head?: string;
  tail?: string;
}

export type PreparedLine = (
  | { line: number; id?: string; item: ExtractItem }
  | { line: number; id?: string; document: DocumentLine }
  | { line: number; id?: string; record: OutputRecord }
) & {
  ids?: LineEntityIds;
};

/** What runBatch needs of an extractor: a single extractor and a worker pool both provide it. */
export type BatchRunner = Pick<Extractor, 'extract' | 'extractBatch'>;

// The CLI keeps only these top-level fields of an input line, so JSONL that carries extra data
// (a gold label, a source) can be fed as it is; the fields kept are still validated strictly, and
// a field that looks like a misspelt one of them is refused (fieldTypos.ts).
const itemFields = ['text', 'tokens', 'head', 'tail', 'id'] as const;

/** Errors that belong to one item; anything else (model failure) stops the run. */
const itemErrorCodes: ReadonlySet<ZsreErrorCode> = new Set([
  'INVALID_INPUT',
  'EMPTY_TEXT',
  'ENTITY_NOT_FOUND',
  'EMPTY_ENTITY',
  'ENTITY_OVERLAP',
  'SPAN_OUT_OF_RANGE',
  'NESTED_ENTITY_CUT',
]);

export function isItemError(error: unknown): error is ZsreError {
  return isZsreError(error) && itemErrorCodes.has(error.code);
}

export function inputId(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The id an input line's record carries: the line's "id" field, or none for a line that is not
 * JSON or not UTF-8 (whose error record has no id). Resume and merge compare it with the
 * records' ids to tell that an output belongs to this input.
 */
export function lineId(entry: JsonlLine): string | undefined {
  if (entry.invalid !== undefined) return undefined;
  try {
    return inputId(JSON.parse(entry.text));
  } catch {
    return undefined;
  }
}

function errorRecord(line: number, id: string | undefined, code: string, message: string): OutputRecord {
  return id === undefined ? { line, error: { code, message } } : { line, id, error: { code, message } };
}

/** Turns a parsed input line into an item to run, or straight into an error record. */
export function prepareLine(parsed: ParsedLine): PreparedLine {
  if (!parsed.ok) {
    return { line: parsed.line, record: errorRecord(parsed.line, undefined, parsed.code, parsed.message) };
  }
  const id = inputId(parsed.value);
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    const message = `line ${parsed.line} is not a JSON object: expected {text, head, tail, id?}, {tokens, head, tail, id?} or {text, entities?, id?}`;
    return { line: parsed.line, record: errorRecord(parsed.line, id, 'INVALID_INPUT', message) };
  }
  const source = parsed.value as Record<string, unknown>;
  const typo = misspelledField(Object.keys(source));
  if (typo !== undefined) {
    const message =
      `Invalid line ${parsed.line}: field "${typo.field}" looks like a misspelt "${typo.meant}": rename it. ` +
      '(zsre passes over fields it does not read, so a misspelt one would otherwise be silently ignored.)';
    return { line: parsed.line, record: errorRecord(parsed.line, id, 'INVALID_INPUT', message) };
  }
  const picked: Record<string, unknown> = {};
  for (const field of itemFields) if (field in source) picked[field] = source[field];
  try {
    if (isDocumentLine(source)) {
      const document = parseDocumentLine(source, parsed.line);
      return { line: parsed.line, ...(id === undefined ? {} : { id }), document };
    }
    const ids = entityIds(source);
    const item = parseInput(extractItemSchema, picked, `item at line ${parsed.line}`);
    return { line: parsed.line, ...(id === undefined ? {} : { id }), item, ...(ids === undefined ? {} : { ids }) };
  } catch (error) {
    if (!isZsreError(error)) throw error;
    return { line: parsed.line, record: errorRecord(parsed.line, id, error.code, error.message) };
  }
}

/** headId/tailId, checked here so that an id no RDF writer could write fails its own line only. */
function entityIds(source: Record<string, unknown>): LineEntityIds | undefined {
  const head = typeof source.headId === 'string' && source.headId !== '' ? source.headId : undefined;
  const tail = typeof source.tailId === 'string' && source.tailId !== '' ? source.tailId : undefined;
  if (head === undefined && tail === undefined) return undefined;
  for (const id of [head, tail]) if (id !== undefined) entityTerm(id, 'check');
  return { ...(head === undefined ? {} : { head }), ...(tail === undefined ? {} : { tail }) };
}

/**
 * Runs the items of a batch in one extractBatch call. When that call rejects an item (an entity
 * not in its text, say), the batch is rerun item by item so that only the bad lines get error
 * records; a failure that is not about one item (the model) is thrown. Document lines run one by
 * one through extractDocument (one extractBatch call each, over all of a document's pairs).
 */
export async function runBatch(extractor: BatchRunner, lines: readonly PreparedLine[]): Promise<OutputRecord[]> {
  const runnable = lines.filter((entry): entry is Extract<PreparedLine, { item: ExtractItem }> => 'item' in entry);
  const documents = lines.filter((entry): entry is Extract<PreparedLine, { document: DocumentLine }> => 'document' in entry);
  const results = new Map<number, OutputRecord>();
  try {
    const batch = runnable.length === 0 ? [] : await extractor.extractBatch(runnable.map((entry) => entry.item));
    runnable.forEach((entry, index) => results.set(entry.line, resultRecord(entry, batch[index])));
  } catch (error) {
    if (!isItemError(error)) throw error;
    for (const entry of runnable) {
      try {
        results.set(entry.line, resultRecord(entry, await extractor.extract(entry.item)));
      } catch (itemError) {
        if (!isItemError(itemError)) throw itemError;
        results.set(entry.line, errorRecord(entry.line, entry.id, itemError.code, itemError.message));
      }
    }
  }
  if (documents.length > 0) {
    // Loaded on first use: the rule-based entity finder pulls in compromise, which item-only runs never need.
    const { extractDocument } = await import('../documents/index.js');
    for (const entry of documents) {
      try {
        const { id: _id, ...input } = entry.document;
        const { entities, triples } = await extractDocument(extractor, input);
        const document = { entities, triples };
        results.set(entry.line, entry.id === undefined ? { line: entry.line, document } : { line: entry.line, id: entry.id, document });
      } catch (error) {
        if (!isItemError(error)) throw error;
        results.set(entry.line, errorRecord(entry.line, entry.id, error.code, error.message));
      }
    }
  }
  return lines.map((entry) => ('record' in entry ? entry.record : (results.get(entry.line) as OutputRecord)));
}

function resultRecord(entry: { line: number; id?: string }, result: ExtractResult | undefined): OutputRecord {
  if (result === undefined) {
    throw new ZsreError('MODEL_RUNTIME', `extractBatch returned fewer results than items (missing line ${entry.line}); this is a bug in zsre.`);
  }
  return entry.id === undefined ? { line: entry.line, result } : { line: entry.line, id: entry.id, result };
}

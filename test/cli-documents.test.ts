import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser, type Quad } from 'n3';
import { afterAll, describe, expect, it } from 'vitest';
import { findEntities } from '../src/documents/index.js';
import { runCli, tinyModel } from './triples-cli.js';

/** `zsre extract` on document lines ({text, entities?}): every triple, in every format, resumable. */
const work = mkdtempSync(join(tmpdir(), 'zsre-cli-documents-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const relations = join(work, 'relations.json');
writeFileSync(
  relations,
  JSON.stringify([
    { id: 'P26', name: 'spouse', description: 'the head entity is married to the tail entity' },
    { id: 'born_in', name: 'place of birth', description: 'the head person was born in the tail place' },
  ]),
);
const found = 'Barack Obama met Angela Merkel in Berlin.';
const lines = [
  { id: 'given', text: 'Marie Curie married Pierre Curie in Paris.', entities: ['Marie Curie', 'Pierre Curie', { start: 36, end: 41 }] },
  { id: 'found', text: found, source: 'ignored extra field' },
  { id: 'item', text: 'Ada met Bob.', head: 'Ada', tail: 'Bob' },
  { id: 'missing', text: 'Ada met Bob.', entities: ['Ada', 'Zed'] },
  { id: 'mixed', text: 'Ada met Bob.', entities: ['Ada', 'Bob'], head: 'Ada' },
  { id: 'empty', text: '  ', entities: [] },
  { id: 'forward', text: 'Ada met Bob and Cy.', entities: ['Ada', 'Bob', 'Cy'], directions: 'forward' },
];
const input = join(work, 'documents.jsonl');
writeFileSync(input, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
// Threshold 0: every classified pair is a triple, so the counts below measure pairing, not the untrained fixture.
const common = ['extract', '--relations', relations, '--input', input, '--model', tinyModel, '--threshold', '0', '--batch-size', '2'];
const env = { ZSRE_CACHE_DIR: join(work, 'cache') };

interface DocumentRecord {
  line: number;
  id?: string;
  document?: { entities: { start: number; end: number; text: string }[]; triples: { head: { text: string }; tail: { text: string }; relation: { id: string } }[] };
  result?: unknown;
  error?: { code: string; message: string };
}
const records = (path: string): DocumentRecord[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as DocumentRecord);

/** Ordered pairs of non-overlapping spans: what extractDocument classifies within its default distance. */
function orderedPairs(spans: readonly { start: number; end: number }[]): number {
  let pairs = 0;
  for (const a of spans) for (const b of spans) if (a !== b && (a.end <= b.start || b.end <= a.start)) pairs += 1;
  return pairs;
}

const parse = (text: string, format: string): Quad[] => new Parser({ format }).parse(text);

describe('zsre extract on document lines', () => {
  let jsonl: DocumentRecord[] = [];

  it('writes every triple of each document, runs items beside them and fails only the bad lines', async () => {
    const output = join(work, 'out.jsonl');
    const outcome = await runCli([...common, '--output', output], { cwd: work, env });
    expect(outcome.code, outcome.stderr).toBe(1);
    jsonl = records(output);
    expect(jsonl.map((record) => [record.line, record.id, record.error?.code ?? (record.document ? 'document' : 'result')])).toEqual([
      [1, 'given', 'document'],
      [2, 'found', 'document'],
      [3, 'item', 'result'],
      [4, 'missing', 'ENTITY_NOT_FOUND'],
      [5, 'mixed', 'INVALID_INPUT'],
      [6, 'empty', 'EMPTY_TEXT'],
      [7, 'forward', 'document'],
    ]);
    const given = jsonl[0]!.document!;
    expect(given.entities.map((entity) => entity.text)).toEqual(['Marie Curie', 'Pierre Curie', 'Paris']);
    expect(given.triples).toHaveLength(6); // 3 entities, both directions
    expect(new Set(given.triples.map((triple) => `${triple.head.text}>${triple.tail.text}`)).size).toBe(6);
    // Without entities, the rule-based finder's entities are used.
    const spans = findEntities(found).map(({ start, end, text }) => ({ start, end, text }));
    expect(spans.length).toBeGreaterThanOrEqual(2);
    expect(jsonl[1]!.document!.entities).toEqual(spans);
    expect(jsonl[1]!.document!.triples).toHaveLength(orderedPairs(spans));
    expect(jsonl[6]!.document!.triples.map((triple) => `${triple.head.text}>${triple.tail.text}`)).toEqual(['Ada>Bob', 'Ada>Cy', 'Bob>Cy']);
    expect(jsonl[4]!.error!.message).toContain('"entities" (a document) and "head" (an item)');
    expect(outcome.stderr).toContain('wrote 7 lines (3 with errors)');
  });

  it('resumes a document run cut mid-batch to the same output', async () => {
    const output = join(work, 'resumed.jsonl');
    const full = readFileSync(join(work, 'out.jsonl'), 'utf8');
    const kept = full.split('\n').slice(0, 2).join('\n');
    writeFileSync(output, `${kept}\n{"line": 3, "id": "item", "resu`);
    const outcome = await runCli([...common, '--output', output], { cwd: work, env });
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toContain('resuming: 2 lines');
    expect(readFileSync(output, 'utf8')).toBe(full);
  });

  it('writes the same triples as N-Triples (one node per document entity) and Turtle, and resumes N-Triples', async () => {
    const triples = jsonl.reduce((sum, record) => sum + (record.document?.triples.length ?? 0) + (record.result === undefined ? 0 : 1), 0);
    const nt = join(work, 'out.nt');
    expect((await runCli([...common, '--output', nt, '--format', 'ntriples'], { cwd: work, env })).code).toBe(1);
    const ntText = readFileSync(nt, 'utf8');
    const quads = parse(ntText, 'N-Triples');
    const statements = quads.filter((quad) => quad.object.value === 'http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement');
    expect(statements).toHaveLength(triples);
    // Document 1: its 6 asserted triples connect exactly 3 entity nodes, each labelled once per triple.
    const lineOf = new Map(quads.filter((quad) => quad.predicate.value.endsWith('sourceLine')).map((quad) => [quad.subject.value, Number(quad.object.value)]));
    const subjectsOfLine1 = quads.filter((quad) => quad.predicate.value.endsWith('#subject') && lineOf.get(quad.subject.value) === 1).map((quad) => quad.object.value);
    const objectsOfLine1 = quads.filter((quad) => quad.predicate.value.endsWith('#object') && lineOf.get(quad.subject.value) === 1).map((quad) => quad.object.value);
    expect(new Set([...subjectsOfLine1, ...objectsOfLine1]).size).toBe(3);
    expect(ntText.split('\n').filter((line) => line.startsWith('# zsre-line '))).toHaveLength(7);

    // Resume: cut after the second line marker, add a torn triple; the rerun gives the same file.
    const resumed = join(work, 'resumed.nt');
    const second = ntText.indexOf('\n', ntText.indexOf('# zsre-line {"line":2')) + 1;
    writeFileSync(resumed, `${ntText.slice(0, second)}_:torn <urn:x`);
    const again = await runCli([...common, '--output', resumed, '--format', 'ntriples'], { cwd: work, env });
    expect(again.stderr).toContain('resuming: 2 lines');
    expect(readFileSync(resumed, 'utf8')).toBe(ntText);

    const ttl = join(work, 'out.ttl');
    expect((await runCli([...common, '--output', ttl, '--format', 'turtle'], { cwd: work, env })).code).toBe(1);
    const fromTurtle = parse(readFileSync(ttl, 'utf8'), 'Turtle');
    expect(fromTurtle).toHaveLength(quads.length);
    expect(fromTurtle.filter((quad) => quad.object.value.endsWith('#Statement'))).toHaveLength(triples);
  });

  it('writes one CSV row per triple of a document, and one per item or error line', async () => {
    const csv = join(work, 'out.csv');
    expect((await runCli([...common, '--output', csv, '--format', 'csv'], { cwd: work, env })).code).toBe(1);
    const rows = readFileSync(csv, 'utf8').split('\r\n').filter((row) => row !== '').slice(1);
    const perLine = new Map<string, number>();
    for (const row of rows) perLine.set(row.split(',')[0]!, (perLine.get(row.split(',')[0]!) ?? 0) + 1);
    expect(Object.fromEntries(perLine)).toEqual({
      '1': 6,
      '2': jsonl[1]!.document!.triples.length,
      '3': 1,
      '4': 1,
      '5': 1,
      '6': 1,
      '7': 3,
    });
    expect(rows.every((row) => row.split(',').length >= 16)).toBe(true);
  });
});

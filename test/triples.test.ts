import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser, type Quad } from 'n3';
import { afterAll, describe, expect, it } from 'vitest';
import { ZsreError } from '../src/errors.js';
import type { ExtractResult } from '../src/schemas.js';
import { checkBaseIri, entityTerm, quadsToNTriples, quadsToTurtle, relationIri, resultToQuads } from '../src/triples/index.js';
import { runCli, tinyModel } from './triples-cli.js';

const work = mkdtempSync(join(tmpdir(), 'zsre-triples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function result(head: string, tail: string, relation: ExtractResult['relation']): ExtractResult {
  return {
    relation,
    candidates: [],
    reranked: true,
    head: { start: 0, end: head.length, text: head },
    tail: { start: head.length + 1, end: head.length + 1 + tail.length, text: tail },
  };
}

/** Quads as comparable strings; blank node labels are kept by parsing with an empty prefix. */
function canonical(quads: readonly Quad[]): string[] {
  return quads.map((entry) => `${entry.subject.termType}:${entry.subject.value} ${entry.predicate.value} ${entry.object.termType}:${entry.object.value}${entry.object.termType === 'Literal' ? `^^${entry.object.datatype.value}@${entry.object.language}` : ''}`).sort();
}

/**
 * The same for comparing two runs: int8 models quantise activations per batch, so a probability
 * can move in the 4th decimal when a resumed run batches lines differently; the value is checked
 * to be a decimal in [0, 1] and otherwise left out of the comparison.
 */
function canonicalAcrossRuns(quads: readonly Quad[]): string[] {
  for (const entry of quads) {
    if (entry.predicate.value.endsWith('probability')) expect(Number(entry.object.value)).toBeGreaterThanOrEqual(0);
  }
  return canonical(quads).map((line) => line.replace(/probability Literal:[0-9.]+/, 'probability Literal:P'));
}

function parse(text: string, format: 'N-Triples' | 'Turtle'): Quad[] {
  return new Parser({ format, blankNodePrefix: '' }).parse(text);
}

const tricky = ['He said "no" \\ then\nleft', 'Zoë Ωmega 😀 e\u0301 東京', 'tab\tand\rcarriage', "it's <not> an IRI"];

describe('IRIs', () => {
  it('maps Wikidata property ids to direct-claim IRIs and mints the rest under the base', () => {
    expect(relationIri('P26').value).toBe('http://www.wikidata.org/prop/direct/P26');
    expect(relationIri('spouse').value).toBe('urn:zsre:relation/spouse');
    expect(relationIri('works for', 'https://example.org/kg/').value).toBe('https://example.org/kg/relation/works%20for');
    // Not a property id: only P followed by digits is.
    expect(relationIri('P26x').value).toBe('urn:zsre:relation/P26x');
  });

  it('names entities by QID, IRI or minted id, and uses blank nodes without an id', () => {
    expect(entityTerm('Q42', 'b').value).toBe('http://www.wikidata.org/entity/Q42');
    expect(entityTerm('https://dbpedia.org/resource/Ada_Lovelace', 'b').value).toBe('https://dbpedia.org/resource/Ada_Lovelace');
    expect(entityTerm('person 7', 'b', 'https://ex.org/').value).toBe('https://ex.org/entity/person%207');
    expect(entityTerm(undefined, 'b7').termType).toBe('BlankNode');
  });

  it('refuses IRIs that cannot be written as RDF, saying what to do', () => {
    expect(() => entityTerm('http://ex.org/a b', 'b')).toThrow(/percent-encode/);
    expect(() => checkBaseIri('not an iri')).toThrow(ZsreError);
    expect(checkBaseIri('https://example.org/kg/')).toBe('https://example.org/kg/');
  });
});

describe('resultToQuads', () => {
  it('writes nothing for "no relation"', () => {
    expect(resultToQuads(result('a', 'b', null), { key: '1' })).toEqual([]);
  });

  it('asserts the triple and reifies it with the probability as xsd:decimal', () => {
    const quads = resultToQuads(result('Douglas Adams', 'Jane Belson', { id: 'P26', name: 'spouse', probability: 0.875 }), {
      key: '3',
      ids: { head: 'Q42' },
      line: 3,
      sourceId: 'doc-1',
    });
    const lines = quadsToNTriples(quads);
    expect(lines).toContain('<http://www.wikidata.org/entity/Q42> <http://www.wikidata.org/prop/direct/P26> _:k3t .');
    expect(lines).toContain('_:k3s <urn:zsre:vocab:probability> "0.875000"^^<http://www.w3.org/2001/XMLSchema#decimal> .');
    expect(lines).toContain('_:k3s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> .');
    expect(lines).toContain('<http://www.wikidata.org/prop/direct/P26> <http://www.w3.org/2000/01/rdf-schema#label> "spouse" .');
    expect(lines).toContain('"doc-1"');
    expect(resultToQuads(result('a', 'b', { id: 'x', name: 'x', probability: 0.5 }), { key: '1', assert: false })).toHaveLength(8);
  });

  it('refuses a bad result or options with INVALID_INPUT naming the field, never a TypeError', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return `${(error as { code?: string }).code}: ${(error as Error).message}`;
      }
      return 'no error';
    };
    const good = result('a', 'b', { id: 'x', name: 'x', probability: 0.5 });
    expect(code(() => resultToQuads(null as never, { key: '1' }))).toMatch(/^INVALID_INPUT: Invalid resultToQuads result: field "\(root\)"/);
    expect(code(() => resultToQuads({ ...good, head: {} } as never, { key: '1' }))).toMatch(/field "head\.text"/);
    expect(code(() => resultToQuads(result('a', 'b', { id: 'x', name: 'x', probability: 2 }), { key: '1' }))).toMatch(/field "relation\.probability"/);
    expect(code(() => resultToQuads(good, undefined as never))).toMatch(/^INVALID_INPUT: Invalid resultToQuads options/);
    expect(code(() => resultToQuads(good, { key: '1', baseIRI: 'urn:x:' } as never))).toMatch(/baseIRI/); // a misspelt option is not dropped
    expect(code(() => quadsToNTriples(null as never))).toBe('INVALID_INPUT: quadsToNTriples(quads): expected a list of quads from resultToQuads, received null.');
    expect(code(() => quadsToNTriples([...resultToQuads(good, { key: '1' }), {} as never]))).toMatch(/entry 9 \(0-based\) is not a quad/);
  });

  it('keeps distinct keys distinct in blank node labels', () => {
    const a = resultToQuads(result('a', 'b', { id: 'x', name: 'x', probability: 0.5 }), { key: 'a.b' })[0];
    const b = resultToQuads(result('a', 'b', { id: 'x', name: 'x', probability: 0.5 }), { key: 'a_b' })[0];
    expect(a?.subject.value).not.toBe(b?.subject.value);
  });

  it.each(tricky)('round-trips literal %j through N-Triples and Turtle with n3’s parser', async (text) => {
    const quads = resultToQuads(result(text, `${text} (2)`, { id: 'rel "q"', name: text, probability: 0.123456789 }), { key: 'x', sourceId: text });
    expect(quads.length).toBeGreaterThan(8);
    const fromNTriples = parse(quadsToNTriples(quads), 'N-Triples');
    const fromTurtle = parse(await quadsToTurtle(quads), 'Turtle');
    expect(canonical(fromNTriples)).toEqual(canonical(quads));
    expect(canonical(fromTurtle)).toEqual(canonical(quads));
    const labels = fromNTriples.filter((entry) => entry.predicate.value.endsWith('#label')).map((entry) => entry.object.value);
    expect(labels).toContain(text);
  });
});

describe('zsre extract --format', () => {
  const relations = join(work, 'relations.json');
  writeFileSync(
    relations,
    JSON.stringify([
      { id: 'P26', name: 'spouse', description: 'the head entity is married to the tail entity' },
      { id: 'born_in', name: 'place of birth "quoted"', description: 'the head person was born in the tail place' },
    ]),
  );
  const inputLines = Array.from({ length: 30 }, (_, index) =>
    JSON.stringify(
      index === 7
        ? { text: 'no such entity', head: 'zzz', tail: 'entity' }
        : {
            id: `s${index}`,
            text: `Person ${index} "the\nfirst" married Ωmega ${index} 😀 in town.`,
            head: `Person ${index}`,
            tail: `Ωmega ${index} 😀`,
            ...(index % 3 === 0 ? { headId: `Q${100 + index}`, tailId: `https://example.org/e/${index}` } : {}),
          },
    ),
  );
  const input = join(work, 'in.jsonl');
  writeFileSync(input, `${inputLines.join('\n')}\n`);
  // Threshold 0 makes every line a triple, so line counting below means something with the untrained fixture.
  const common = ['extract', '--relations', relations, '--input', input, '--model', tinyModel, '--threshold', '0', '--batch-size', '4'];
  const env = { ZSRE_CACHE_DIR: join(work, 'cache') };

  it('writes N-Triples that n3 parses, with one marker per input line', async () => {
    const output = join(work, 'full.nt');
    const outcome = await runCli([...common, '--output', output, '--format', 'ntriples'], { cwd: work, env });
    expect(outcome.code, outcome.stderr).toBe(1); // line 8 has an entity error
    const text = readFileSync(output, 'utf8');
    const quads = parse(text, 'N-Triples');
    const statements = quads.filter((entry) => entry.object.value.endsWith('#Statement'));
    expect(statements).toHaveLength(29);
    expect(quads.some((entry) => entry.subject.value === 'http://www.wikidata.org/entity/Q100')).toBe(true);
    expect(quads.some((entry) => entry.object.value === 'https://example.org/e/3')).toBe(true);
    expect(quads.some((entry) => entry.object.value === 'Person 1 "the\nfirst" married Ωmega 1 😀 in town.')).toBe(false);
    expect(quads.filter((entry) => entry.object.value === 'Ωmega 4 😀')).toHaveLength(1);
    const markers = text.split('\n').filter((line) => line.startsWith('# zsre-line '));
    expect(markers.map((line) => (JSON.parse(line.slice(12)) as { line: number }).line)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    expect(markers[7]).toContain('ENTITY_NOT_FOUND');
  });

  it('resumes a killed N-Triples run (partial batch cut away) to the same triples, each line once', async () => {
    const full = readFileSync(join(work, 'full.nt'), 'utf8');
    const output = join(work, 'resumed.nt');
    // A kill mid-batch: the file ends inside the triples of input line 14, in the middle of a literal.
    const cut = full.indexOf('Ωmega 13') + 3;
    writeFileSync(output, full.slice(0, cut));
    const outcome = await runCli([...common, '--output', output, '--format', 'ntriples'], { cwd: work, env });
    expect(outcome.stderr).toMatch(/resuming: 13 lines/);
    expect(outcome.stderr).toMatch(/cut \d+ bytes/);
    const resumed = readFileSync(output, 'utf8');
    expect(canonicalAcrossRuns(parse(resumed, 'N-Triples'))).toEqual(canonicalAcrossRuns(parse(full, 'N-Triples')));
    const lines = resumed.split('\n').filter((line) => line.startsWith('# zsre-line ')).map((line) => (JSON.parse(line.slice(12)) as { line: number }).line);
    expect(lines).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
  });

  it('refuses to resume into an N-Triples file that zsre did not write', async () => {
    const output = join(work, 'foreign.nt');
    const foreign = '<urn:a> <urn:b> <urn:c> .\n';
    writeFileSync(output, foreign);
    const outcome = await runCli([...common, '--output', output, '--format', 'ntriples'], { cwd: work, env });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/OUTPUT_CONFLICT.*was not written by zsre extract .*--format ntriples.*--overwrite/);
    expect(readFileSync(output, 'utf8')).toBe(foreign);
  });

  it('fails only the line whose headId cannot be an IRI', async () => {
    const badInput = join(work, 'bad-id.jsonl');
    writeFileSync(
      badInput,
      [
        JSON.stringify({ text: 'Ada met Bob.', head: 'Ada', tail: 'Bob', headId: 'http://example.org/a b' }),
        JSON.stringify({ text: 'Ada met Bob.', head: 'Ada', tail: 'Bob', headId: 'Q7259' }),
      ].join('\n'),
    );
    const output = join(work, 'bad-id.nt');
    const args = common.map((arg) => (arg === input ? badInput : arg));
    const outcome = await runCli([...args, '--output', output, '--format', 'ntriples'], { cwd: work, env });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/line 1: INVALID_INPUT: Invalid entity IRI .*percent-encode/);
    const quads = parse(readFileSync(output, 'utf8'), 'N-Triples');
    expect(quads.some((entry) => entry.subject.value === 'http://www.wikidata.org/entity/Q7259')).toBe(true);
  });

  it('writes Turtle atomically and refuses to resume it without --overwrite', async () => {
    const output = join(work, 'out.ttl');
    const first = await runCli([...common, '--output', output, '--format', 'turtle'], { cwd: work, env });
    expect(first.code, first.stderr).toBe(1);
    const quads = parse(readFileSync(output, 'utf8'), 'Turtle');
    expect(canonical(quads)).toEqual(canonical(parse(readFileSync(join(work, 'full.nt'), 'utf8'), 'N-Triples')));
    expect(readdirSync(work).filter((name) => name.includes('.partial-'))).toEqual([]);
    const again = await runCli([...common, '--output', output, '--format', 'turtle'], { cwd: work, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/cannot be resumed: pass --overwrite.*--format ntriples/);
    const overwritten = await runCli([...common, '--output', output, '--format', 'turtle', '--overwrite'], { cwd: work, env });
    expect(overwritten.code).toBe(1);
    expect(statSync(output).size).toBeGreaterThan(0);
  });

  it('writes CSV with one quoted row per input line', async () => {
    const output = join(work, 'out.csv');
    const outcome = await runCli([...common, '--output', output, '--format', 'csv', '--base-iri', 'https://example.org/kg/'], { cwd: work, env });
    expect(outcome.code, outcome.stderr).toBe(1);
    const text = readFileSync(output, 'utf8');
    expect(text.startsWith('line,id,head,head_start,head_end,head_id,tail,')).toBe(true);
    // Records end in CRLF; the text's own LF stays inside a quoted field.
    const records = text.split('\r\n').filter((record) => record !== '');
    expect(records).toHaveLength(31);
    expect(records[1]).toMatch(/^1,s0,Person 0,0,8,Q100,Ωmega 0 😀,/);
    expect(records[8]).toMatch(/^8,,(,){12}ENTITY_NOT_FOUND,/);
    expect(text).toMatch(/https:\/\/example\.org\/kg\/relation\/born_in|http:\/\/www\.wikidata\.org\/prop\/direct\/P26/);
  });

  it('rejects an unknown format and a bad base IRI as usage errors', async () => {
    const badFormat = await runCli([...common, '--output', join(work, 'x.out'), '--format', 'xml'], { cwd: work, env });
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/--format must be one of jsonl, csv, ntriples, turtle/);
    const badBase = await runCli([...common, '--output', join(work, 'x.out'), '--base-iri', 'no iri'], { cwd: work, env });
    expect(badBase.code).toBe(2);
    expect(badBase.stderr).toMatch(/--base-iri/);
    expect(existsSync(join(work, 'x.out'))).toBe(false);
  });
});

/**
 * A knowledge-graph pipeline: a JSONL corpus in, N-Triples out, with the built-in Wikidata
 * relations, so relations come out as wdt:P26-style property IRIs and entities that carry a QID
 * (headId/tailId) as wd:Q42-style item IRIs. The set is 'wikidata-no-ids': the 3,400 Wikidata
 * properties that are not identifiers (an external ID is never the relation between two entities
 * of a text; 'wikidata' has all 11,665).
 *
 *   npx tsx examples/kg-pipeline.ts [OUT.nt]
 *
 * Writes the triples to OUT.nt (default: a temporary file) and prints a summary. Uses the default
 * model (the shipped models/zsre-minilm-l6-general) at its own threshold, which suits pairs you
 * expect to be related, as these are; on whole documents, where most pairs hold nothing, add
 * `calibration: 'documents'` (README, "Documents").
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExtractor, type TextItem } from 'zsre';
import { quadsToNTriples, resultToQuads } from 'zsre/kg';

type CorpusLine = TextItem & { id: string; headId?: string; tailId?: string };

const corpus = readFileSync(join(import.meta.dirname, 'data', 'kg-corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as CorpusLine);

const extractor = await createExtractor({ relations: 'wikidata-no-ids' });
let ntriples = '';
try {
  // One batched call for the whole corpus. Items are validated strictly, so the RDF-only fields
  // (headId, tailId) stay out of them and are used when writing the triples.
  const results = await extractor.extractBatch(corpus.map(({ text, head, tail, id }) => ({ text, head, tail, id })));
  results.forEach((result, index) => {
    const line = corpus[index] as CorpusLine;
    // The line's id keys the blank nodes, so two lines never share one by accident.
    const quads = resultToQuads(result, {
      key: line.id,
      sourceId: line.id,
      ids: { ...(line.headId === undefined ? {} : { head: line.headId }), ...(line.tailId === undefined ? {} : { tail: line.tailId }) },
    });
    ntriples += quadsToNTriples(quads);
    const answer = result.relation === null ? 'no relation' : `${result.relation.id} ${result.relation.name} (p=${result.relation.probability.toFixed(2)}, ${quads.length} triples)`;
    console.log(`${result.head.text} -> ${result.tail.text}: ${answer}`);
  });
} finally {
  await extractor.dispose();
}

const output = process.argv[2] ?? join(mkdtempSync(join(tmpdir(), 'zsre-kg-')), 'triples.nt');
writeFileSync(output, ntriples);
console.log(`wrote ${ntriples.split('\n').filter((line) => line !== '').length} triples to ${output}`);

/**
 * Builds the built-in relation set "wikidata" (data/wikidata-relations.json.gz) from the
 * Wikidata property dump of GLiREL (`[{property: URL ending in PID, propertyLabel,
 * propertyDescription?}]`).
 *
 *   npx tsx scripts/build-wikidata-relations.ts [input.json] [output.json.gz]
 *
 * Defaults: ../shared/data/wikidata/properties.json -> data/wikidata-relations.json.gz.
 * Fails (exit 1) on a malformed entry, a duplicate PID or an empty label instead of writing a
 * set that the runtime would reject or silently shadow. Output is sorted by PID number and
 * gzipped with a zero timestamp, so rebuilding from the same input gives the same bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { toCompact } from '../src/relations/compact.js';
import type { Relation } from '../src/relations/schema.js';

const inputPath = process.argv[2] ?? '../shared/data/wikidata/properties.json';
const outputPath = process.argv[3] ?? 'data/wikidata-relations.json.gz';

interface SourceEntry {
  property?: unknown;
  propertyLabel?: unknown;
  propertyDescription?: unknown;
}

function fail(message: string): never {
  console.error(`build-wikidata-relations: ${message}`);
  process.exit(1);
}

const source: unknown = JSON.parse(readFileSync(inputPath, 'utf8'));
if (!Array.isArray(source)) fail(`${inputPath} is not a JSON array`);

const problems: string[] = [];
const firstIndex = new Map<string, number>();
const relations: Relation[] = [];
let missingDescriptions = 0;
let trimmedFields = 0;

(source as SourceEntry[]).forEach((entry, index) => {
  const url = typeof entry.property === 'string' ? entry.property : '';
  const id = /\/(P\d+)$/.exec(url)?.[1];
  if (id === undefined) {
    problems.push(`entry ${index}: property ${JSON.stringify(entry.property)} does not end in a PID`);
    return;
  }
  const rawLabel = typeof entry.propertyLabel === 'string' ? entry.propertyLabel : '';
  const rawDescription = typeof entry.propertyDescription === 'string' ? entry.propertyDescription : '';
  const name = rawLabel.trim();
  const description = rawDescription.trim();
  if (name !== rawLabel || description !== rawDescription) trimmedFields += 1;
  if (name === '') problems.push(`entry ${index} (${id}): empty label`);
  const earlier = firstIndex.get(id);
  if (earlier !== undefined) problems.push(`${id} appears at entries ${earlier} and ${index}`);
  firstIndex.set(id, index);
  if (description === '') missingDescriptions += 1;
  relations.push(description === '' ? { id, name } : { id, name, description });
});

if (problems.length > 0) fail(`${problems.length} problem(s) in ${inputPath}:\n  ${problems.slice(0, 20).join('\n  ')}`);

relations.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));

// Labels shared by several PIDs are legal in Wikidata but look identical in results: report them.
const byLabel = new Map<string, string[]>();
for (const relation of relations) {
  const key = relation.name.toLowerCase();
  byLabel.set(key, [...(byLabel.get(key) ?? []), relation.id]);
}
const sharedLabels = [...byLabel].filter(([, ids]) => ids.length > 1);

const json = JSON.stringify(toCompact(relations));
const gzipped = gzipSync(json, { level: 9 });
writeFileSync(outputPath, gzipped);

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`read ${inputPath}: ${source.length} entries, ${kib(readFileSync(inputPath).length)}`);
console.log(`wrote ${outputPath}: ${relations.length} relations; compact JSON ${kib(Buffer.byteLength(json))}, gzipped ${kib(gzipped.length)}`);
console.log(`duplicate PIDs: 0; empty labels: 0; without description: ${missingDescriptions}; entries with whitespace trimmed: ${trimmedFields}`);
console.log(
  `labels shared by several PIDs (case-insensitive): ${sharedLabels.length}` +
    (sharedLabels.length > 0 ? ` (${sharedLabels.map(([label, ids]) => `"${label}": ${ids.join(', ')}`).join('; ')})` : ''),
);

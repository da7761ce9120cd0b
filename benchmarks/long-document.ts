/**
 * Whole documents: one 6,000-word text with 10 entities, every ordered pair (90) classified by
 * `extractAll` and by `extractDocument` (pairs: 'all' and no distance limit, so the same 90 pairs). The text is
 * generated from a fixed seed, so every run sees the same words.
 *
 *   npx tsx benchmarks/long-document.ts --label before|after [--model DIR] [--runs 3] [--threads 2]
 *
 * Each label's figures go into benchmarks/results/long-document.json beside the other label's,
 * with the commit and machine they were measured on. `answersDigest` is a hash of every pair's
 * relation and candidate probabilities: equal digests mean equal answers.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createExtractor, type ExtractResult, type Relation } from 'zsre';
import { extractDocument } from 'zsre/kg';
import { prepareItem } from '../src/pipeline/prepare.js';
import { loadTokenizer, type TextTokenizer } from '../src/tokenizer/load.js';
import { resultsDir, runEnvironment, writeResult } from './lib/environment.js';

const usage = 'usage: npx tsx benchmarks/long-document.ts --label before|after [--model DIR] [--runs N] [--threads N]';
let values: { label?: string; model?: string; runs?: string; threads?: string };
try {
  ({ values } = parseArgs({
    options: { label: { type: 'string' }, model: { type: 'string' }, runs: { type: 'string' }, threads: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const positiveInteger = (name: string, raw: string | undefined, fallback: number): number => {
  const value = Number(raw ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a positive integer, received ${JSON.stringify(raw)}\n${usage}`);
    process.exit(2);
  }
  return value;
};
const label = values.label;
if (label !== 'before' && label !== 'after') {
  console.error(`--label must be "before" or "after"\n${usage}`);
  process.exit(2);
}
const runs = positiveInteger('runs', values.runs, 3);
const threads = positiveInteger('threads', values.threads, 2);
const root = resolve(import.meta.dirname, '..');
const model = resolve(values.model ?? join(root, 'models', 'zsre-minilm-l6-general'));

const wordCount = 6000;
const entityNames = ['Ada Lovelace', 'London', 'Charles Babbage', 'Marie Curie', 'Warsaw', 'Paris', 'Pierre Curie', 'Sorbonne', 'Alan Turing', 'Manchester'];
const relations: Relation[] = [
  { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
  { id: 'P19', name: 'place of birth', description: 'most specific known birth location of a person' },
  { id: 'P108', name: 'employer', description: 'person or organization for which the subject works or worked' },
  { id: 'P69', name: 'educated at', description: 'educational institution attended by the subject' },
  { id: 'P1327', name: 'partner in business or sport', description: 'professional collaborator' },
  { id: 'P131', name: 'located in', description: 'the item is located on the territory of the administrative entity' },
];

/** The document: seeded filler sentences, one entity every 600 words. */
function generateDocument(): string {
  const filler = (
    'the a of and in to was for on with as by at from that which it its his her their this after before during ' +
    'year years work worked study studied city river school letter letters machine engine paper papers early later ' +
    'first second new old long short great small public private family friend friends house museum society journal ' +
    'published wrote built visited moved lived taught returned received described known often many several some ' +
    'mathematics physics chemistry science history music painting theory method methods result results problem ' +
    'between under over into across within without through while although because however therefore also only'
  ).split(' ');
  let state = 20_261_201;
  const random = (): number => {
    // mulberry32: a fixed sequence from a fixed seed.
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const words: string[] = [];
  let sentenceStart = true;
  let untilStop = 8 + Math.floor(random() * 12);
  let placed = 0;
  while (words.length < wordCount) {
    const entity = words.length >= 300 + 600 * placed ? entityNames[placed] : undefined;
    if (entity !== undefined) placed += 1;
    let word = entity ?? (filler[Math.floor(random() * filler.length)] as string);
    if (sentenceStart && entity === undefined) word = word[0]!.toUpperCase() + word.slice(1);
    sentenceStart = false;
    untilStop -= 1;
    if (untilStop === 0) {
      word += random() < 0.2 ? ',' : '.';
      sentenceStart = word.endsWith('.');
      untilStop = 8 + Math.floor(random() * 12);
    }
    words.push(...word.split(' '));
  }
  return `${words.slice(0, wordCount).join(' ')}.`;
}

function digest(results: readonly ExtractResult[]): string {
  const answers = results.map((result) => [result.head.start, result.tail.start, result.relation?.id ?? null, result.candidates.map((c) => [c.id, c.probability.toFixed(6)])]);
  return createHash('sha256').update(JSON.stringify(answers)).digest('hex').slice(0, 16);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const text = generateDocument();
const extractor = await createExtractor({ model, relations, threads, cacheDir: join(root, '.zsre-cache') });
// Warm up the sessions on a short text first, so the first timed run does not pay for it.
await extractor.extractAll({ text: 'Ada Lovelace worked with Charles Babbage in London.', entities: ['Ada Lovelace', 'Charles Babbage', 'London'] });

// Wall time, and the process's CPU time (all its threads, onnxruntime's included), which a busy
// shared machine disturbs less than wall time.
const extractAllMs: number[] = [];
const extractDocumentMs: number[] = [];
const extractAllCpuMs: number[] = [];
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
let triples = 0;
let pairs = 0;
let answers = '';
for (let run = 0; run < runs; run += 1) {
  let started = performance.now();
  const cpu = process.cpuUsage();
  triples = (await extractor.extractAll({ text, entities: entityNames }, { pairs: 'all' })).length;
  extractAllMs.push(performance.now() - started);
  extractAllCpuMs.push(cpuMs(cpu));
  started = performance.now();
  const document = await extractDocument(extractor, { text, entities: entityNames, maxTokenDistance: wordCount, pairs: 'all' });
  extractDocumentMs.push(performance.now() - started);
  pairs = document.results.length;
  answers = digest(document.results);
}

// Text preparation alone (validate, locate, cut, tokenize, window) of the 90 pairs, as
// extractBatch does it: the part of the time this benchmark is about. Internal modules, since the
// package does not expose this step; src/tokenizer/words.ts is absent before the change, and then
// every item is prepared with the plain tokenizer, as extractBatch did.
const tokenizer = await loadTokenizer(model, extractor.model.manifest);
type Picker = (items: readonly unknown[], tokenizer: TextTokenizer) => (item: unknown) => TextTokenizer;
const words = (await import('../src/tokenizer/words.js').catch(() => null)) as { batchTokenizers: Picker } | null;
const pick: Picker = words?.batchTokenizers ?? ((_items, plain) => () => plain);
const pairItems = entityNames.flatMap((head) => entityNames.filter((tail) => tail !== head).map((tail) => ({ text, head, tail })));
const prepareMs: number[] = [];
for (let run = 0; run < runs; run += 1) {
  const started = performance.now();
  const tokenizerFor = pick(pairItems, tokenizer);
  for (const [position, item] of pairItems.entries()) prepareItem(item, tokenizerFor(item), extractor.model.manifest.maxLength.sentence, position);
  prepareMs.push(performance.now() - started);
}
await extractor.dispose();

const figures = {
  environment: runEnvironment(),
  extractAllMs: { median: Math.round(median(extractAllMs)), runs: extractAllMs.map(Math.round) },
  extractAllCpuMs: { median: Math.round(median(extractAllCpuMs)), runs: extractAllCpuMs.map(Math.round) },
  extractDocumentMs: { median: Math.round(median(extractDocumentMs)), runs: extractDocumentMs.map(Math.round) },
  prepareAllPairsMs: { median: Math.round(median(prepareMs)), runs: prepareMs.map(Math.round) },
  pairs,
  triples,
  answersDigest: answers,
};
const file = join(resultsDir, 'long-document.json');
const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
const result = {
  ...previous,
  benchmark: 'long-document',
  model: relative(root, model),
  settings: { words: wordCount, entities: entityNames.length, relations: relations.length, precision: 'int8', threads, runs, extractDocument: { maxTokenDistance: wordCount } },
  [label]: figures,
};
console.log(JSON.stringify(figures, null, 2));
console.log(`wrote ${relative(root, writeResult('long-document', result))}`);

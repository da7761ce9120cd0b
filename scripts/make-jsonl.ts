/**
 * Writes an N-line JSONL input for `zsre extract` (resume tests, throughput checks):
 *
 *   npx tsx scripts/make-jsonl.ts N OUT.jsonl [--bad-every K]
 *
 * Items are built from a few sentence templates and name lists, deterministically, with ids
 * "item-<line>", so two runs give the same file. --bad-every K makes every K-th line malformed
 * JSON, to exercise per-line error handling.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

const people = ['Marie Curie', 'Alan Turing', 'Ada Lovelace', 'Nelson Mandela', 'Frida Kahlo', 'Kofi Annan', 'Haruki Murakami', 'Greta Thunberg'];
const places = ['Paris', 'Manchester', 'Lagos', 'Kyoto', 'Buenos Aires', 'Oslo', 'Nairobi', 'Melbourne'];
const organisations = ['the University of Oxford', 'CERN', 'the Red Cross', 'Siemens', 'UNESCO', 'the BBC'];
const works = ['Norwegian Wood', 'The Two Fridas', 'On Computable Numbers', 'Long Walk to Freedom'];

type Template = (a: number, b: number) => { text: string; head: string; tail: string };

const templates: Template[] = [
  (a, b) => ({ text: `${pick(people, a)} was born in ${pick(places, b)}.`, head: pick(people, a), tail: pick(places, b) }),
  (a, b) => ({ text: `${pick(people, a)} worked for ${pick(organisations, b)} for many years.`, head: pick(people, a), tail: pick(organisations, b) }),
  (a, b) => ({ text: `In ${pick(places, b)}, ${pick(people, a)} married ${pick(people, a + 1)}.`, head: pick(people, a), tail: pick(people, a + 1) }),
  (a, b) => ({ text: `${pick(works, b)} was written by ${pick(people, a)}.`, head: pick(works, b), tail: pick(people, a) }),
  (a, b) => ({ text: `${pick(organisations, a)} has its headquarters in ${pick(places, b)}.`, head: pick(organisations, a), tail: pick(places, b) }),
];

function pick<T>(list: readonly T[], index: number): T {
  return list[index % list.length] as T;
}

const { values, positionals } = parseArgs({ options: { 'bad-every': { type: 'string' } }, allowPositionals: true });
const [countText, output] = positionals;
const count = Number(countText);
const badEvery = values['bad-every'] === undefined ? 0 : Number(values['bad-every']);
if (!Number.isInteger(count) || count < 1 || output === undefined || !Number.isInteger(badEvery) || badEvery < 0) {
  console.error('usage: npx tsx scripts/make-jsonl.ts N OUT.jsonl [--bad-every K]   (N >= 1, K >= 0)');
  process.exit(2);
}

const stream = createWriteStream(output);
for (let line = 1; line <= count; line += 1) {
  const text =
    badEvery > 0 && line % badEvery === 0
      ? `{"id": "item-${line}", "text": "broken line`
      : JSON.stringify({ id: `item-${line}`, ...pick(templates, line)(line * 7, line * 3) });
  if (!stream.write(`${text}\n`)) await once(stream, 'drain');
}
stream.end();
await once(stream, 'finish');
console.log(`wrote ${count} lines to ${output}`);

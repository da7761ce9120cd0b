/**
 * The one-call API: classify two sentences against your own relations.
 *
 *   npx tsx examples/basic.ts
 *
 * Uses the default model (the tiny untrained fixture in a source checkout, where the
 * predictions are meaningless; a trained model in a release).
 */
import { extractRelations, type Relation } from 'zsre';

const relations: Relation[] = [
  { id: 'spouse', name: 'spouse', description: 'the head entity is married to the tail entity' },
  { id: 'born_in', name: 'place of birth', description: 'the head entity, a person, was born in the tail entity, a place' },
  { id: 'works_for', name: 'employer', description: 'the head entity, a person, works or worked for the tail entity, an organisation' },
];

const results = await extractRelations(
  [
    { text: 'Ada Lovelace was born in London in 1815.', head: 'Ada Lovelace', tail: 'London' },
    // Entities as character spans instead of strings: [start, end) in JS string indices.
    { text: 'In 1835 Ada married William King, later Earl of Lovelace.', head: { start: 8, end: 11 }, tail: { start: 20, end: 32 } },
  ],
  { relations },
);

for (const result of results) {
  const answer = result.relation === null ? 'no relation' : `${result.relation.name} (p=${result.relation.probability.toFixed(2)})`;
  console.log(`${result.head.text} -> ${result.tail.text}: ${answer}`);
  for (const candidate of result.candidates) console.log(`    ${candidate.name.padEnd(16)} p=${candidate.probability.toFixed(3)}`);
}

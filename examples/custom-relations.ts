/**
 * A reusable extractor with your own relation set: batches with a progress callback, and every
 * relation between the entities of a paragraph.
 *
 *   npx tsx examples/custom-relations.ts
 *
 * Uses the default model (the tiny untrained fixture in a source checkout, where the
 * predictions are meaningless; a trained model in a release).
 */
import { createExtractor, type Relation } from 'zsre';

// Relations the model has never seen are the point of zero-shot extraction: describe each
// one in a sentence, the way you would explain it to a colleague.
// headTypes / tailTypes (optional) name the entity types a relation can link: a pair whose entities
// carry other types is never classified as that relation (entities without a type match any).
const relations: Relation[] = [
  { id: 'founded_by', name: 'founded by', description: 'the head organisation was founded by the tail person', headTypes: ['organization'], tailTypes: ['person'] },
  { id: 'headquartered_in', name: 'headquarters location', description: 'the head organisation has its headquarters in the tail city', headTypes: ['organization'], tailTypes: ['place'] },
  { id: 'ceo', name: 'chief executive officer', description: 'the tail person is the CEO of the head organisation', headTypes: ['organization'], tailTypes: ['person'] },
  { id: 'product', name: 'product', description: 'the head organisation makes or sells the tail product', headTypes: ['organization'] },
];

const extractor = await createExtractor({ relations });
try {
  console.log(`model ${extractor.model.name}, ${extractor.relations.length} relations`);

  const results = await extractor.extractBatch(
    [
      { text: 'Nintendo, based in Kyoto, makes the Switch console.', head: 'Nintendo', tail: 'Kyoto' },
      { text: 'Nintendo, based in Kyoto, makes the Switch console.', head: 'Nintendo', tail: 'Switch' },
      { tokens: ['Amazon', 'was', 'founded', 'by', 'Jeff', 'Bezos', '.'], head: [0], tail: [4, 5] },
    ],
    { onProgress: (done, total) => console.log(`  progress ${done}/${total}`) },
  );
  for (const result of results) {
    console.log(`${result.head.text} -> ${result.tail.text}: ${result.relation?.name ?? 'no relation'} (best candidate: ${result.candidates[0]?.name})`);
  }

  // extractAll tries the ordered pairs of the entities and keeps those above the threshold. By default
  // only entities of the same sentence are paired; pairs: 'window' also pairs entities of adjacent
  // sentences (Sony ... "The company is headquartered in Tokyo"), here all 12 ordered pairs.
  const paragraph = 'Sony was founded by Masaru Ibuka and Akio Morita. The company is headquartered in Tokyo.';
  // The entities carry types (from your NER or data), so e.g. (Tokyo, founded by, Sony) is never asked.
  const entities = [
    { text: 'Sony', type: 'organization' },
    { text: 'Masaru Ibuka', type: 'person' },
    { text: 'Akio Morita', type: 'person' },
    { text: 'Tokyo', type: 'place' },
  ];
  const triples = await extractor.extractAll({ text: paragraph, entities }, { pairs: 'window' });
  console.log(`extractAll: ${triples.length} triple(s) above the threshold among 12 ordered pairs`);
  for (const triple of triples) {
    console.log(`  (${triple.head.text}, ${triple.relation.name}, ${triple.tail.text}) p=${triple.relation.probability.toFixed(2)}`);
  }
} finally {
  await extractor.dispose();
}

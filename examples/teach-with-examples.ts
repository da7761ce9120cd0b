/**
 * Teach a relation with a few example sentences instead of (or besides) a description, then
 * correct the extractor while it runs: no training, no rebuild.
 *
 *   npx tsx examples/teach-with-examples.ts
 */
import { createExtractor, type Relation } from 'zsre';

const relations: Relation[] = [
  { id: 'spouse', name: 'spouse', description: 'the head entity is married to the tail entity' },
  { id: 'born_in', name: 'place of birth', description: 'the head entity, a person, was born in the tail entity, a place' },
  // Known only by its examples: the name says nothing the model could read.
  {
    id: 'rival',
    name: 'R7',
    examples: [
      { text: 'Coca-Cola has long been the main rival of Pepsi.', head: 'Coca-Cola', tail: 'Pepsi' },
      { text: 'Federer and his great rival Nadal met again in the final.', head: 'Federer', tail: 'Nadal' },
      { text: 'Airbus competes with Boeing for every large airliner order.', head: 'Airbus', tail: 'Boeing' },
    ],
  },
];

const extractor = await createExtractor({ relations });
const sentence = { text: 'Nike has battled its competitor Adidas for decades.', head: 'Nike', tail: 'Adidas' };
const show = (label: string, result: Awaited<ReturnType<typeof extractor.extract>>): void => {
  const answer = result.relation === null ? 'no relation' : `${result.relation.id} (p=${result.relation.probability.toFixed(2)})`;
  console.log(`${label}: ${result.head.text} -> ${result.tail.text}: ${answer}`);
};
show('with 3 examples', await extractor.extract(sentence));

// A curator confirms one more sentence; the next call uses it (only the new example is encoded).
await extractor.addExamples('rival', [{ text: 'The Yankees beat their arch-rivals, the Red Sox, on Sunday.', head: 'Yankees', tail: 'Red Sox' }]);
show('with 4 examples', await extractor.extract(sentence));
await extractor.dispose();

/**
 * Relations taught by examples, end to end on the shipped default model: a relation known only
 * by its examples is found where the description-only extractor cannot find it, examples added
 * to a live extractor change the next answer, example vectors are cached and answers stay the
 * same in any batch.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractor, type Relation, ZsreError } from '../src/index.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'zsre-examples-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const described: Relation[] = [
  { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
  { id: 'P19', name: 'place of birth', description: 'most specific known birth location of a person' },
  { id: 'P108', name: 'employer', description: 'person or organization for which the subject works or worked' },
];
// An opaque name, as in a user's own schema: its description says nothing, its examples do.
const rivalExamples = [
  { text: 'Coca-Cola has long been the main rival of Pepsi in the soft drink market.', head: 'Coca-Cola', tail: 'Pepsi' },
  { text: 'Federer and his great rival Nadal met again in the final.', head: 'Federer', tail: 'Nadal' },
  { text: 'Airbus competes with Boeing for every large airliner order.', head: 'Airbus', tail: 'Boeing' },
  { text: 'The Yankees beat their arch-rivals, the Red Sox, on Sunday.', head: 'Yankees', tail: 'Red Sox' },
];
const query = { text: 'Nike has battled its competitor Adidas for decades over the football boot market.', head: 'Nike', tail: 'Adidas' };

describe('relations taught by examples (shipped model)', () => {
  it('finds a relation defined by its examples only, where the description-only extractor does not', async () => {
    const withoutExamples = await createExtractor({ relations: [...described, { id: 'R7', name: 'R7' }], cacheDir });
    const before = await withoutExamples.extract(query);
    await withoutExamples.dispose();
    expect(before.relation?.id).not.toBe('R7');

    const withExamples = await createExtractor({ relations: [...described, { id: 'R7', name: 'R7', examples: rivalExamples }], cacheDir });
    const after = await withExamples.extract(query);
    // The other relations still answer their own sentences.
    const birth = await withExamples.extract({ text: 'Ada Lovelace was born in London.', head: 'Ada Lovelace', tail: 'London' });
    await withExamples.dispose();
    expect(after.relation?.id).toBe('R7');
    expect(birth.relation?.id).toBe('P19');
  });

  it('learns from examples added to a live extractor, and caches their vectors', async () => {
    const extractor = await createExtractor({ relations: [...described, { id: 'R7', name: 'R7' }], cacheDir });
    expect((await extractor.extract(query)).relation?.id).not.toBe('R7');
    await extractor.addExamples('R7', rivalExamples.slice(0, 2));
    await extractor.addExamples('R7', rivalExamples.slice(2));
    expect(extractor.relations.find((relation) => relation.id === 'R7')?.examples).toEqual(rivalExamples);
    expect((await extractor.extract(query)).relation?.id).toBe('R7');
    await expect(extractor.addExamples('nope', rivalExamples)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(extractor.addExamples('R7', [{ text: 'Coke and Pepsi.', head: 'Coke', tail: 'Fanta' }])).rejects.toMatchObject({
      code: 'ENTITY_NOT_FOUND',
    });
    await extractor.dispose();
    // A new extractor with the same examples reads their vectors from the cache and answers the same.
    const files = await readdir(path.join(cacheDir, 'labels'));
    const fresh = await createExtractor({ relations: [...described, { id: 'R7', name: 'R7', examples: rivalExamples }], cacheDir });
    expect(await readdir(path.join(cacheDir, 'labels'))).toEqual(files);
    expect((await fresh.extract(query)).relation?.id).toBe('R7');
    await fresh.dispose();
  });

  it('takes examples of "no relation": they lower a taught relation where its pairs hold nothing, live or at creation', async () => {
    // Two companies named together, neither competing: what the rival examples can be mistaken for.
    const unrelated = { text: 'Nike and Adidas both sponsor teams at the World Cup this summer.', head: 'Nike', tail: 'Adidas' };
    const noneExamples = [
      { text: 'Apple and Samsung both exhibited new phones at the trade fair.', head: 'Apple', tail: 'Samsung' },
      { text: 'Ford and Toyota are both listed on the New York Stock Exchange.', head: 'Ford', tail: 'Toyota' },
      { text: 'Visa and Mastercard each sponsor a stand at the football tournament.', head: 'Visa', tail: 'Mastercard' },
    ];
    const probabilityOfR7 = async (extractor: Awaited<ReturnType<typeof createExtractor>>) =>
      (await extractor.extract(unrelated)).candidates.find((candidate) => candidate.id === 'R7')?.probability ?? 0;
    const extractor = await createExtractor({ relations: [...described, { id: 'R7', name: 'R7', examples: rivalExamples }], cacheDir });
    const before = await probabilityOfR7(extractor);
    await extractor.addNoneExamples(noneExamples);
    expect(extractor.noneExamples).toEqual(noneExamples);
    const after = await probabilityOfR7(extractor);
    expect(after).toBeLessThan(before);
    // A rival pair still ranks the rival relation first.
    expect((await extractor.extract(query)).candidates[0]?.id).toBe('R7');
    await expect(extractor.addNoneExamples([{ text: 'Coke and Pepsi.', head: 'Coke', tail: 'Fanta' }])).rejects.toMatchObject({ code: 'ENTITY_NOT_FOUND' });
    await extractor.dispose();
    // Given at creation, the same examples give the same answer.
    const fresh = await createExtractor({ relations: [...described, { id: 'R7', name: 'R7', examples: rivalExamples }], noneExamples, cacheDir });
    expect(await probabilityOfR7(fresh)).toBeCloseTo(after, 6);
    await fresh.dispose();
    await expect(createExtractor({ relations: described, noneExamples: [{ text: 'x', head: 'a', tail: 'b' }], cacheDir })).rejects.toMatchObject({ code: 'ENTITY_NOT_FOUND' });
  });

  it('gives a sentence the same answer alone and in any batch', async () => {
    const extractor = await createExtractor({ relations: [...described, { id: 'R7', name: 'R7', examples: rivalExamples }], cacheDir, batchSize: 3 });
    const others = [
      { text: 'Marie Curie married Pierre Curie in 1895.', head: 'Marie Curie', tail: 'Pierre Curie' },
      { text: 'Tim Cook works for Apple in Cupertino.', head: 'Tim Cook', tail: 'Apple' },
      { text: 'Ada Lovelace was born in London.', head: 'Ada Lovelace', tail: 'London' },
    ];
    const alone = await extractor.extract(query);
    const batched = await extractor.extractBatch([...others, query, ...others.reverse()]);
    await extractor.dispose();
    expect(batched[3]).toEqual(alone);
  });

  it('refuses a bad example when the extractor is created, naming the relation and example', async () => {
    const error = await createExtractor({ relations: [{ id: 'R7', name: 'R7', examples: [rivalExamples[0] as (typeof rivalExamples)[number], { text: "", head: "a", tail: "b" }] }], cacheDir }).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ZsreError);
    expect((error as ZsreError).message).toContain('example 1 (0-based) of relation "R7"');
  });
});

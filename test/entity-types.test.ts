/**
 * Entity-type constraints (issue 21 item 4): a relation that declares headTypes / tailTypes is
 * never the answer, nor a listed candidate, for a pair whose entities have other known types (with
 * the exact index and HNSW, through extractAll and extractDocument); its probability is not handed
 * to the others; the answer for an item stays the same in any batch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractDocument } from '../src/kg.js';
import { fuse } from '../src/fusion/fuse.js';
import { parseRelation } from '../src/relations/schema.js';
import { typedRelations } from '../src/relations/types.js';
import { createExtractor, type Extractor, type Relation, ZsreError } from '../src/index.js';

const describeEntry = (position: number): string => `entry ${position}`;

describe('typedRelations', () => {
  const relations: Relation[] = [
    { id: 'birth', name: 'place of birth', headTypes: ['person'], tailTypes: ['place', 'LOC'] },
    { id: 'employer', name: 'employer', headTypes: ['Person'], tailTypes: ['organization'] },
    { id: 'free', name: 'anything' },
  ];
  const types = typedRelations(relations);
  const allowed = (head?: string, tail?: string): string[] => {
    const filter = types.admissible(head, tail);
    return relations.filter((_, index) => filter === null || filter(index)).map((relation) => relation.id);
  };

  it('admits a relation only for the declared types, case and spaces aside', () => {
    expect(allowed('person', 'place')).toEqual(['birth', 'free']);
    expect(allowed(' PERSON ', 'loc')).toEqual(['birth', 'free']);
    expect(allowed('person', 'organization')).toEqual(['employer', 'free']);
    expect(allowed('organization', 'place')).toEqual(['free']);
  });

  it('an unknown side constrains nothing; no types at all means no filter', () => {
    expect(allowed(undefined, 'organization')).toEqual(['employer', 'free']);
    expect(types.admissible(undefined, undefined)).toBeNull();
    expect(typedRelations([{ id: 'a', name: 'a' }]).admissible('person', 'place')).toBeNull();
    // Every relation admits the pair: no filter either (the unfiltered search path).
    expect(typedRelations([{ id: 'a', name: 'a', headTypes: ['person'] }]).admissible('person', undefined)).toBeNull();
  });

  it('builds one filter per pair of types', () => {
    expect(types.admissible('person', 'place')).toBe(types.admissible('Person', 'PLACE'));
  });
});

describe('headTypes / tailTypes in relation definitions', () => {
  it('are kept, trimmed', () => {
    expect(parseRelation({ id: 'r', name: 'r', headTypes: [' person '], tailTypes: ['place'] }, 0, describeEntry)).toEqual({
      id: 'r',
      name: 'r',
      headTypes: ['person'],
      tailTypes: ['place'],
    });
  });

  it.each([
    [{ headTypes: [] }, 'headTypes" must list at least one entity type'],
    [{ tailTypes: 'place' }, 'tailTypes" must be an array of entity type names'],
    [{ headTypes: [''] }, 'headTypes.0" must list non-empty type names'],
    [{ headType: ['person'] }, 'unknown field "headType"'],
  ])('reject %j with a message naming the field', (fields, message) => {
    let error: unknown;
    try {
      parseRelation({ id: 'r', name: 'r', ...fields }, 3, describeEntry);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ZsreError);
    expect((error as ZsreError).code).toBe('INVALID_INPUT');
    expect((error as ZsreError).message).toContain(message);
    expect((error as ZsreError).message).toContain('entry 3');
  });
});

describe('examples against their relation\'s types', () => {
  const example = (headType?: string, tailType?: string): unknown => ({
    text: 'Marie Curie was born in Warsaw .',
    head: headType === undefined ? 'Marie Curie' : { text: 'Marie Curie', type: headType },
    tail: tailType === undefined ? 'Warsaw' : { text: 'Warsaw', type: tailType },
  });
  const relation = (examples: unknown[]): unknown => ({ id: 'birth', name: 'place of birth', headTypes: ['person'], tailTypes: ['place'], examples });

  it('admits examples whose types the relation declares (case aside) or that name none', () => {
    expect(parseRelation(relation([example('PERSON', 'place'), example(), example('person')]), 0, describeEntry).examples).toHaveLength(3);
    expect(parseRelation({ id: 'r', name: 'r', examples: [example('organization', 'thing')] }, 0, describeEntry).examples).toHaveLength(1);
  });

  it.each([
    [example('organization', 'place'), 'its head has type "organization", which the relation\'s headTypes ("person") do not admit', 'head.type'],
    [example(undefined, 'person'), 'its tail has type "person", which the relation\'s tailTypes ("place") do not admit', 'tail.type'],
  ])('refuses an example that contradicts them, naming the relation, the example and the side', (bad, message, field) => {
    let error: unknown;
    try {
      parseRelation(relation([example(), bad]), 2, describeEntry);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ZsreError);
    expect((error as ZsreError).message).toContain(`Invalid example 1 (0-based) of relation "birth" at entry 2: ${message}`);
    expect((error as ZsreError).context).toMatchObject({ relation: 'birth', example: 1, field });
  });
});

describe('fuse with answerable candidates', () => {
  const params = { biWeight: 10, crossWeight: 0, noneLogit: 2, threshold: 0.5 };
  const scored = [0.6, 0.5, 0.1].map((biScore) => ({ biScore, crossScore: null }));

  it('keeps every probability and picks the best answerable candidate', () => {
    const all = fuse(scored, params);
    const without = fuse(scored, params, undefined, (position) => position !== 0);
    expect(without.probabilities).toEqual(all.probabilities);
    expect(without.noneProbability).toBe(all.noneProbability);
    expect(all.best).toBe(0);
    // The runner-up is not promoted by the exclusion: below the threshold it is no answer.
    expect(all.probabilities[1]).toBeLessThan(params.threshold);
    expect(without.best).toBeNull();
    expect(fuse(scored, { ...params, threshold: 0.1 }, undefined, (position) => position !== 0).best).toBe(1);
  });
});

describe('extraction with entity types (shipped model)', () => {
  const relations: Relation[] = [
    { id: 'P19', name: 'place of birth', description: 'most specific known birth location of a person', headTypes: ['person'], tailTypes: ['place'] },
    { id: 'P108', name: 'employer', description: 'person or organization for which the subject works or worked', headTypes: ['person'], tailTypes: ['organization'] },
    { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse', headTypes: ['person'], tailTypes: ['person'] },
    { id: 'P159', name: 'headquarters location', description: 'city where an organization has its headquarters', headTypes: ['organization'], tailTypes: ['place'] },
  ];
  const sentence = 'Marie Curie was born in Warsaw and later worked for the University of Paris.';
  let cacheDir: string;
  const extractors: Extractor[] = [];
  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'zsre-types-'));
    extractors.push(await createExtractor({ relations, cacheDir, index: 'exact' }));
    extractors.push(await createExtractor({ relations, cacheDir, index: 'hnsw' }));
  });
  afterAll(async () => {
    await Promise.all(extractors.map((extractor) => extractor.dispose()));
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('addExamples refuses an example whose types its relation does not admit, and keeps the relation as it was', async () => {
    const extractor = extractors[0]!;
    const bad = { text: 'Marie Curie worked for the University of Paris .', head: { text: 'University of Paris', type: 'organization' }, tail: 'Marie Curie' };
    await expect(extractor.addExamples('P108', [bad])).rejects.toThrow(/example 0 \(0-based\) of relation "P108".*head has type "organization"/);
    expect(extractor.relations.find((r) => r.id === 'P108')?.examples).toBeUndefined();
  });

  it('leaves out the relations the types exclude, and keeps the rest as without types', async () => {
    for (const extractor of extractors) {
      const untyped = await extractor.extract({ text: sentence, head: 'Marie Curie', tail: 'Warsaw' });
      expect(untyped.relation?.id).toBe('P19');
      // Without types the other relations are candidates too (the top-k of all four).
      expect(untyped.candidates.length).toBeGreaterThan(1);

      const typed = await extractor.extract({ text: sentence, head: { text: 'Marie Curie', type: 'person' }, tail: { text: 'Warsaw', type: 'place' } });
      expect(typed.candidates.map((candidate) => candidate.id)).toEqual(['P19']);
      expect(typed.relation?.id).toBe('P19');
      // Types never change a probability, only which relations may be the answer.
      const typedP19 = typed.candidates.find((candidate) => candidate.id === 'P19')?.probability;
      expect(typedP19).toBe(untyped.candidates.find((candidate) => candidate.id === 'P19')?.probability);

      // Typed as an organisation, "Warsaw" cannot be a birthplace: the strongest candidate is
      // impossible, so the pair gets no relation rather than the employer relation promoted.
      const asOrganization = await extractor.extract({ text: sentence, head: { text: 'Marie Curie', type: 'person' }, tail: { text: 'Warsaw', type: 'organization' } });
      expect(asOrganization.candidates.every((candidate) => candidate.id === 'P108')).toBe(true);
      expect(asOrganization.relation).toBeNull();
      const p19 = untyped.candidates.find((candidate) => candidate.id === 'P19')?.probability ?? 0;
      expect(p19).toBeGreaterThan(0.5);

      // No relation admits two places: no candidates, no relation.
      const none = await extractor.extract({ text: sentence, head: { text: 'Warsaw', type: 'place' }, tail: { text: 'University of Paris', type: 'place' } });
      expect(none.relation).toBeNull();
      expect(none.candidates).toEqual([]);
    }
  });

  it('gives each item the same answer in any batch, typed or not', async () => {
    const [extractor] = extractors as [Extractor];
    const university = sentence.indexOf('University of Paris');
    const items = [
      { text: sentence, head: { text: 'Marie Curie', type: 'person' }, tail: { start: university, end: university + 19, type: 'organization' } },
      { text: sentence, head: 'Marie Curie', tail: 'Warsaw' },
      { text: sentence, head: { text: 'Warsaw', type: 'place' }, tail: { text: 'Marie Curie', type: 'person' } },
      { text: sentence, head: { text: 'Marie Curie', type: 'person' }, tail: { text: 'Warsaw', type: 'place' } },
    ];
    const alone = [];
    for (const item of items) alone.push(await extractor.extract(item));
    expect(await extractor.extractBatch(items)).toEqual(alone);
    expect(await extractor.extractBatch([...items].reverse())).toEqual([...alone].reverse());
    expect(alone[0]?.head.text).toBe('Marie Curie');
    expect(alone[0]?.tail.text).toBe('University of Paris');
  });

  it('types reach extractAll and extractDocument, which types the entities it finds itself', async () => {
    const [extractor] = extractors as [Extractor];
    const triples = await extractor.extractAll({
      text: sentence,
      entities: [
        { text: 'Marie Curie', type: 'person' },
        { text: 'Warsaw', type: 'place' },
        { text: 'University of Paris', type: 'organization' },
      ],
    });
    for (const triple of triples) {
      const declared = relations.find((relation) => relation.id === triple.relation.id) as Relation;
      const typeOf: Record<string, string> = { 'Marie Curie': 'person', Warsaw: 'place', 'University of Paris': 'organization' };
      expect(declared.headTypes).toContain(typeOf[triple.head.text]);
      expect(declared.tailTypes).toContain(typeOf[triple.tail.text]);
    }
    expect(triples.map((triple) => `${triple.head.text} ${triple.relation.id} ${triple.tail.text}`)).toContain('Marie Curie P19 Warsaw');

    const document = await extractDocument(extractor, { text: 'Marie Curie was born in Warsaw. Pierre Curie lived in Paris.' });
    for (const result of document.results) {
      // Found entities are typed person / place here: only place of birth and spouse can apply.
      expect(result.candidates.every((candidate) => ['P19', 'P26'].includes(candidate.id))).toBe(true);
    }
    expect(document.results.length).toBeGreaterThan(0);
  });
});

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fewrelItems, fewrelRelations, fewrelSplit, wikizslItems, wikizslRelations, wikizslSplit } from '../benchmarks/lib/datasets.js';

// A few-KB cut of the shared data in its own formats (test/fixtures/data/README.md), so that the
// readers are tested on a bare clone; the benchmarks run the same readers on the full files.
const dataDir = resolve(import.meta.dirname, 'fixtures', 'data');

describe('benchmark data readers (on the committed data fixture)', () => {
  it('reads the FewRel m=5 ori split and its unseen relations', () => {
    const split = fewrelSplit(dataDir, 5, 'ori');
    expect(split.name).toBe('fewrel_m5_ori');
    expect(split.test).toEqual(['P177', 'P364', 'P361', 'P641', 'P59']);
    expect(split.eval).toHaveLength(5);
    expect(new Set([...split.train, ...split.eval, ...split.test]).size).toBe(80);
    const items = fewrelItems(dataDir, split.test, 2);
    expect(items).toHaveLength(10);
    expect(items.map((item) => item.gold)).toEqual(['P177', 'P177', 'P364', 'P364', 'P361', 'P361', 'P641', 'P641', 'P59', 'P59']);
    // Token positions are FewRel's h[2][0] / t[2][0], copied as they are.
    expect(items[0]!.head).toEqual([26, 27, 28]);
    expect(items[0]!.tokens.slice(26, 29)).toEqual(['Cape', 'Girardeau', 'Bridge']);
    expect(items[0]!.tail).toEqual([19, 20]);
    for (const item of items) {
      expect([...item.head, ...item.tail].every((index) => index >= 0 && index < item.tokens.length)).toBe(true);
    }
    const relations = fewrelRelations(dataDir, split.test);
    expect(relations.map((relation) => relation.id)).toEqual(split.test);
    expect(relations.every((relation) => relation.name.length > 0 && (relation.description ?? '').length > 0)).toBe(true);
  });

  it('takes FewRel instances from the training file as well as the validation file', () => {
    const items = fewrelItems(dataDir, ['P931', 'P59']);
    expect(items.map((item) => item.gold)).toEqual(['P931', 'P931', 'P59', 'P59', 'P59']);
    expect(() => fewrelItems(dataDir, ['P26'])).toThrow('FewRel has no instances of P26');
  });

  it('runs the Wiki-ZSL protocol pieces on the sample (keys, items, descriptions)', () => {
    const split = wikizslSplit(dataDir, 10, '43');
    expect(split.test).toHaveLength(10);
    const sample = join(dataDir, 'wikizsl', 'sample_6rel.json');
    const items = wikizslItems(sample, ['P106', 'P17']);
    expect(items).toHaveLength(3);
    const raw = JSON.parse(readFileSync(sample, 'utf8')) as Record<string, { head: number[]; tail: number[] }[]>;
    expect(items.map((item) => [item.head, item.tail])).toEqual(raw.P106!.map((instance) => [instance.head, instance.tail]));
    expect(items.every((item) => item.gold === 'P106' && item.tail.length > 0)).toBe(true);
    // Descriptions are "name is description"; the name is split off with pid2name's help.
    const [occupation] = wikizslRelations(dataDir, ['P106']);
    expect(occupation!.name).toBe('occupation');
    expect(occupation!.description).toMatch(/^occupation of a person/);
  });
});

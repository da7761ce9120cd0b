import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fewrelItems, fewrelRelations, fewrelSplit, wikizslItems, wikizslRelations, wikizslSplit } from '../benchmarks/lib/datasets.js';

const dataDir = resolve(process.env.ZSRE_DATA_DIR ?? '../shared/data');

describe('benchmark data readers on the shared data', () => {
  it('finds the shared data folder', () => {
    // CI and every developer machine have ../shared/data; elsewhere set ZSRE_DATA_DIR.
    expect(existsSync(dataDir), `no shared data at ${dataDir}: set ZSRE_DATA_DIR`).toBe(true);
  });

  it('reads the FewRel m=5 ori split and its unseen relations', () => {
    const split = fewrelSplit(dataDir, 5, 'ori');
    expect(split.test).toEqual(['P177', 'P364', 'P361', 'P641', 'P59']);
    expect(split.eval).toHaveLength(5);
    expect(new Set([...split.train, ...split.eval, ...split.test]).size).toBe(80);
    const items = fewrelItems(dataDir, split.test, 3);
    expect(items).toHaveLength(15);
    expect(items[0]!.gold).toBe('P177');
    expect(items[0]!.head.every((i) => i >= 0 && i < items[0]!.tokens.length)).toBe(true);
    const relations = fewrelRelations(dataDir, split.test);
    expect(relations.map((r) => r.id)).toEqual(split.test);
    expect(relations[0]!.name.length).toBeGreaterThan(0);
  });

  it('runs the Wiki-ZSL protocol pieces on the sample (keys, items, descriptions)', () => {
    const split = wikizslSplit(dataDir, 10, '43');
    expect(split.test).toHaveLength(10);
    const sample = join(dataDir, 'wikizsl', 'sample_6rel.json');
    const sampleRelations = ['P106'];
    const items = wikizslItems(sample, sampleRelations);
    expect(items).toHaveLength(100);
    expect(items.every((item) => item.gold === 'P106' && item.tail.length > 0)).toBe(true);
    const [occupation] = wikizslRelations(dataDir, ['P106']);
    expect(occupation!.name).toBe('occupation');
    expect(occupation!.description).toMatch(/occupation|profession|work/i);
  });
});

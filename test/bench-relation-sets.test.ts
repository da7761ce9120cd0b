/**
 * benchmarks/lib/relationSets.ts: the whole relation sets of bench:fewshot-sets, read as the
 * training recipe reads them (training/zsre_train/data/extra.py): DocRED csv lines with
 * <e1>/<e2> marker words, SemEval directed labels ("(e2,e1)": the second entity is the head).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docredSpans, parseDocredLine, type RelationSet, relationHalf, semevalSet, withoutRelations } from '../benchmarks/lib/relationSets.js';

const dataDir = mkdtempSync(join(tmpdir(), 'zsre-relation-sets-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('DocRED sentences', () => {
  it('reads a quoted line with commas and doubled quotes, and a plain one', () => {
    expect(parseDocredLine('"<e1> A </e1> , said ""B"" in <e2> C </e2> .",country')).toEqual({
      words: ['<e1>', 'A', '</e1>', ',', 'said', '"B"', 'in', '<e2>', 'C', '</e2>', '.'],
      label: 'country',
    });
    expect(parseDocredLine('<e1> A </e1> in <e2> B </e2>,located in')).toEqual({ words: ['<e1>', 'A', '</e1>', 'in', '<e2>', 'B', '</e2>'], label: 'located in' });
    expect(parseDocredLine('"never closed,country')).toBeNull();
  });

  it('turns marker words into head and tail positions, tail first or head first', () => {
    expect(docredSpans(['<e2>', 'Paris', '</e2>', 'is', 'in', '<e1>', 'France', '</e1>'])).toEqual({ tokens: ['Paris', 'is', 'in', 'France'], head: [3], tail: [0] });
    expect(docredSpans(['<e1>', 'New', 'York', '</e1>', 'and', '<e2>', 'US', '</e2>'])).toEqual({ tokens: ['New', 'York', 'and', 'US'], head: [0, 1], tail: [3] });
  });

  it('refuses repeated, missing or nested markers', () => {
    expect(docredSpans(['<e1>', 'A', '</e1>', '<e1>', 'B', '</e1>', '<e2>', 'C', '</e2>'])).toBeNull();
    expect(docredSpans(['<e1>', 'A', '</e1>', 'B'])).toBeNull();
    expect(docredSpans(['<e1>', 'A', '<e2>', 'B', '</e2>', '</e1>'])).toBeNull();
  });
});

describe('SemEval-2010', () => {
  it('makes the entity the label names first the head, skips Other, and keeps relations with enough sentences', () => {
    mkdirSync(join(dataDir, 'extra', 'semeval2010'), { recursive: true });
    const line = (relation: string) => JSON.stringify({ token: ['smoke', 'from', 'the', 'fire'], h: { name: 'smoke', pos: [0, 1] }, t: { name: 'fire', pos: [3, 4] }, relation });
    writeFileSync(join(dataDir, 'extra', 'semeval2010', 'train.txt'), [line('Cause-Effect(e2,e1)'), line('Cause-Effect(e1,e2)'), line('Other')].join('\n'));
    writeFileSync(join(dataDir, 'extra', 'semeval2010', 'test.txt'), line('Message-Topic(e1,e2)'));
    const set = semevalSet(dataDir, 2, 10);
    expect(set.relations.map((relation) => relation.id)).toEqual(['semeval:Cause-Effect']);
    expect(set.gold).toEqual(['semeval:Cause-Effect', 'semeval:Cause-Effect']);
    // "(e2,e1)": fire (the second entity) causes smoke.
    expect(set.items[0]).toEqual({ tokens: ['smoke', 'from', 'the', 'fire'], head: [3], tail: [0] });
    expect(set.items[1]).toEqual({ tokens: ['smoke', 'from', 'the', 'fire'], head: [0], tail: [3] });
  });
});

describe('halves of a relation set', () => {
  const item = (word: string) => ({ tokens: [word, 'x'], head: [0], tail: [1] });
  const set: RelationSet = {
    name: 'docred-unseen',
    relations: ['P9', 'P1', 'P5', 'P3'].map((id) => ({ id, name: id })),
    items: ['a', 'b', 'c', 'd', 'e'].map(item),
    gold: ['P9', 'P1', 'P5', 'P3', 'P1'],
  };

  it('splits the relations by position in sorted id order, each with all of its sentences, never both halves', () => {
    const fit = relationHalf(set, 'fit');
    const measure = relationHalf(set, 'measure');
    // sorted: P1, P3, P5, P9 -> fit P1, P5; measure P3, P9
    expect(fit.relations.map((relation) => relation.id)).toEqual(['P1', 'P5']);
    expect(fit.gold).toEqual(['P1', 'P5', 'P1']);
    expect(fit.items.map((entry) => (entry as { tokens: string[] }).tokens[0])).toEqual(['b', 'c', 'e']);
    expect(measure.relations.map((relation) => relation.id)).toEqual(['P9', 'P3']);
    expect(measure.gold).toEqual(['P9', 'P3']);
    expect(fit.name).toBe('docred-unseen-fit');
  });

  it('drops the given relations and their sentences', () => {
    const rest = withoutRelations(set, new Set(['P1', 'P9']));
    expect(rest.relations.map((relation) => relation.id)).toEqual(['P5', 'P3']);
    expect(rest.gold).toEqual(['P5', 'P3']);
    expect(rest.name).toBe('docred-unseen');
  });
});

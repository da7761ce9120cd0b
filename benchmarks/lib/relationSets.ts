/**
 * Whole relation sets that a FewRel split model never trained on (benchmark models train on their
 * split's seen FewRel relations only, never on extra/): the sets the few-shot benchmark measures
 * examples on, as a user's own schema would be used (every relation of the set at once).
 *  - DocRED sentences: the DocRED relations outside the split's training and eval relations,
 *    described as the library's built-in Wikidata relations describe them (the team's
 *    descriptions, training/data/relation_descriptions.json, for the labels that are no
 *    Wikidata property label), as training/zsre_train/data/extra.py maps them;
 *  - SemEval-2010 Task 8: its 9 relation types, directed by the label ("(e2,e1)": the second
 *    marked entity is the head), the team's descriptions;
 *  - ChemProt: its labels, the team's descriptions (chemprot.ts reads the sentences).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadRelations } from '../../src/relations/load.js';
import type { ExtractItem } from '../../src/index.js';
import { type BenchRelation, fewrelSplit } from './datasets.js';

export interface RelationSet {
  name: string;
  relations: BenchRelation[];
  items: ExtractItem[];
  /** gold relation id per item. */
  gold: string[];
}

const teamDescriptions = (): Record<string, { name: string; description: string }> =>
  JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'training', 'data', 'relation_descriptions.json'), 'utf8')) as Record<string, { name: string; description: string }>;

/** Relations with at least `minimum` sentences, each capped at `perRelation` (file order). */
function keepFrequent(name: string, relations: BenchRelation[], items: ExtractItem[], gold: string[], minimum: number, perRelation: number): RelationSet {
  const counts = new Map<string, number>();
  for (const id of gold) counts.set(id, (counts.get(id) ?? 0) + 1);
  const kept = relations.filter((relation) => (counts.get(relation.id) ?? 0) >= minimum);
  const keep = new Set(kept.map((relation) => relation.id));
  const taken = new Map<string, number>();
  const out: RelationSet = { name, relations: kept, items: [], gold: [] };
  items.forEach((item, index) => {
    const id = gold[index] as string;
    if (!keep.has(id) || (taken.get(id) ?? 0) >= perRelation) return;
    taken.set(id, (taken.get(id) ?? 0) + 1);
    out.items.push(item);
    out.gold.push(id);
  });
  return out;
}

/** One csv line `"words with <e1> .. </e1> and <e2> .. </e2>",label` (a quoted field may hold commas and doubled quotes). */
export function parseDocredLine(line: string): { words: string[]; label: string } | null {
  let text: string;
  let rest: string;
  if (line.startsWith('"')) {
    let at = 1;
    let value = '';
    for (;;) {
      const quote = line.indexOf('"', at);
      if (quote < 0) return null;
      if (line[quote + 1] === '"') {
        value += line.slice(at, quote + 1);
        at = quote + 2;
        continue;
      }
      value += line.slice(at, quote);
      rest = line.slice(quote + 1);
      break;
    }
    text = value;
  } else {
    const comma = line.lastIndexOf(',');
    text = line.slice(0, comma);
    rest = line.slice(comma);
  }
  if (!rest.startsWith(',')) return null;
  return { words: text.split(/\s+/).filter(Boolean), label: rest.slice(1).trim() };
}

/** Head (e1) and tail (e2) word positions with the marker words removed; null unless each marker occurs once, unnested. */
export function docredSpans(words: readonly string[]): { tokens: string[]; head: number[]; tail: number[] } | null {
  const markers = ['<e1>', '</e1>', '<e2>', '</e2>'];
  if (markers.some((marker) => words.filter((word) => word === marker).length !== 1)) return null;
  const [open1, close1, open2, close2] = markers.map((marker) => words.indexOf(marker)) as [number, number, number, number];
  if (!(open1 < close1 && open2 < close2) || !(close1 < open2 || close2 < open1)) return null;
  const tokens: string[] = [];
  const head: number[] = [];
  const tail: number[] = [];
  let inside: number[] | null = null;
  for (const word of words) {
    if (word === '<e1>' || word === '<e2>') inside = word === '<e1>' ? head : tail;
    else if (word === '</e1>' || word === '</e2>') inside = null;
    else {
      inside?.push(tokens.length);
      tokens.push(word);
    }
  }
  return head.length > 0 && tail.length > 0 ? { tokens, head, tail } : null;
}

/** DocRED sentences of the relations not in `exclude` (a split's training and eval relations). */
export async function docredSet(dataDir: string, exclude: ReadonlySet<string>, minimum: number, perRelation: number): Promise<RelationSet> {
  const wikidata = await loadRelations('wikidata');
  const byLabel = new Map<string, BenchRelation>();
  for (const relation of wikidata) if (!byLabel.has(relation.name)) byLabel.set(relation.name, { id: relation.id, name: relation.name, description: relation.description });
  const team = teamDescriptions();
  const relations = new Map<string, BenchRelation>();
  const items: ExtractItem[] = [];
  const gold: string[] = [];
  const lines = readFileSync(join(dataDir, 'extra', 'docred_sentences', 'docred_sentences.csv'), 'utf8').split('\n').slice(1);
  for (const line of lines) {
    if (!line.trim()) continue;
    const parsed = parseDocredLine(line);
    if (parsed === null) continue;
    const relation = byLabel.get(parsed.label) ?? (team[`docred:${parsed.label}`] ? { id: `docred:${parsed.label}`, ...team[`docred:${parsed.label}`] } : undefined);
    if (relation === undefined || exclude.has(relation.id)) continue;
    const spans = docredSpans(parsed.words);
    if (spans === null) continue;
    relations.set(relation.id, relation as BenchRelation);
    items.push(spans);
    gold.push(relation.id);
  }
  return keepFrequent('docred-unseen', [...relations.values()], items, gold, minimum, perRelation);
}

/**
 * DocRED sentences of the relations no FewRel relation shares (all 80, whatever the split): never
 * trained on by any FewRel split model, and never one of its test relations.
 */
export async function docredOutsideFewrel(dataDir: string, minimum: number, perRelation: number): Promise<RelationSet> {
  const every = fewrelSplit(dataDir, 5, 'ori');
  return docredSet(dataDir, new Set([...every.train, ...every.eval, ...every.test]), minimum, perRelation);
}

/** SemEval-2010 Task 8 (train and test files), the 9 directed relation types; "Other" is left out. */
export function semevalSet(dataDir: string, minimum: number, perRelation: number): RelationSet {
  const team = teamDescriptions();
  const relations = Object.entries(team)
    .filter(([id]) => id.startsWith('semeval:'))
    .map(([id, { name, description }]) => ({ id, name, description }));
  const items: ExtractItem[] = [];
  const gold: string[] = [];
  for (const file of ['train.txt', 'test.txt']) {
    for (const line of readFileSync(join(dataDir, 'extra', 'semeval2010', file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const record = JSON.parse(line) as { token: string[]; h: { pos: [number, number] }; t: { pos: [number, number] }; relation: string };
      const match = /^(.+)\((e1,e2|e2,e1)\)$/.exec(record.relation);
      if (match === null) continue;
      const span = ([start, end]: [number, number]) => Array.from({ length: end - start }, (_, i) => start + i);
      const [first, second] = [span(record.h.pos), span(record.t.pos)];
      const [head, tail] = match[2] === 'e1,e2' ? [first, second] : [second, first];
      items.push({ tokens: record.token, head, tail });
      gold.push(`semeval:${match[1]}`);
    }
  }
  return keepFrequent('semeval', relations, items, gold, minimum, perRelation);
}

/** ChemProt (train and test files), the team's descriptions. */
export function chemprotSet(dataDir: string, read: (file: string) => { items: ExtractItem[]; gold: string[] }, minimum: number, perRelation: number): RelationSet {
  const team = teamDescriptions();
  const relations = Object.entries(team)
    .filter(([id]) => id.startsWith('chemprot:'))
    .map(([id, { name, description }]) => ({ id, name, description }));
  const parts = ['train.txt', 'test.txt'].map(read);
  return keepFrequent(
    'chemprot',
    relations,
    parts.flatMap((part) => part.items),
    parts.flatMap((part) => part.gold),
    minimum,
    perRelation,
  );
}

/**
 * Half of a set's relations, with their sentences: those at even positions of the sorted ids
 * ('fit') or at odd ones ('measure'). A split model's few-shot rule may be fitted on the 'fit' half
 * of the DocRED relations outside FewRel (bench:fewshot); bench:fewshot-sets then measures that
 * model's rule on the other half only, so no set is scored by a rule fitted on it.
 */
export function relationHalf(set: RelationSet, part: 'fit' | 'measure'): RelationSet {
  const sorted = set.relations.map((relation) => relation.id).sort();
  const keep = new Set(sorted.filter((_, index) => index % 2 === (part === 'fit' ? 0 : 1)));
  return withRelations(set, `${set.name}-${part}`, keep);
}

/** The set without the given relations (and their sentences). */
export function withoutRelations(set: RelationSet, drop: ReadonlySet<string>): RelationSet {
  return withRelations(set, set.name, new Set(set.relations.map((relation) => relation.id).filter((id) => !drop.has(id))));
}

function withRelations(set: RelationSet, name: string, keep: ReadonlySet<string>): RelationSet {
  const out: RelationSet = { name, relations: set.relations.filter((relation) => keep.has(relation.id)), items: [], gold: [] };
  set.gold.forEach((id, index) => {
    if (!keep.has(id)) return;
    out.items.push(set.items[index] as ExtractItem);
    out.gold.push(id);
  });
  return out;
}

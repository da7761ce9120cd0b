/**
 * Benchmark data: FewRel and Wiki-ZSL zero-shot splits read from the shared data folder,
 * turned into the library's token-form items, with the gold relation kept beside each item.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchRelation {
  id: string;
  name: string;
  description?: string;
}
export interface GoldItem {
  tokens: string[];
  head: number[];
  tail: number[];
  gold: string;
}
export interface ZeroShotSplit {
  name: string;
  test: string[];
  eval: string[];
  train: string[];
}

export function readSplitFile(path: string, name: string): ZeroShotSplit {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<'train' | 'eval' | 'test', Record<string, number>>;
  return { name, train: Object.keys(raw.train), eval: Object.keys(raw.eval), test: Object.keys(raw.test) };
}

export function fewrelSplit(dataDir: string, m: number, seed: string): ZeroShotSplit {
  return readSplitFile(join(dataDir, 'fewrel', 'splits', `fewrel_rel2id_${m}_${seed}.json`), `fewrel_m${m}_${seed}`);
}

export function wikizslSplit(dataDir: string, m: number, seed: string): ZeroShotSplit {
  return readSplitFile(join(dataDir, 'wikizsl', 'splits', `wikizsl_rel2id_${m}_${seed}.json`), `wikizsl_m${m}_${seed}`);
}

type FewRelEntity = [string, string, number[][]];
type FewRelFile = Record<string, { tokens: string[]; h: FewRelEntity; t: FewRelEntity }[]>;

/** FewRel instances of the given relations, from both the training and the validation file. */
export function fewrelItems(dataDir: string, relations: readonly string[], perRelation?: number): GoldItem[] {
  const files = ['train_wiki_rebuilt.json', 'val_wiki.json'].map(
    (f) => JSON.parse(readFileSync(join(dataDir, 'fewrel', f), 'utf8')) as FewRelFile,
  );
  const items: GoldItem[] = [];
  for (const relation of relations) {
    const instances = files.flatMap((file) => file[relation] ?? []);
    if (instances.length === 0) throw new Error(`FewRel has no instances of ${relation}`);
    for (const instance of instances.slice(0, perRelation ?? instances.length)) {
      items.push({ tokens: instance.tokens, head: instance.h[2][0]!, tail: instance.t[2][0]!, gold: relation });
    }
  }
  return items;
}

type WikiZslFile = Record<string, { tokens: string[]; head: number[]; tail: number[] }[]>;

/** Wiki-ZSL instances (sample or full file, same format) of the given relations. */
export function wikizslItems(path: string, relations: readonly string[], perRelation?: number): GoldItem[] {
  const file = JSON.parse(readFileSync(path, 'utf8')) as WikiZslFile;
  const items: GoldItem[] = [];
  for (const relation of relations) {
    for (const instance of (file[relation] ?? []).slice(0, perRelation ?? Infinity)) {
      items.push({ tokens: instance.tokens, head: instance.head, tail: instance.tail, gold: relation });
    }
  }
  return items;
}

/** Relation names and descriptions: FewRel's pid2name.json ({PID: [name, description]}). */
export function fewrelRelations(dataDir: string, ids: readonly string[]): BenchRelation[] {
  const names = JSON.parse(readFileSync(join(dataDir, 'fewrel', 'pid2name.json'), 'utf8')) as Record<string, [string, string]>;
  return ids.map((id) => {
    const entry = names[id];
    if (!entry) throw new Error(`pid2name.json has no entry for ${id}`);
    return { id, name: entry[0], description: entry[1] };
  });
}

/** Wiki-ZSL descriptions are "name is description" strings; split them back at the first " is ". */
export function wikizslRelations(dataDir: string, ids: readonly string[]): BenchRelation[] {
  const texts = JSON.parse(readFileSync(join(dataDir, 'wikizsl', 'relation_descriptions.json'), 'utf8')) as Record<string, string>;
  const pid2name = JSON.parse(readFileSync(join(dataDir, 'fewrel', 'pid2name.json'), 'utf8')) as Record<string, [string, string]>;
  return ids.map((id) => {
    const text = texts[id];
    if (!text) throw new Error(`wikizsl relation_descriptions.json has no entry for ${id}`);
    const known = pid2name[id];
    if (known && text.startsWith(`${known[0]} is `)) return { id, name: known[0], description: text.slice(known[0].length + 4) };
    const cut = text.indexOf(' is ');
    return cut > 0 ? { id, name: text.slice(0, cut), description: text.slice(cut + 4) } : { id, name: text };
  });
}

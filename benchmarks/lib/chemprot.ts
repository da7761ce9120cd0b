/**
 * ChemProt items: "<< head >>" and "[[ tail ]]" mark the entities in its text; the markers are
 * stripped and the entities kept as character spans. Labels become the team's relation ids
 * ("chemprot:LABEL", training/data/relation_descriptions.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractItem } from '../../src/index.js';

export function chemprotItems(dataDir: string, file: string, perLabel: number, known?: (id: string) => boolean): { items: ExtractItem[]; gold: string[] } {
  const counts = new Map<string, number>();
  const items: ExtractItem[] = [];
  const gold: string[] = [];
  for (const line of readFileSync(join(dataDir, 'extra', 'chemprot', file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { text, label } = JSON.parse(line) as { text: string; label: string };
    const id = `chemprot:${label}`;
    if ((known !== undefined && !known(id)) || (counts.get(id) ?? 0) >= perLabel) continue;
    let plain = '';
    let last = 0;
    const spans: Record<'head' | 'tail', { start: number; end: number } | undefined> = { head: undefined, tail: undefined };
    for (const match of text.matchAll(/<< (.+?) >>|\[\[ (.+?) \]\]/g)) {
      plain += text.slice(last, match.index);
      const inner = match[1] ?? (match[2] as string);
      spans[match[1] !== undefined ? 'head' : 'tail'] = { start: plain.length, end: plain.length + inner.length };
      plain += inner;
      last = match.index + match[0].length;
    }
    plain += text.slice(last);
    if (!spans.head || !spans.tail) continue;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    items.push({ text: plain, head: spans.head, tail: spans.tail });
    gold.push(id);
  }
  return { items, gold };
}

/**
 * labelDocument (src/documents/labelDocument.ts): a document labelled by its entities and triples
 * becomes the labelled pairs fitCalibration takes, paired exactly as extractDocument pairs.
 */
import { describe, expect, it } from 'vitest';
import { isZsreError, type Extractor, type ExtractItem, type ExtractResult } from '../src/index.js';
import { extractDocument, labelDocument } from '../src/kg.js';

const text =
  'Marie Curie was born in Warsaw in 1867. She studied at the University of Paris, where she met Pierre Curie, whom she married in 1895. ' +
  'Their daughter Irène Joliot-Curie also won the Nobel Prize in Chemistry.';
const entities = ['Marie Curie', 'Warsaw', 'University of Paris', 'Pierre Curie', 'Irène Joliot-Curie'];

/** An extractor stand-in that records the items extractDocument sends and answers "no relation". */
function recorder(): { extractor: Pick<Extractor, 'extractBatch'>; items: ExtractItem[] } {
  const items: ExtractItem[] = [];
  const extractBatch = async (batch: ExtractItem[]): Promise<ExtractResult[]> => {
    items.push(...batch);
    return batch.map((item) => {
      const span = (ref: unknown) => ({ ...(ref as { start: number; end: number }), text: '' });
      const { head, tail } = item as { head: unknown; tail: unknown };
      return { relation: null, candidates: [], reranked: false, head: span(head), tail: span(tail) };
    });
  };
  return { extractor: { extractBatch }, items };
}

describe('labelDocument', () => {
  it('labels every pair extractDocument classifies, with the triples between them or null', async () => {
    const triples = [
      { head: 'Marie Curie', tail: 'Warsaw', relation: 'P19' },
      { head: 'Pierre Curie', tail: 'University of Paris', relation: 'P108' },
      { head: 'Pierre Curie', tail: 'University of Paris', relation: 'P69' },
      // Across sentences: extractDocument pairs by sentence by default, so this pair is not classified.
      { head: 'Irène Joliot-Curie', tail: 'Marie Curie', relation: 'P25' },
    ];
    const { pairs, unpaired } = labelDocument({ text, entities, triples, group: 'curie' });
    const { extractor, items } = recorder();
    await extractDocument(extractor, { text, entities });
    expect(pairs.map(({ relation: _relation, group: _group, ...item }) => item)).toEqual(items);
    type SpanPair = { text: string; head: { start: number; end: number }; tail: { start: number; end: number }; relation: unknown };
    const labelOf = (head: string, tail: string) =>
      (pairs as unknown as SpanPair[]).find((pair) => pair.text.slice(pair.head.start, pair.head.end) === head && pair.text.slice(pair.tail.start, pair.tail.end) === tail)?.relation;
    expect(labelOf('Marie Curie', 'Warsaw')).toBe('P19');
    expect(labelOf('Warsaw', 'Marie Curie')).toBeNull();
    expect(labelOf('Pierre Curie', 'University of Paris')).toEqual(['P108', 'P69']);
    expect(pairs.filter((pair) => pair.relation !== null)).toHaveLength(2);
    expect(pairs.every((pair) => pair.group === 'curie')).toBe(true);
    expect(unpaired).toEqual([triples[3]]);
    // With pairs: 'all' the cross-sentence triple is a pair too.
    expect(labelDocument({ text, entities, triples, pairs: 'all' }).unpaired).toEqual([]);
  });

  it('refuses a triple whose entity is not listed, and unknown fields', () => {
    const error = (() => {
      try {
        labelDocument({ text, entities: entities.slice(0, 2), triples: [{ head: 'Marie Curie', tail: 'Pierre Curie', relation: 'P26' }] });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(isZsreError(error) && error.message).toMatch(/triple 0's tail "Pierre Curie" \[\d+, \d+\) is not one of the document's entities: list it in entities/);
    expect(() => labelDocument({ text, entities, triples: [], label: 1 } as never)).toThrow(/label/);
  });
});

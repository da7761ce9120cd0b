import { describe, expect, it } from 'vitest';
import { prepareLine } from '../src/batch/index.js';
import { editDistance, misspelledField } from '../src/batch/fieldTypos.js';

const line = (value: unknown) => prepareLine({ ok: true, line: 3, value } as Parameters<typeof prepareLine>[0]);
const item = { text: 'Marie Curie was born in Warsaw.', head: 'Marie Curie', tail: 'Warsaw', id: 'x' };

describe('input lines: a misspelt field is an error, other extra fields pass', () => {
  it.each([
    ['headid', 'headId'],
    ['tail_id', 'tailId'],
    ['Tokens', 'tokens'],
    ['entites', 'entities'],
    ['direction', 'directions'],
    ['maxTokenDist', 'maxTokenDistance'],
    ['windowSentence', 'windowSentences'],
    ['heads', 'head'],
  ])('%s is refused as a misspelt %s', (field, meant) => {
    const prepared = line({ ...item, [field]: 1 });
    expect(prepared).toEqual({
      line: 3,
      record: { line: 3, id: 'x', error: { code: 'INVALID_INPUT', message: expect.stringContaining(`"${field}" looks like a misspelt "${meant}"`) } },
    });
  });

  it('a document line with a misspelt option is refused, not run with the default', () => {
    const prepared = line({ text: 'Marie Curie was born in Warsaw.', maxTokenDist: 3 });
    expect('record' in prepared && 'error' in prepared.record && prepared.record.error.code).toBe('INVALID_INPUT');
  });

  it.each(['gold', 'relation', 'source', 'label', 'title', 'type', 'header', 'meta', 'ids'])('%s passes as extra data', (field) => {
    const prepared = line({ ...item, [field]: 'anything' });
    expect('item' in prepared && prepared.item).toEqual({ text: item.text, head: item.head, tail: item.tail, id: 'x' });
  });

  it('the line fields themselves are never flagged', () => {
    expect(misspelledField(['text', 'tokens', 'head', 'tail', 'id', 'headId', 'tailId', 'entities', 'maxTokenDistance', 'directions', 'pairs', 'windowSentences'])).toBeUndefined();
  });

  it('edit distance counts a swap of neighbours as one', () => {
    expect(editDistance('tail', 'tial')).toBe(1);
    expect(editDistance('headid', 'header')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { type FingerprintInput, labelFingerprint } from '../src/labels/fingerprint.js';

const base: FingerprintInput = {
  biEncoderSha256: 'a'.repeat(64),
  precision: 'int8',
  tokenizerFiles: [
    { file: 'tokenizer.json', sha256: 'c'.repeat(64) },
    { file: 'tokenizer_config.json', sha256: 'd'.repeat(64) },
  ],
  lowercase: true,
  markers: { headStart: '#', headEnd: '#', tailStart: '@', tailEnd: '@' },
  template: '{name} is {description}',
  nameOnlyTemplate: '{name}',
  descriptionMaxLength: 64,
  relations: [
    { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
    { id: 'P19', name: 'place of birth' },
  ],
};

describe('labelFingerprint', () => {
  it('is stable for the same input', () => {
    expect(labelFingerprint(base)).toBe(labelFingerprint(structuredClone(base)));
    expect(labelFingerprint(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['the model file', { biEncoderSha256: 'b'.repeat(64) }],
    ['the precision', { precision: 'fp32' }],
    ['the tokenizer vocabulary file', { tokenizerFiles: [{ file: 'tokenizer.json', sha256: 'e'.repeat(64) }, base.tokenizerFiles[1]!] }],
    ['the tokenizer config file', { tokenizerFiles: [base.tokenizerFiles[0]!, { file: 'tokenizer_config.json', sha256: 'e'.repeat(64) }] }],
    ['a tokenizer file added', { tokenizerFiles: [...base.tokenizerFiles, { file: 'vocab.txt', sha256: 'e'.repeat(64) }] }],
    ['the lowercase setting', { lowercase: false }],
    ['a marker', { markers: { ...base.markers, tailStart: '$' } }],
    ['the template', { template: '{name}: {description}' }],
    ['the name-only template', { nameOnlyTemplate: 'relation {name}' }],
    ['the description length', { descriptionMaxLength: 32 }],
    ['a relation id', { relations: [{ ...base.relations[0]!, id: 'P27' }, base.relations[1]!] }],
    ['a relation name', { relations: [{ ...base.relations[0]!, name: 'husband' }, base.relations[1]!] }],
    ['a relation description', { relations: [{ ...base.relations[0]!, description: 'married to' }, base.relations[1]!] }],
    ['a description added', { relations: [base.relations[0]!, { ...base.relations[1]!, description: 'born in' }] }],
    ['the relation order', { relations: [base.relations[1]!, base.relations[0]!] }],
    ['a relation removed', { relations: [base.relations[0]!] }],
  ] as const)('changes when %s changes', (_, change) => {
    expect(labelFingerprint({ ...base, ...change })).not.toBe(labelFingerprint(base));
  });

  it('keeps field boundaries apart', () => {
    const a = labelFingerprint({ ...base, relations: [{ id: 'ab', name: 'c' }] });
    const b = labelFingerprint({ ...base, relations: [{ id: 'a', name: 'bc' }] });
    expect(a).not.toBe(b);
  });
});

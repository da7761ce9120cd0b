import { describe, expect, it } from 'vitest';
import { pairEntities, segmentSentences, sentenceAt } from '../src/pairs/index.js';

const sentences = (text: string) => segmentSentences(text).map(({ start, end }) => text.slice(start, end));

describe('segmentSentences', () => {
  it('splits at ".", "!" and "?" followed by a space, keeping closing quotes and brackets', () => {
    expect(sentences('Ada wrote notes. Did she? Yes! "It worked." (It did.) Then she left.')).toEqual([
      'Ada wrote notes.',
      'Did she?',
      'Yes!',
      '"It worked."',
      '(It did.)',
      'Then she left.',
    ]);
  });

  it('does not split after abbreviations, initials, dotted acronyms, decimals or inside words', () => {
    expect(sentences('Dr. Smith met Mr. J. K. Rowling in the U.S. capital at 3.5 p.m. on Jan. 4, e.g. at example.com today. She left.')).toEqual([
      'Dr. Smith met Mr. J. K. Rowling in the U.S. capital at 3.5 p.m. on Jan. 4, e.g. at example.com today.',
      'She left.',
    ]);
    expect(sentences('The U.S. economy grew. It was 2.5 percent.')).toEqual(['The U.S. economy grew.', 'It was 2.5 percent.']);
    expect(sentences('Wait... what? Fine.')).toEqual(['Wait...', 'what?', 'Fine.']);
  });

  it('splits at full stops of scripts written without spaces: Chinese and Japanese "。", Hindi "।"', () => {
    expect(sentences('居里夫人出生于华沙。她在巴黎学习！她嫁给了皮埃尔·居里？')).toEqual(['居里夫人出生于华沙。', '她在巴黎学习！', '她嫁给了皮埃尔·居里？']);
    expect(sentences('マリ・キュリーはワルシャワで生まれた。パリで学んだ。')).toEqual(['マリ・キュリーはワルシャワで生まれた。', 'パリで学んだ。']);
    expect(sentences('मैरी क्यूरी का जन्म वारसॉ में हुआ था। उन्होंने पेरिस में पढ़ाई की।')).toEqual(['मैरी क्यूरी का जन्म वारसॉ में हुआ था।', 'उन्होंने पेरिस में पढ़ाई की।']);
  });

  it('ends a sentence at a blank line, covers every non-space character, and handles empty text', () => {
    const text = 'A title without a stop\n\nBody text here. More';
    expect(sentences(text)).toEqual(['A title without a stop', 'Body text here.', 'More']);
    expect(segmentSentences('')).toEqual([]);
    expect(segmentSentences('   ')).toEqual([]);
    const spans = segmentSentences(text);
    expect(sentenceAt(spans, text.indexOf('Body'))).toBe(1);
    expect(sentenceAt(spans, text.indexOf('\n'))).toBe(-1);
  });
});

describe('pairEntities by sentence', () => {
  const text = 'Marie Curie was born in Warsaw. She met Pierre Curie in Paris. Irène was born later.';
  const span = (needle: string) => ({ start: text.indexOf(needle), end: text.indexOf(needle) + needle.length });
  const spans = ['Marie Curie', 'Warsaw', 'Pierre Curie', 'Paris', 'Irène'].map(span);
  const label = (pair: { head: { text: string }; tail: { text: string } }) => `${pair.head.text}>${pair.tail.text}`;

  it('pairs entities of the same sentence, with that sentence as context', () => {
    const pairing = pairEntities(text, spans, { sentences: { spans: segmentSentences(text), maxSentencesApart: 0 } });
    expect(pairing.pairs.map(label)).toEqual(['Marie Curie>Warsaw', 'Warsaw>Marie Curie', 'Pierre Curie>Paris', 'Paris>Pierre Curie']);
    const context = pairing.pairs[2]?.context;
    expect(context && text.slice(context.start, context.end)).toBe('She met Pierre Curie in Paris.');
  });

  it('within a window, pairs entities up to that many sentences apart, with the sentences between as context', () => {
    const pairing = pairEntities(text, spans, { sentences: { spans: segmentSentences(text), maxSentencesApart: 1 } });
    const pairs = pairing.pairs.map(label);
    expect(pairs).toContain('Warsaw>Pierre Curie');
    expect(pairs).toContain('Irène>Paris');
    expect(pairs).not.toContain('Marie Curie>Irène');
    const across = pairing.pairs.find((pair) => label(pair) === 'Warsaw>Pierre Curie')?.context;
    expect(across && text.slice(across.start, across.end)).toBe('Marie Curie was born in Warsaw. She met Pierre Curie in Paris.');
    expect(pairEntities(text, spans).pairs).toHaveLength(20);
  });
});

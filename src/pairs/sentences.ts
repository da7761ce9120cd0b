/**
 * Sentence boundaries of a text, for pairing entities within a sentence. Rule-based, no model:
 *
 * - A sentence ends at "!", "?", "…" (and their full-width forms), at the CJK full stop "。",
 *   the Devanagari danda "।" / "॥", the Arabic question mark "؟", or at "." — each followed by
 *   closing quotes or brackets, which stay with the sentence. A blank line always ends one.
 * - "." does not end a sentence inside a word or number ("3.14", "U.S.A", "example.com"), after a
 *   known abbreviation ("Dr.", "Mr.", "e.g.", "Jan.", "Inc."), after a single letter ("J. K.
 *   Rowling", "U.S."), or before a word that starts in lower case ("the U.S. economy").
 *   Full stops of scripts without spaces ("。", "।") end a sentence with or without a space after.
 *
 * A pure function: text in, [start, end) spans out (trimmed, in order, covering every
 * non-space character of the text).
 */

import { ZsreError } from '../errors.js';

export interface SentenceSpan {
  start: number;
  end: number;
}

// Lower-cased, without the final ".": words after which "." is part of the word.
const abbreviations = new Set(
  (
    'mr mrs ms dr prof st sr jr mt ft rev gen col lt sgt capt cmdr adm gov sen rep pres hon messrs mme mlle ' +
    'vs etc e.g i.e cf al approx ca c no nos vol vols pp p fig figs ed eds est dept univ assn bros inc ltd co corp plc ' +
    'jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun ' +
    'ave blvd rd hwy a.m p.m u.s u.k u.n e.u ph.d b.a m.a b.sc m.sc'
  ).split(' '),
);

// Terminators that end a sentence wherever they stand; "." has the rules above.
const strongStops = new Set(['!', '?', '。', '！', '？', '।', '॥', '؟', '…', '．']);
const closers = new Set(['"', "'", '”', '’', ')', ']', '}', '»', '」', '』', '）', '】']);

export function segmentSentences(text: string): SentenceSpan[] {
  if (typeof text !== 'string') {
    throw new ZsreError('INVALID_INPUT', `segmentSentences(text): text must be a string, received ${text === null ? 'null' : typeof text}.`, { context: { field: 'text' } });
  }
  const ends: number[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '\n' && /^\n[^\S\n]*\n/u.test(text.slice(i, i + 80))) {
      ends.push(i);
      i += 1;
      continue;
    }
    if (!strongStops.has(char) && char !== '.') {
      i += 1;
      continue;
    }
    // The stop and any stops right after it ("?!", "...") and the quotes or brackets closing it.
    let end = i + 1;
    while (end < text.length && (strongStops.has(text[end] as string) || text[end] === '.')) end += 1;
    while (end < text.length && closers.has(text[end] as string)) end += 1;
    if (char === '.' && end === i + 1 && !periodEnds(text, i)) {
      i += 1;
      continue;
    }
    // A Latin stop must be followed by a space or the end; full stops of unspaced scripts need not.
    const spaced = end >= text.length || /\s/u.test(text[end] as string);
    if (spaced || unspacedStop(char)) ends.push(end);
    i = end;
  }
  const spans: SentenceSpan[] = [];
  let start = 0;
  for (const end of [...ends, text.length]) {
    const span = trim(text, start, end);
    if (span !== null) spans.push(span);
    start = end;
  }
  return spans;
}

const unspacedStop = (char: string): boolean => char === '。' || char === '।' || char === '॥' || char === '！' || char === '？' || char === '．';

/** Whether the "." at `at` (alone, not in "...") ends a sentence. */
function periodEnds(text: string, at: number): boolean {
  const next = text[at + 1];
  if (next !== undefined && !/\s/u.test(next) && !closers.has(next)) return false; // 3.14, U.S.A, example.com
  const word = /[\p{L}\p{N}.'’-]*$/u.exec(text.slice(Math.max(0, at - 40), at))?.[0] ?? '';
  const bare = word.replace(/^['’-]+/u, '');
  if (abbreviations.has(bare.toLowerCase())) return false;
  if (/^\p{Lu}$/u.test(bare)) return false; // an initial: "J. K. Rowling"
  if (/^(\p{L}\.)+\p{L}$/u.test(bare)) return false; // "U.S", "e.g" written without the last "."
  const after = /^\s*[\p{Ps}"'“‘]*(\S)/u.exec(text.slice(at + 1, at + 40))?.[1];
  if (after !== undefined && /\p{Ll}/u.test(after)) return false; // "... the U.S. economy"
  return true;
}

function trim(text: string, start: number, end: number): SentenceSpan | null {
  let from = start;
  let to = end;
  while (from < to && /\s/u.test(text[from] as string)) from += 1;
  while (to > from && /\s/u.test(text[to - 1] as string)) to -= 1;
  return from < to ? { start: from, end: to } : null;
}

/** The index of the sentence holding `offset`, or -1 when it falls in no sentence (whitespace between two). */
export function sentenceAt(sentences: readonly SentenceSpan[], offset: number): number {
  let low = 0;
  let high = sentences.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const sentence = sentences[middle] as SentenceSpan;
    if (offset < sentence.start) high = middle - 1;
    else if (offset >= sentence.end) low = middle + 1;
    else return middle;
  }
  return -1;
}

/** Which entity pairs of a text are classified: see PairScopeOptions. */
export type PairScope = 'sentence' | 'window' | 'all';

export interface PairScopeOptions {
  /**
   * 'sentence' (default): entities in the same sentence, each pair classified in its sentence
   * alone. 'window': also entities up to `windowSentences` sentences apart, classified in the
   * sentences from head to tail. 'all': every pair at any distance, classified in the whole text
   * (windowed around the entities when it is long), as before sentence pairing.
   */
  pairs?: PairScope;
  /** For pairs: 'window', how many sentences apart head and tail may be. Default 1. */
  windowSentences?: number;
}

/** The `sentences` option of pairEntities for a scope; undefined for 'all'. Throws on a bad option. */
export function sentencePairing(text: string, options: PairScopeOptions): { spans: SentenceSpan[]; maxSentencesApart: number } | undefined {
  const scope = options.pairs ?? 'sentence';
  if (scope !== 'sentence' && scope !== 'window' && scope !== 'all') {
    throw new ZsreError('INVALID_INPUT', `Invalid pairs option: expected "sentence", "window" or "all", received ${JSON.stringify(scope)}.`, { context: { pairs: scope } });
  }
  const window = options.windowSentences ?? 1;
  if (!Number.isInteger(window) || window < 1) {
    throw new ZsreError('INVALID_INPUT', `Invalid windowSentences: expected a positive whole number of sentences, received ${JSON.stringify(options.windowSentences)}.`, {
      context: { windowSentences: options.windowSentences },
    });
  }
  if (scope === 'all') return undefined;
  return { spans: segmentSentences(text), maxSentencesApart: scope === 'window' ? window : 0 };
}

/**
 * Re-DocRED documents as entity pairs for the document benchmark (benchmarks/documents.ts).
 * Pure: parsed JSON in, pairs out.
 *
 * - Split: the documents are shuffled by a fixed seed (mulberry32) and cut in two parts by
 *   document: `calibration` (thresholds and abstention fits are chosen there) and `measuring`
 *   (every figure reported). No document is in both.
 * - Sentence pairs: for every sentence, every ordered pair of distinct entities that both have a
 *   mention in it (their first mention in that sentence); one pair per (sentence, head, tail).
 * - Window pairs (reported apart): ordered entity pairs that share no sentence but have mentions at
 *   most `window` sentences apart; the closest such mentions, the text from the first of their
 *   sentences to the last.
 * - Gold: Re-DocRED labels are per entity pair. A pair's gold relations are the labels (h, t, r)
 *   whose evidence includes a sentence of the text given, or that have no evidence at all (57% of
 *   Re-DocRED's revised labels carry none, so which sentence states them is unknown). `facts`
 *   holds every label (h, t, r) of the document, whatever its evidence: the looser "is it true"
 *   check reported beside the strict one.
 */

export interface RedocredMention {
  name: string;
  pos: [number, number];
  sent_id: number;
  type: string;
}

export interface RedocredDocument {
  title: string;
  sents: string[][];
  vertexSet: RedocredMention[][];
  labels: { h: number; t: number; r: string; evidence: number[] }[];
}

export interface DocumentPair {
  doc: string;
  kind: 'sentence' | 'window';
  head: number;
  tail: number;
  /** The sentences the text covers (first, last). */
  sentences: [number, number];
  text: string;
  headSpan: { start: number; end: number };
  tailSpan: { start: number; end: number };
  headType: string;
  tailType: string;
  /** Relations stated in the text given (or without evidence). Empty: no relation. */
  gold: string[];
  /** Every relation the document states for (head, tail). */
  facts: string[];
}

/** mulberry32: the same sequence from the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Document indices shuffled by the seed (Fisher-Yates), cut into calibration and measuring parts. */
export function splitDocuments(count: number, seed: number, calibrationCount: number): { calibration: number[]; measuring: number[] } {
  const order = Array.from({ length: count }, (_, index) => index);
  const random = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return { calibration: order.slice(0, calibrationCount), measuring: order.slice(calibrationCount) };
}

/** The text of sentences first..last joined by spaces, with each token's character offset. */
function joinSentences(document: RedocredDocument, first: number, last: number): { text: string; offsets: Map<string, number> } {
  const offsets = new Map<string, number>();
  const words: string[] = [];
  let at = 0;
  for (let s = first; s <= last; s += 1) {
    for (const [index, token] of (document.sents[s] ?? []).entries()) {
      offsets.set(`${s}:${index}`, at);
      words.push(token);
      at += token.length + 1;
    }
  }
  return { text: words.join(' '), offsets };
}

function spanOf(document: RedocredDocument, offsets: Map<string, number>, mention: RedocredMention): { start: number; end: number } {
  const start = offsets.get(`${mention.sent_id}:${mention.pos[0]}`);
  const lastToken = document.sents[mention.sent_id]?.[mention.pos[1] - 1];
  const lastStart = offsets.get(`${mention.sent_id}:${mention.pos[1] - 1}`);
  if (start === undefined || lastToken === undefined || lastStart === undefined) throw new Error(`mention "${mention.name}" lies outside its sentence`);
  return { start, end: lastStart + lastToken.length };
}

/** Spans that overlap without nesting cannot both be marked; the library refuses them. */
const crossing = (a: { start: number; end: number }, b: { start: number; end: number }): boolean =>
  a.start < b.end && b.start < a.end && !((a.start <= b.start && b.end <= a.end) || (b.start <= a.start && a.end <= b.end));
const sameSpan = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start === b.start && a.end === b.end;

export interface PairCounts {
  /** Pairs left out because the two mentions are the same span or partly overlap. */
  overlapping: number;
}

/** The sentence pairs and window pairs of one document (window 0: none). */
export function documentPairs(document: RedocredDocument, window: number, counts: PairCounts = { overlapping: 0 }): DocumentPair[] {
  const labels = new Map<string, { r: string; evidence: number[] }[]>();
  for (const label of document.labels) {
    const key = `${label.h}:${label.t}`;
    labels.set(key, [...(labels.get(key) ?? []), { r: label.r, evidence: label.evidence }]);
  }
  const relationsOf = (head: number, tail: number, first: number, last: number): { gold: string[]; facts: string[] } => {
    const found = labels.get(`${head}:${tail}`) ?? [];
    const gold = found.filter(({ evidence }) => evidence.length === 0 || evidence.some((s) => s >= first && s <= last)).map(({ r }) => r);
    return { gold: [...new Set(gold)].sort(), facts: [...new Set(found.map(({ r }) => r))].sort() };
  };
  const firstMention = (entity: number, sentence: number): RedocredMention | undefined =>
    document.vertexSet[entity]?.filter((m) => m.sent_id === sentence).sort((a, b) => a.pos[0] - b.pos[0])[0];
  const sentencesOf = document.vertexSet.map((mentions) => new Set(mentions.map((m) => m.sent_id)));
  const pairs: DocumentPair[] = [];
  const make = (kind: DocumentPair['kind'], head: number, tail: number, headMention: RedocredMention, tailMention: RedocredMention): void => {
    const first = Math.min(headMention.sent_id, tailMention.sent_id);
    const last = Math.max(headMention.sent_id, tailMention.sent_id);
    const { text, offsets } = joinSentences(document, first, last);
    const headSpan = spanOf(document, offsets, headMention);
    const tailSpan = spanOf(document, offsets, tailMention);
    if (sameSpan(headSpan, tailSpan) || crossing(headSpan, tailSpan)) {
      counts.overlapping += 1;
      return;
    }
    pairs.push({ doc: document.title, kind, head, tail, sentences: [first, last], text, headSpan, tailSpan, headType: headMention.type, tailType: tailMention.type, ...relationsOf(head, tail, first, last) });
  };
  for (let sentence = 0; sentence < document.sents.length; sentence += 1) {
    const present = sentencesOf.flatMap((sentences, entity) => (sentences.has(sentence) ? [entity] : []));
    for (const head of present) {
      for (const tail of present) {
        if (head === tail) continue;
        make('sentence', head, tail, firstMention(head, sentence) as RedocredMention, firstMention(tail, sentence) as RedocredMention);
      }
    }
  }
  if (window > 0) {
    for (let head = 0; head < document.vertexSet.length; head += 1) {
      for (let tail = 0; tail < document.vertexSet.length; tail += 1) {
        if (head === tail) continue;
        const headSentences = sentencesOf[head] as Set<number>;
        const tailSentences = sentencesOf[tail] as Set<number>;
        if ([...headSentences].some((s) => tailSentences.has(s))) continue;
        let best: [number, number] | undefined;
        for (const a of [...headSentences].sort((x, y) => x - y)) {
          for (const b of [...tailSentences].sort((x, y) => x - y)) {
            const distance = Math.abs(a - b);
            if (distance <= window && (best === undefined || distance < Math.abs(best[0] - best[1]))) best = [a, b];
          }
        }
        if (best === undefined) continue;
        make('window', head, tail, firstMention(head, best[0]) as RedocredMention, firstMention(tail, best[1]) as RedocredMention);
      }
    }
  }
  return pairs;
}

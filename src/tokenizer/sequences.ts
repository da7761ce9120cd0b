import { ZsreError } from '../errors.js';
import { applyWindow, planWindow } from './window.js';

/**
 * Assembly of model inputs from token ids, per docs/model-directory.md ("Text preparation",
 * steps 2-5). Pure functions over id arrays; the tokenizer itself lives in load.ts.
 */

export interface SpecialIds {
  cls: number;
  sep: number;
  pad: number;
  headStart: readonly number[];
  headEnd: readonly number[];
  tailStart: readonly number[];
  tailEnd: readonly number[];
}

/** Token ids of the five segments (see markers/segments.ts), in text order. */
export interface SegmentIds {
  before: readonly number[];
  first: readonly number[];
  between: readonly number[];
  second: readonly number[];
  after: readonly number[];
  headFirst: boolean;
  /** one entity inside the other: markers nest (outer start, inner start, inner end, outer end). */
  nested?: boolean;
}

export interface SentenceSequence {
  ids: number[];
  /** position of the head-start marker's (first) token. */
  headIndex: number;
  /** position of the tail-start marker's (first) token. */
  tailIndex: number;
  /** true when the window dropped tokens. */
  windowed: boolean;
}

/**
 * `[CLS] seg0 M1 seg1 M2 seg2 M3 seg3 M4 seg4 [SEP]`, windowed to `maxLength`. Apart, M1/M2
 * close the first entity and M3/M4 the second; nested, M1/M4 enclose the outer entity and M2/M3
 * the inner one. Either way the first-opened entity's start marker is M1 and the other's is M3
 * (apart) or M2 (nested).
 */
export function buildSentenceSequence(segments: SegmentIds, special: SpecialIds, maxLength: number): SentenceSequence {
  const nested = segments.nested === true;
  const [openFirst, closeFirst, openSecond, closeSecond] = segments.headFirst
    ? [special.headStart, special.headEnd, special.tailStart, special.tailEnd]
    : [special.tailStart, special.tailEnd, special.headStart, special.headEnd];
  const [m1, m2, m3, m4] = nested ? [openFirst, openSecond, closeSecond, closeFirst] : [openFirst, closeFirst, openSecond, closeSecond];
  const fixed = 2 + m1.length + m2.length + m3.length + m4.length;
  const lengths = {
    before: segments.before.length,
    first: segments.first.length,
    between: segments.between.length,
    second: segments.second.length,
    after: segments.after.length,
  };
  const plan = planWindow(lengths, maxLength - fixed, nested);
  if (nested && lengths.between > 0 && plan.betweenHead === 0) throw innerEntityCut(segments.headFirst, lengths.first, maxLength - fixed);
  const kept = applyWindow(segments, plan);
  const ids: number[] = [special.cls, ...kept.before];
  const firstMarkerAt = ids.length;
  ids.push(...m1, ...kept.first);
  const secondIfNested = ids.length;
  ids.push(...m2, ...kept.between);
  const secondIfApart = ids.length;
  ids.push(...m3, ...kept.second, ...m4, ...kept.after, special.sep);
  const secondMarkerAt = nested ? secondIfNested : secondIfApart;
  const total = lengths.before + lengths.first + lengths.between + lengths.second + lengths.after;
  const keptTotal = kept.before.length + kept.first.length + kept.between.length + kept.second.length + kept.after.length;
  return {
    ids,
    headIndex: segments.headFirst ? firstMarkerAt : secondMarkerAt,
    tailIndex: segments.headFirst ? secondMarkerAt : firstMarkerAt,
    windowed: keptTotal < total,
  };
}

/** `[CLS] tokens [SEP]`, truncated to `maxLength` keeping the final [SEP]. */
export function buildDescriptionSequence(tokens: readonly number[], special: SpecialIds, maxLength: number): number[] {
  return [special.cls, ...tokens.slice(0, Math.max(0, maxLength - 2)), special.sep];
}

export interface PairSequence {
  ids: number[];
  typeIds: number[];
  /** the sentence's head-start marker position; the sentence opens the pair, so it holds there too. */
  headIndex: number;
  /** the sentence's tail-start marker position (as headIndex). */
  tailIndex: number;
}

/**
 * Cross-encoder input: `[CLS] sentence body [SEP] description body [SEP]`, where the bodies are
 * the two sequences without their own [CLS]/[SEP]; token types 0 through the first [SEP], 1 after.
 * The marker positions are carried for graphs that pool at the markers (docs/model-directory.md).
 */
export function buildPairSequence(sentence: Pick<SentenceSequence, 'ids' | 'headIndex' | 'tailIndex'>, description: readonly number[]): PairSequence {
  const sentenceBody = sentence.ids.slice(1, -1);
  const descriptionBody = description.slice(1, -1);
  const cls = sentence.ids[0] ?? 0;
  const sep = sentence.ids[sentence.ids.length - 1] ?? 0;
  const ids = [cls, ...sentenceBody, sep, ...descriptionBody, sep];
  const firstPart = sentenceBody.length + 2;
  const typeIds = ids.map((_, position) => (position < firstPart ? 0 : 1));
  return { ids, typeIds, headIndex: sentence.headIndex, tailIndex: sentence.tailIndex };
}

/** Fills `{name}` and `{description}` into the manifest's templates. */
export function descriptionText(
  relation: { name: string; description?: string | undefined },
  templates: { template: string; nameOnlyTemplate: string },
): string {
  const template = relation.description === undefined ? templates.nameOnlyTemplate : templates.template;
  // A function replacement, so "$&"-style patterns in user text are taken literally.
  return template.replace(/\{(name|description)\}/g, (_, key: string) =>
    key === 'name' ? relation.name : (relation.description ?? ''),
  );
}

/**
 * A nested pair whose inner entity starts beyond the window: the outer entity is cut from its
 * end (the contract's rule), which here would leave the inner markers around nothing, so the
 * model would answer for an entity it never saw (every such inner entity would get the same
 * answer). Refused rather than answered, as an empty entity is (EMPTY_ENTITY).
 */
function innerEntityCut(headIsOuter: boolean, innerStart: number, budget: number): ZsreError {
  const [inner, outer] = headIsOuter ? ['tail', 'head'] : ['head', 'tail'];
  return new ZsreError(
    'NESTED_ENTITY_CUT',
    `The ${inner} entity lies inside the ${outer} entity and starts ${innerStart} tokens into it, past the ${budget} tokens ` +
      `the model reads of a sentence, so it would be cut away entirely: give a shorter ${outer} entity (the words nearest ` +
      `the ${inner} one), or split the text.`,
    { context: { innerEntity: inner, innerStartToken: innerStart, budget } },
  );
}

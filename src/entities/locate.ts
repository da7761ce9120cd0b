import { ZsreError } from '../errors.js';
import type { EntityRef, TokenItem } from './schema.js';

/** A character span [start, end) in JS string indices (UTF-16 code units) of the caller's text. */
export interface CharSpan {
  start: number;
  end: number;
}

/** How an entity is named in messages: 'head entity', 'tail entity', or 'entity 3' (extractAll). */
export type EntityRole = string;

/**
 * Resolves one entity reference to a character span. Offsets are plain JS string indices, so
 * they stay valid for emoji, CJK and combining marks: the tokenizer never sees offsets, only the
 * segments cut at these indices.
 */
export function locateEntity(text: string, ref: EntityRef, role: EntityRole): CharSpan {
  const span =
    typeof ref === 'string'
      ? findOccurrence(text, ref, 0, role)
      : 'text' in ref
        ? findOccurrence(text, ref.text, ref.occurrence ?? 0, role)
        : checkSpan(text, ref, role);
  return checkEntityContent(text, span, role);
}

/**
 * Resolves head and tail and checks the text is not empty and the pair can be marked: disjoint,
 * or one strictly inside the other (markers nest: "# Gulf of @ Thailand @ #").
 */
export function locatePair(text: string, head: EntityRef, tail: EntityRef): { head: CharSpan; tail: CharSpan } {
  checkText(text);
  const headSpan = locateEntity(text, head, 'head entity');
  const tailSpan = locateEntity(text, tail, 'tail entity');
  checkPairable(text, headSpan, tailSpan);
  return { head: headSpan, tail: tailSpan };
}

export function checkText(text: string): void {
  if (text.trim().length === 0) {
    throw new ZsreError(
      'EMPTY_TEXT',
      'The text is empty (or only whitespace): pass a sentence that contains both the head and the tail entity.',
    );
  }
}

/** How two spans of one text lie: apart, one inside the other, the same span, or crossing. */
export type SpanRelation = 'disjoint' | 'nested' | 'identical' | 'crossing';

export function spanRelation(a: CharSpan, b: CharSpan): SpanRelation {
  if (a.end <= b.start || b.end <= a.start) return 'disjoint';
  if (a.start === b.start && a.end === b.end) return 'identical';
  const aInB = b.start <= a.start && a.end <= b.end;
  const bInA = a.start <= b.start && b.end <= a.end;
  return aInB || bInA ? 'nested' : 'crossing';
}

/**
 * Head and tail must be markable: disjoint, or one inside the other (the markers nest). The same
 * span twice, or spans that cross ("New York" / "York City"), cannot be marked and are refused.
 */
export function checkPairable(text: string, head: CharSpan, tail: CharSpan): void {
  const relation = spanRelation(head, tail);
  if (relation === 'disjoint' || relation === 'nested') return;
  const fix =
    relation === 'identical'
      ? 'head and tail must be different spans; when both are the same word, pick another occurrence with ' +
        '{ text, occurrence } or give explicit { start, end } spans.'
      : 'head and tail may be apart or one inside the other, but not partly overlapping; give spans that ' +
        'do not cross, e.g. the whole name for one of them.';
  throw new ZsreError(
    'ENTITY_OVERLAP',
    `The head "${text.slice(head.start, head.end)}" [${head.start}, ${head.end}) and the tail ` +
      `"${text.slice(tail.start, tail.end)}" [${tail.start}, ${tail.end}) ${relation === 'identical' ? 'are the same span' : 'partly overlap'}: ${fix}`,
    { context: { head, tail, relation } },
  );
}

/**
 * Characters that carry no content for the model: whitespace, control and format characters
 * (NUL, zero-width space, BOM) and other default-ignorable code points. An entity made only of
 * these would be marked around nothing visible and still get a confident answer.
 */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

export function hasVisibleContent(value: string): boolean {
  return value.replace(INVISIBLE, '').length > 0;
}

function checkEntityContent(text: string, span: CharSpan, role: EntityRole): CharSpan {
  const value = text.slice(span.start, span.end);
  if (!hasVisibleContent(value)) {
    throw new ZsreError(
      'EMPTY_ENTITY',
      `The ${role} ${JSON.stringify(value)} [${span.start}, ${span.end}) holds only whitespace or invisible characters: ` +
        'point it at the words that name the entity.',
      { context: { role, start: span.start, end: span.end } },
    );
  }
  return span;
}

function findOccurrence(text: string, needle: string, occurrence: number, role: EntityRole): CharSpan {
  if (needle.length === 0) {
    throw new ZsreError('ENTITY_NOT_FOUND', `The ${role} is an empty string: pass the entity's text as it appears in the sentence.`, {
      context: { role },
    });
  }
  let from = 0;
  let found = -1;
  let seen = 0;
  for (;;) {
    const at = text.indexOf(needle, from);
    if (at < 0) break;
    if (seen === occurrence) {
      found = at;
      break;
    }
    seen += 1;
    // Occurrences may overlap ("aa" in "aaa" occurs at 0 and 1), so step by one code unit.
    from = at + 1;
  }
  if (found < 0) {
    const hint =
      seen === 0
        ? 'it does not occur in the text (the match is exact and case-sensitive); pass the text as written or a { start, end } span'
        : `it occurs only ${seen} time(s), occurrence ${occurrence} was asked for (occurrences are 0-based)`;
    throw new ZsreError('ENTITY_NOT_FOUND', `The ${role} "${needle}" was not found: ${hint}.`, {
      context: { role, entity: needle, occurrence, occurrences: seen },
    });
  }
  return { start: found, end: found + needle.length };
}

function checkSpan(text: string, span: CharSpan, role: EntityRole): CharSpan {
  const { start, end } = span;
  if (!(start >= 0 && start < end && end <= text.length)) {
    throw new ZsreError(
      'SPAN_OUT_OF_RANGE',
      `The ${role} span [${start}, ${end}) is out of range for a text of length ${text.length}: ` +
        'spans are [start, end) JS string indices with 0 <= start < end <= text.length.',
      { context: { role, start, end, textLength: text.length } },
    );
  }
  if (splitsSurrogatePair(text, start) || splitsSurrogatePair(text, end)) {
    throw new ZsreError(
      'SPAN_OUT_OF_RANGE',
      `The ${role} span [${start}, ${end}) cuts an emoji or other astral character in half: ` +
        'JS string indices count UTF-16 code units, and such characters take two; move the boundary by one.',
      { context: { role, start, end } },
    );
  }
  return { start, end };
}

function splitsSurrogatePair(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return false;
  const before = text.charCodeAt(index - 1);
  const after = text.charCodeAt(index);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/**
 * FewRel form: the text is the tokens joined with one space, and an entity covers its lowest to
 * its highest token index (FewRel lists every token of a mention).
 */
export function tokenItemToText(item: TokenItem): { text: string; head: CharSpan; tail: CharSpan } {
  const text = item.tokens.join(' ');
  checkText(text);
  const starts: number[] = [];
  let offset = 0;
  for (const token of item.tokens) {
    starts.push(offset);
    offset += token.length + 1;
  }
  const toSpan = (indices: readonly number[], role: EntityRole): CharSpan => {
    const first = Math.min(...indices);
    const last = Math.max(...indices);
    if (last >= item.tokens.length) {
      throw new ZsreError(
        'SPAN_OUT_OF_RANGE',
        `The ${role} token index ${last} is out of range: the item has ${item.tokens.length} tokens (indices are 0-based).`,
        { context: { role, index: last, tokenCount: item.tokens.length } },
      );
    }
    const start = starts[first] ?? 0;
    const end = (starts[last] ?? 0) + (item.tokens[last]?.length ?? 0);
    if (end <= start || !hasVisibleContent(text.slice(start, end))) {
      throw new ZsreError('EMPTY_ENTITY', `The ${role} tokens [${first}..${last}] are empty or only whitespace and invisible characters: point the indices at real words.`, {
        context: { role, first, last },
      });
    }
    return { start, end };
  };
  const head = toSpan(item.head, 'head entity');
  const tail = toSpan(item.tail, 'tail entity');
  checkPairable(text, head, tail);
  return { text, head, tail };
}

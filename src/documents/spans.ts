import { ZsreError } from '../errors.js';
import type { EntityRef } from '../schemas.js';

export interface CharSpan {
  start: number;
  end: number;
}

/**
 * An entity reference as the extractor takes it (a string, {text, occurrence} or {start, end}),
 * resolved to a character span of the text, so pairs can be measured and de-duplicated.
 */
export function resolveEntity(text: string, entity: EntityRef, position: number): CharSpan {
  if (typeof entity === 'object' && 'start' in entity) {
    if (!Number.isInteger(entity.start) || !Number.isInteger(entity.end) || entity.start < 0 || entity.end > text.length || entity.start >= entity.end) {
      throw new ZsreError('SPAN_OUT_OF_RANGE', `Entity ${position} has span [${entity.start}, ${entity.end}) outside the text of length ${text.length}: pass 0 <= start < end <= text.length.`, {
        context: { entity: position },
      });
    }
    return { start: entity.start, end: entity.end };
  }
  const needle = typeof entity === 'string' ? entity : entity.text;
  const occurrence = typeof entity === 'string' ? 0 : (entity.occurrence ?? 0);
  let found = -1;
  for (let seen = 0, from = 0; seen <= occurrence; seen += 1) {
    found = needle === '' ? -1 : text.indexOf(needle, from);
    if (found === -1) break;
    from = found + 1;
  }
  if (found === -1) {
    throw new ZsreError('ENTITY_NOT_FOUND', `Entity ${position} ${JSON.stringify(needle)} (occurrence ${occurrence}) was not found in the text: the match is exact and case-sensitive; pass the text as written or a { start, end } span.`, {
      context: { entity: position },
    });
  }
  return { start: found, end: found + needle.length };
}

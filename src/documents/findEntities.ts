import nlp from 'compromise';
import { ZsreError } from '../errors.js';
import type { Span } from '../schemas.js';

export type EntityKind = 'person' | 'place' | 'organization';

export interface FoundEntity extends Span {
  kind: EntityKind;
}

interface CompromiseMatch {
  text: string;
  offset: { start: number; length: number };
}

// Punctuation compromise keeps on the edge of a match ("Curie." at a sentence end).
const edgePunctuation = /^[\s"'“”‘’(\[{]+|[\s"'“”‘’)\]},.;:!?]+$/gu;

/**
 * Candidate entities from compromise's rule-based tagger (people, places, organisations): no
 * model, offline, fast, and rough — it misses many names and finds some that are not (see
 * benchmarks/results/entities-compromise.json). A convenience for when no entities are given;
 * pass your own (from an NER model or your data) for anything that matters.
 */
export function findEntities(text: string): FoundEntity[] {
  if (typeof text !== 'string') {
    throw new ZsreError('INVALID_INPUT', `findEntities(text): text must be a string, received ${text === null ? 'null' : typeof text}.`, { context: { field: 'text' } });
  }
  const doc = nlp(text);
  const kinds: [EntityKind, CompromiseMatch[]][] = [
    ['person', doc.people().json({ offset: true }) as CompromiseMatch[]],
    ['place', doc.places().json({ offset: true }) as CompromiseMatch[]],
    ['organization', doc.organizations().json({ offset: true }) as CompromiseMatch[]],
  ];
  const found: FoundEntity[] = [];
  for (const [kind, matches] of kinds) {
    for (const match of matches) {
      const raw = text.slice(match.offset.start, match.offset.start + match.offset.length);
      const leading = raw.length - raw.replace(/^[\s"'“”‘’(\[{]+/u, '').length;
      const trimmed = raw.replace(edgePunctuation, '');
      if (trimmed === '') continue;
      const start = match.offset.start + leading;
      const end = start + trimmed.length;
      if (!found.some((entity) => entity.start === start && entity.end === end)) found.push({ start, end, text: text.slice(start, end), kind });
    }
  }
  return found.sort((a, b) => a.start - b.start || a.end - b.end);
}

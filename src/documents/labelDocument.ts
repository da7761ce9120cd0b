import { z } from 'zod';
import type { LabelledPair } from '../calibration/fitCalibration.js';
import { locateEntity } from '../entities/locate.js';
import { ZsreError } from '../errors.js';
import { pairItem } from '../pairs/classifyPairs.js';
import { entityRefSchema, parseInput, type EntityRef } from '../schemas.js';
import { type DocumentInput, documentInputShape, documentPairing } from './extractDocument.js';

/** A relation that holds in a labelled document: head and tail as its entities are given. */
export interface DocumentTriple {
  head: EntityRef;
  tail: EntityRef;
  relation: string;
}

/** A document with the triples it states among its entities: every other pair holds none. */
export interface LabelledDocumentInput extends DocumentInput {
  entities: EntityRef[];
  triples: DocumentTriple[];
  /** keeps the document's pairs together in fitCalibration's folds (default: its text). */
  group?: string;
}

export interface LabelledDocument {
  /** Every pair extractDocument would classify, labelled with the triples' relations or null. */
  pairs: LabelledPair[];
  /** Triples whose pair extractDocument would not classify (further apart than `pairs` reaches, overlapping entities). */
  unpaired: DocumentTriple[];
}

const labelledDocumentSchema: z.ZodType<LabelledDocumentInput> = z
  .object({
    ...documentInputShape,
    entities: z.array(entityRefSchema),
    triples: z.array(z.object({ head: entityRefSchema, tail: entityRefSchema, relation: z.string().min(1) }).strict()),
    group: z.string().optional(),
  })
  .strict();

/**
 * Labelled pairs for fitCalibration from a document labelled the easy way: its entities and the
 * triples it states. The pairs are those extractDocument classifies with the same options (the
 * same pairing code, so a calibration is fitted on the pairs extraction will see), each labelled
 * with the relations of the triples between its two entities, or null. A triple names its head and
 * tail as the entities are given (the same string or span); one that names no listed entity is an
 * error, one whose pair is not classified (too far apart for `pairs`) comes back in `unpaired`.
 */
export function labelDocument(input: LabelledDocumentInput): LabelledDocument {
  const checked = parseInput(labelledDocumentSchema, input, 'labelDocument input');
  const { text } = checked;
  const pairing = documentPairing(checked);
  const entityKeys = new Set(pairing.entities.map((entity) => `${entity.start}:${entity.end}`));
  const relationsOf = new Map<string, string[]>();
  const tripleKeys = checked.triples.map((triple, position) => {
    const head = locateEntity(text, triple.head, `triple ${position} head`);
    const tail = locateEntity(text, triple.tail, `triple ${position} tail`);
    for (const [side, span] of [['head', head], ['tail', tail]] as const) {
      if (!entityKeys.has(`${span.start}:${span.end}`)) {
        throw new ZsreError(
          'INVALID_INPUT',
          `labelDocument: triple ${position}'s ${side} "${text.slice(span.start, span.end)}" [${span.start}, ${span.end}) is not one of the document's entities: list it in entities (the same string or span).`,
          { context: { triple: position, side } },
        );
      }
    }
    const key = `${head.start}:${head.end}>${tail.start}:${tail.end}`;
    relationsOf.set(key, [...new Set([...(relationsOf.get(key) ?? []), triple.relation])]);
    return key;
  });
  const group = checked.group ?? text;
  const paired = new Set<string>();
  const pairs = pairing.pairs.map((pair): LabelledPair => {
    const key = `${pair.head.start}:${pair.head.end}>${pair.tail.start}:${pair.tail.end}`;
    paired.add(key);
    const relations = relationsOf.get(key);
    return { ...pairItem(text, pair), relation: relations === undefined ? null : relations.length === 1 ? (relations[0] as string) : relations, group };
  });
  return { pairs, unpaired: checked.triples.filter((_, position) => !paired.has(tripleKeys[position] as string)) };
}

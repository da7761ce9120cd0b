import { normaliseEntityType as normalise } from '../entities/schema.js';
import type { Relation } from './schema.js';

/**
 * Entity-type constraints: a relation that declares `headTypes` / `tailTypes` is never the answer
 * (nor a listed candidate) for a pair whose head / tail has a known type outside that list. Why: on
 * real text most entity pairs hold no relation, and a relation that cannot link these two kinds of
 * thing ("place of birth" between two organisations) is a wrong answer (issue 21). The excluded
 * relations still take their share of the probability (src/fusion/fuse.ts): a pair whose strongest
 * candidate is impossible for its types mostly holds nothing, and handing that share to the
 * runner-up answered such pairs wrongly (bench:documents: F1 35.6 against 39.3 at the default
 * threshold). A side whose type is unknown, or a relation that declares no types for that side,
 * constrains nothing. Types compare without regard to case or surrounding spaces ("PER" = "per").
 */

/** Which relations a pair may hold, by position in the relation list; null: all of them. */
export type Admissible = ((index: number) => boolean) | null;

export interface TypedRelations {
  /** The filter for one pair's entity types (shared by every pair with the same two types). */
  admissible(headType: string | undefined, tailType: string | undefined): Admissible;
}

export function typedRelations(relations: readonly Relation[]): TypedRelations {
  const heads = relations.map((relation) => (relation.headTypes === undefined ? null : new Set(relation.headTypes.map(normalise))));
  const tails = relations.map((relation) => (relation.tailTypes === undefined ? null : new Set(relation.tailTypes.map(normalise))));
  const declared = heads.some((set) => set !== null) || tails.some((set) => set !== null);
  const masks = new Map<string, Admissible>();
  return {
    admissible(headType, tailType) {
      if (!declared || (headType === undefined && tailType === undefined)) return null;
      const head = headType === undefined ? undefined : normalise(headType);
      const tail = tailType === undefined ? undefined : normalise(tailType);
      const key = JSON.stringify([head ?? null, tail ?? null]);
      let filter = masks.get(key);
      if (filter === undefined) {
        const allowed = relations.map(
          (_, index) => (head === undefined || (heads[index]?.has(head) ?? true)) && (tail === undefined || (tails[index]?.has(tail) ?? true)),
        );
        filter = allowed.every(Boolean) ? null : (index: number) => allowed[index] === true;
        masks.set(key, filter);
      }
      return filter;
    },
  };
}

import type { Relation } from '../relations/schema.js';
import type { ExampleVectors } from './exampleVectors.js';
import { backgroundLevel, type ExampleRule, prototypeOf } from './rule.js';

/** A relation's example evidence: how many examples, their vectors, and their prototype. */
export interface RelationPrototype {
  count: number;
  vectors: readonly Float32Array[];
  prototype: Float32Array;
}

/**
 * What the pipeline reads about examples in one call: prototypes by relation position, and the
 * rule that blends them with the description score. Immutable: adding examples to a live
 * extractor builds a new one, and a call keeps the one it started with, so a call's answers never
 * depend on an update that landed half-way through it.
 */
export interface ExampleState {
  readonly prototypes: ReadonlyMap<number, RelationPrototype>;
  readonly rule: ExampleRule;
  /** the set's background level (rule.ts), or the rule's own where the set cannot give one. */
  readonly background: number;
}

export function exampleState(prototypes: ReadonlyMap<number, RelationPrototype>, rule: ExampleRule): ExampleState {
  return { prototypes, rule, background: backgroundLevel([...prototypes.values()]) ?? rule.background };
}

export function relationPrototype(vectors: readonly Float32Array[]): RelationPrototype | null {
  const prototype = prototypeOf(vectors);
  return prototype === null ? null : { count: vectors.length, vectors, prototype };
}

/** Encodes the examples of every relation that has some (cached ones are read, not encoded). */
export async function buildExampleState(relations: readonly Relation[], encoder: ExampleVectors, rule: ExampleRule): Promise<ExampleState> {
  const prototypes = new Map<number, RelationPrototype>();
  for (const [index, relation] of relations.entries()) {
    if (relation.examples === undefined || relation.examples.length === 0) continue;
    const entry = relationPrototype(await encoder.encode(relation.id, relation.examples));
    if (entry !== null) prototypes.set(index, entry);
  }
  return exampleState(prototypes, rule);
}

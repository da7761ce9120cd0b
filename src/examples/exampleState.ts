import type { FusionParams } from '../fusion/fuse.js';
import { noneLogit } from '../fusion/fuse.js';
import type { Relation, RelationExample } from '../relations/schema.js';
import { adaptDescriptions, type DescriptionSpace, type ExampleRule, shotOffset } from './adapt.js';
import type { ExampleVectors } from './exampleVectors.js';

/**
 * What the pipeline reads about examples in one call: per taught relation (by position in the
 * relation list) its example vectors and its adapted vector (adapt.ts), and the rule that made
 * them. Immutable: adding examples to a live extractor builds a new state, and a call keeps the
 * one it started with, so a call's answers never depend on an update that landed half-way.
 */
export interface ExampleState {
  /** example vectors of every relation that has examples. */
  readonly taught: ReadonlyMap<number, readonly Float32Array[]>;
  /** vectors of the examples that hold none of the relations. */
  readonly none: readonly Float32Array[];
  /** the vector a taught relation is scored with, in place of its description vector. */
  readonly adapted: ReadonlyMap<number, Float32Array>;
  /** what is subtracted from a taught relation's adapted score: its shot penalty (adapt.ts shotOffset). */
  readonly offsets: ReadonlyMap<number, number>;
  readonly rule: ExampleRule;
}

/** What fitting the adapted vectors needs besides the examples: the description space and the bi-only fusion. */
export interface ExampleContext {
  descriptions: DescriptionSpace;
  /** whether the relation at this position has a description (false: its name only). */
  described: (index: number) => boolean;
  biOnlyFusion: FusionParams;
  rule: ExampleRule;
}

export function exampleState(taught: ReadonlyMap<number, readonly Float32Array[]>, none: readonly Float32Array[], context: ExampleContext): ExampleState {
  const { biOnlyFusion, rule } = context;
  const adapted = adaptDescriptions(
    [...taught].map(([index, vectors]) => ({ index, vectors, described: context.described(index) })),
    context.descriptions,
    { biWeight: biOnlyFusion.biWeight, noneLogit: (sentence) => noneLogit(biOnlyFusion, sentence) },
    rule,
    none,
  );
  const offsets = new Map([...adapted.keys()].map((index) => [index, shotOffset(rule, taught.get(index)?.length ?? 0, context.described(index), biOnlyFusion.biWeight, none.length)]));
  return { taught, none, adapted, offsets, rule };
}

/** The id "no relation" examples are encoded and cached under, and named by in errors. */
export const NONE_EXAMPLES_ID = '(no relation)';

/** Encodes the examples of every relation that has some, and the "no relation" ones (cached ones are read, not encoded). */
export async function buildExampleState(relations: readonly Relation[], noneExamples: readonly RelationExample[], encoder: ExampleVectors, context: ExampleContext): Promise<ExampleState> {
  const taught = new Map<number, readonly Float32Array[]>();
  for (const [index, relation] of relations.entries()) {
    if (relation.examples === undefined || relation.examples.length === 0) continue;
    const vectors = await encoder.encode(relation.id, relation.examples);
    if (vectors.length > 0) taught.set(index, vectors);
  }
  return exampleState(taught, await encoder.encode(NONE_EXAMPLES_ID, noneExamples), context);
}

import { fuse, type FusionParams } from '../fusion/fuse.js';
import type { Hit } from '../labels/topK.js';
import type { Admissible } from '../relations/types.js';
import type { Candidate, ExtractResult, Relation } from '../schemas.js';
import type { PreparedItem } from './prepare.js';

/**
 * Turns one item's re-scored candidates into its result: fuse, abstain, order best first.
 * `crossScores` is null in bi-encoder-only mode (or where the gate skipped the cross-encoder), and
 * null for a candidate left unscored under the candidate floor (crossGate.ts); `sentence` (the bi-encoder vector) feeds the
 * model's none vector, where it has one. `admissible` (the pair's entity types against the
 * relations' declared ones, src/relations/types.ts) removes impossible relations from the answer
 * and the candidate list; their probability stays out of the others' (fuse.ts says why).
 */
export function rankCandidates(
  item: PreparedItem,
  hits: readonly Hit[],
  crossScores: readonly (number | null)[] | null,
  relations: readonly Relation[],
  params: FusionParams,
  sentence?: Float32Array,
  admissible: Admissible = null,
): ExtractResult {
  const scored = hits.map((hit, position) => ({
    biScore: hit.score,
    crossScore: crossScores === null ? null : (crossScores[position] ?? null),
    relation: hit.index,
  }));
  const answerable = admissible === null ? undefined : (position: number) => admissible((hits[position] as Hit).index);
  const fused = fuse(scored, params, sentence, answerable);
  const candidates: Candidate[] = hits.map((hit, position) => {
    const relation = relations[hit.index] as Relation;
    return {
      id: relation.id,
      name: relation.name,
      probability: fused.probabilities[position] ?? 0,
      biScore: hit.score,
      crossScore: scored[position]?.crossScore ?? null,
    };
  });
  const best = fused.best === null ? null : (candidates[fused.best] ?? null);
  const result: ExtractResult = {
    relation: best === null ? null : { id: best.id, name: best.name, probability: best.probability },
    // Stable sort: equal probabilities keep the bi-encoder's order.
    candidates: candidates.filter((_, position) => answerable?.(position) ?? true).sort((a, b) => b.probability - a.probability),
    reranked: crossScores !== null,
    head: item.head,
    tail: item.tail,
  };
  return item.id === undefined ? result : { id: item.id, ...result };
}

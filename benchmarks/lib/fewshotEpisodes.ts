/**
 * N-way K-shot episodes over precomputed bi-encoder vectors, scored with the library's own example
 * rule (src/examples/adapt.ts) and fusion (src/fusion/fuse.ts), and the fit of that rule.
 * Pure: vectors and a seed in, numbers out. benchmarks/fewshot.ts checks on sampled episodes that
 * the public API (createExtractor with relations that carry examples) gives the same answers.
 */
import { adaptDescriptions, adaptedScore, type ExampleRule, prototypeOf, shotOffset } from '../../src/examples/adapt.js';
import { fuse, type FusionParams, noneLogit } from '../../src/fusion/fuse.js';
import { exactSearch } from '../../src/labels/exact.js';

/** Vectors of one data source: per relation its description vector, support sentences and query sentences. */
export interface VectorPool {
  name: string;
  relations: string[];
  description: Map<string, Float32Array>;
  /** where examples are drawn from. */
  support: Map<string, Float32Array[]>;
  /** where queries are drawn from; the same arrays as `support` when the source has one part (draws never overlap). */
  query: Map<string, Float32Array[]>;
  /** queries whose relation is none of the episode's (FewRel 2.0 none-of-the-above); default: the pool's other relations. */
  outside?: Float32Array[];
}

export interface EpisodeSetting {
  ways: number;
  shots: number;
  /** queries per relation of the episode. */
  queries: number;
  /** share of none-of-the-above queries among all of an episode's queries (0 = closed set). */
  noneRate: number;
  /** examples of sentences that hold none of the episode's relations (drawn apart from the none queries); default 0. */
  noneShots?: number;
}

/** One drawn episode: its relations' description vectors, their examples, and the queries. */
export interface Episode {
  shots: number;
  /** the pool's relation ids, by position in the episode. */
  relations: string[];
  descriptions: Float32Array[];
  supports: Float32Array[][];
  /** examples that hold none of the relations (adapt.ts noneVectors). */
  noneSupports: Float32Array[];
  /** false when the relations are known by opaque names only (withOpaqueNames). */
  described: boolean;
  /** gold: position of the query's relation in the episode, or -1 for none-of-the-above. */
  queries: { vector: Float32Array; gold: number }[];
}

/** mulberry32: a small seeded generator, so every episode list is reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  for (let i = 0; i < count && pool.length > 0; i += 1) {
    const at = Math.floor(random() * pool.length);
    picked.push(pool.splice(at, 1)[0] as T);
  }
  return picked;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Draws `episodes` episodes of one setting; examples and queries of a relation never share a sentence. */
export function drawEpisodes(pool: VectorPool, setting: EpisodeSetting, episodes: number, seed: number): Episode[] {
  const random = seededRandom(seed);
  const usable = pool.relations.filter((relation) => {
    const support = pool.support.get(relation) ?? [];
    const query = pool.query.get(relation) ?? [];
    return support === query ? support.length >= setting.shots + setting.queries : support.length >= setting.shots && query.length >= setting.queries;
  });
  if (usable.length < setting.ways) throw new Error(`${pool.name}: ${usable.length} relations have enough sentences for ${setting.shots}-shot, fewer than ${setting.ways} ways`);
  const out: Episode[] = [];
  for (let episode = 0; episode < episodes; episode += 1) {
    const chosen = sample(usable, setting.ways, random);
    const supports: Float32Array[][] = [];
    const queries: { vector: Float32Array; gold: number }[] = [];
    chosen.forEach((relation, position) => {
      const support = pool.support.get(relation) as Float32Array[];
      const query = pool.query.get(relation) as Float32Array[];
      if (support === query) {
        const drawn = sample(support, setting.shots + setting.queries, random);
        supports.push(drawn.slice(0, setting.shots));
        for (const vector of drawn.slice(setting.shots)) queries.push({ vector, gold: position });
      } else {
        supports.push(sample(support, setting.shots, random));
        for (const vector of sample(query, setting.queries, random)) queries.push({ vector, gold: position });
      }
    });
    const noneShots = setting.noneShots ?? 0;
    let noneSupports: Float32Array[] = [];
    if (setting.noneRate > 0 || noneShots > 0) {
      // FewRel 2.0: a share of the episode's queries belongs to none of its relations.
      const noneCount = Math.round((queries.length * setting.noneRate) / (1 - setting.noneRate));
      const outside = pool.outside ?? pool.relations.filter((relation) => !chosen.includes(relation)).flatMap((relation) => pool.query.get(relation) ?? []);
      // A pool whose relations all sit in the episode has no such sentences: say so rather than
      // draw a closed-set episode that only looks open (fewshot.ts fits on 5 eval relations).
      if (outside.length < noneCount + noneShots) {
        throw new Error(`${pool.name}: ${outside.length} sentences hold none of a ${setting.ways}-way episode's relations, ${noneCount + noneShots} needed for its none-of-the-above queries and "no relation" examples: draw fewer ways than the pool has relations, or give the pool outside sentences`);
      }
      const drawn = sample(outside, noneCount + noneShots, random);
      for (const vector of drawn.slice(0, noneCount)) queries.push({ vector, gold: -1 });
      noneSupports = drawn.slice(noneCount);
    }
    out.push({ shots: setting.shots, relations: chosen, descriptions: chosen.map((relation) => pool.description.get(relation) as Float32Array), supports, noneSupports, described: true, queries });
  }
  return out;
}

/**
 * The same episodes with every relation known by an opaque name only ("R1", "R2", ...: the vectors
 * of those names, by position), as a user's own schema may be: what examples must teach alone.
 */
export function withOpaqueNames(episodes: readonly Episode[], nameVectors: readonly Float32Array[]): Episode[] {
  return episodes.map((episode) => {
    if (episode.descriptions.length > nameVectors.length) throw new Error(`${episode.descriptions.length}-way episodes need ${episode.descriptions.length} opaque names, ${nameVectors.length} given`);
    return { ...episode, described: false, descriptions: episode.descriptions.map((_, position) => nameVectors[position] as Float32Array) };
  });
}

/**
 * description: the description cosine (K = 0, what the library does without examples);
 * prototype: the cosine with the normalised mean of the examples (a prototypical network on the
 * bi-encoder, no description; closed set only, its cosines are not on the threshold's scale);
 * adapted: the library's rule, descriptions adapted to the examples (src/examples/adapt.ts).
 */
export type ScoringMethod = 'description' | 'prototype' | 'adapted';

/** Per query of the episode, the score of each of its relations under a method. */
export function episodeScores(episode: Episode, method: ScoringMethod, rule: ExampleRule, fusion: FusionParams): number[][] {
  if (method === 'description' || episode.shots === 0) return episode.queries.map(({ vector }) => episode.descriptions.map((description) => dot(description, vector)));
  if (method === 'prototype') {
    const prototypes = episode.supports.map((vectors) => prototypeOf(vectors) as Float32Array);
    return episode.queries.map(({ vector }) => prototypes.map((prototype) => dot(prototype, vector)));
  }
  // The episode is the whole relation set: its descriptions are the label index, searched exactly.
  const dim = (episode.descriptions[0] as Float32Array).length;
  const rows = new Float32Array(episode.descriptions.length * dim);
  episode.descriptions.forEach((description, row) => rows.set(description, row * dim));
  const adapted = adaptDescriptions(
    episode.supports.map((vectors, index) => ({ index, vectors, described: episode.described })),
    { vector: (index) => episode.descriptions[index] as Float32Array, search: (query, k) => exactSearch(rows, dim, query, k) },
    { biWeight: fusion.biWeight, noneLogit: (sentence) => noneLogit(fusion, sentence) },
    rule,
    episode.noneSupports,
  );
  const vectors = episode.descriptions.map((description, index) => adapted.get(index) ?? description);
  // As the library's recall step does (src/pipeline/recall.ts): the adapted score less the shot penalty.
  const offsets = episode.supports.map((vectors) => shotOffset(rule, vectors.length, episode.described, fusion.biWeight, episode.noneSupports.length));
  return episode.queries.map(({ vector }) => vectors.map((relation, index) => (adapted.has(index) ? adaptedScore(relation, vector) - (offsets[index] as number) : dot(relation, vector))));
}

export interface EpisodeScores {
  /** top-1 accuracy (a none-of-the-above query counts as right when the answer is "none"), mean over episodes. */
  accuracy: number;
  /** half-width of the 95% interval of that mean (normal approximation over episodes). */
  interval95: number;
  /** of the queries answered with a relation at the threshold: the share answered right. */
  precision: number;
  /** share of relation queries answered with their relation at the threshold. */
  recall: number;
  queries: number;
  episodes: number;
}

/**
 * Accuracy as FewRel reports it: the best candidate when the set is closed (no none queries);
 * with none-of-the-above queries, the fused decision at the model's threshold.
 */
export function scoreEpisodes(episodes: readonly Episode[], method: ScoringMethod, rule: ExampleRule, fusion: FusionParams): EpisodeScores {
  const accuracies: number[] = [];
  let answered = 0;
  let answeredRight = 0;
  let related = 0;
  let relatedFound = 0;
  let total = 0;
  for (const episode of episodes) {
    const open = episode.queries.some((query) => query.gold === -1);
    let right = 0;
    episodeScores(episode, method, rule, fusion).forEach((scores, q) => {
      const { gold, vector } = episode.queries[q] as { gold: number; vector: Float32Array };
      const fused = fuse(scores.map((biScore) => ({ biScore, crossScore: null })), fusion, vector);
      const top = scores.reduce((best, score, j) => (score > (scores[best] as number) ? j : best), 0);
      const decision = fused.best ?? -1;
      right += (open ? decision === gold : top === gold) ? 1 : 0;
      if (decision !== -1) {
        answered += 1;
        answeredRight += decision === gold ? 1 : 0;
      }
      if (gold !== -1) {
        related += 1;
        relatedFound += decision === gold ? 1 : 0;
      }
    });
    total += episode.queries.length;
    accuracies.push(right / episode.queries.length);
  }
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const variance = accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accuracies.length - 1);
  return {
    accuracy: mean,
    interval95: 1.96 * Math.sqrt(variance / accuracies.length),
    precision: answered === 0 ? 1 : answeredRight / answered,
    recall: related === 0 ? 0 : relatedFound / related,
    queries: total,
    episodes: accuracies.length,
  };
}

/** The strengths the fit chooses among (the prior's weight). */
export const strengthGrid = [1, 3, 10, 30, 100];

/** The shot penalties the fit chooses among (logit units per ln(1 + K); adapt.ts). */
export const shotPenaltyGrid = Array.from({ length: 21 }, (_, i) => i / 4); // 0, 0.25, ..., 5

/** The part of the penalty that does not grow with K (logit units; adapt.ts shotPenaltyBase). */
export const shotPenaltyBaseGrid = Array.from({ length: 13 }, (_, i) => i / 4); // 0, 0.25, ..., 3

/** What "no relation" examples may take back from the penalty (logit units per ln(1 + N); adapt.ts). */
export const noneReliefGrid = Array.from({ length: 13 }, (_, i) => i / 4); // 0, 0.25, ..., 3

interface PenaltySetting {
  base: number;
  penalty: number;
  relief: number;
}

/**
 * The loss of each (base, penalty, relief) setting on the episodes, at the rule's strengths: the
 * scores are computed once without a penalty, since a penalty only lowers each taught relation's
 * logit by max(0, base + penalty x ln(1 + K) - relief x ln(1 + N)) and the adapted vectors (the
 * costly part) do not depend on it.
 */
function penaltyLosses(episodes: readonly Episode[], rule: ExampleRule, fusion: FusionParams, settings: readonly PenaltySetting[]): number[] {
  const free: ExampleRule = { ...rule, shotPenalty: 0, nameOnlyShotPenalty: 0, shotPenaltyBase: 0, nameOnlyShotPenaltyBase: 0 };
  const rows = episodes.flatMap((episode) =>
    episodeScores(episode, 'adapted', free, fusion).map((scores, q) => {
      const { gold, vector } = episode.queries[q] as { gold: number; vector: Float32Array };
      return { scores, gold, none: noneLogit(fusion, vector), lift: Math.log1p(episode.shots), noneLift: Math.log1p(episode.noneSupports.length), taught: episode.shots > 0 };
    }),
  );
  return settings.map(({ base, penalty, relief }) => {
    let sum = 0;
    for (const { scores, gold, none, lift, noneLift, taught } of rows) {
      const offset = taught ? Math.max(0, base + penalty * lift - relief * noneLift) : 0;
      const logits = [none, ...scores.map((score) => fusion.biWeight * score - offset)];
      const max = Math.max(...logits);
      sum += max + Math.log(logits.reduce((total, logit) => total + Math.exp(logit - max), 0)) - (logits[gold + 1] as number);
    }
    return sum / Math.max(1, rows.length);
  });
}

/** strength -> base -> penalty -> mean negative log-likelihood. */
type GridLosses = Record<string, Record<string, Record<string, number>>>;

/** The best setting of a grid, as a manifest records it (the full grid stays in the benchmark's result). */
export interface BestSetting {
  strength: number;
  base: number;
  penalty: number;
  loss: number;
}

/**
 * Fits the rule's strengths and shot penalties together by maximum likelihood over a grid (every
 * strength with every base and slope of the penalty), with the model's bi-only fusion fixed
 * (steps and competitors stay at the library's defaults): `strength`, `shotPenaltyBase` and
 * `shotPenalty` on the episodes whose relations have descriptions, the name-only three on those
 * known by opaque names only (each kind of episode depends on its own settings only), on the
 * episodes without "no relation" examples; then `noneRelief` on the described episodes with
 * them. Fit it on episodes of relations that are never the ones it is measured on.
 * losses: strength -> base -> penalty -> mean negative log-likelihood, and relief -> loss.
 */
export function fitRule(
  episodes: readonly Episode[],
  fusion: FusionParams,
  base: ExampleRule,
): { rule: ExampleRule; best: { described: BestSetting | null; nameOnly: BestSetting | null }; losses: { described: GridLosses; nameOnly: GridLosses; noneRelief: Record<string, number> } } {
  const settings = shotPenaltyBaseGrid.flatMap((penaltyBase) => shotPenaltyGrid.map((penalty) => ({ base: penaltyBase, penalty, relief: 0 })));
  const pick = (subset: readonly Episode[], strengthKey: 'strength' | 'nameOnlyStrength') => {
    const losses: GridLosses = {};
    let best: BestSetting | null = null;
    for (const strength of subset.length === 0 ? [] : strengthGrid) {
      const row = penaltyLosses(subset, { ...base, [strengthKey]: strength }, fusion, settings);
      const byBase: Record<string, Record<string, number>> = (losses[String(strength)] = {});
      row.forEach((loss, i) => {
        const { base: penaltyBase, penalty } = settings[i] as PenaltySetting;
        (byBase[String(penaltyBase)] ??= {})[String(penalty)] = Math.round(loss * 10000) / 10000;
        if (best === null || loss < best.loss) best = { strength, base: penaltyBase, penalty, loss };
      });
    }
    return { best: best as BestSetting | null, losses };
  };
  const plain = episodes.filter((episode) => episode.noneSupports.length === 0);
  const described = pick(plain.filter((episode) => episode.described), 'strength');
  const nameOnly = pick(plain.filter((episode) => !episode.described), 'nameOnlyStrength');
  const rule: ExampleRule = {
    ...base,
    ...(described.best === null ? {} : { strength: described.best.strength, shotPenalty: described.best.penalty, shotPenaltyBase: described.best.base }),
    ...(nameOnly.best === null ? {} : { nameOnlyStrength: nameOnly.best.strength, nameOnlyShotPenalty: nameOnly.best.penalty, nameOnlyShotPenaltyBase: nameOnly.best.base }),
  };
  // Then the relief, at those strengths and penalties, on the episodes with "no relation" examples
  // (described relations: the penalty they relieve is the described one).
  const withNone = episodes.filter((episode) => episode.noneSupports.length > 0 && episode.described);
  const reliefSettings = noneReliefGrid.map((relief) => ({ base: rule.shotPenaltyBase ?? 0, penalty: rule.shotPenalty ?? 0, relief }));
  const reliefLosses = withNone.length === 0 ? [] : penaltyLosses(withNone, rule, fusion, reliefSettings);
  const reliefAt = reliefLosses.reduce((at, loss, i) => (loss < (reliefLosses[at] as number) ? i : at), 0);
  const round = (setting: BestSetting | null) => (setting === null ? null : { ...setting, loss: Math.round(setting.loss * 10000) / 10000 });
  return {
    rule: { ...rule, noneRelief: withNone.length === 0 ? (base.noneRelief ?? 0) : (noneReliefGrid[reliefAt] as number) },
    best: { described: round(described.best), nameOnly: round(nameOnly.best) },
    losses: { described: described.losses, nameOnly: nameOnly.losses, noneRelief: Object.fromEntries(noneReliefGrid.slice(0, reliefLosses.length).map((relief, i) => [String(relief), Math.round((reliefLosses[i] as number) * 10000) / 10000])) },
  };
}

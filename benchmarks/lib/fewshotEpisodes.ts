/**
 * N-way K-shot episodes over precomputed bi-encoder vectors, scored with the library's own
 * example rule (src/examples/rule.ts) and fusion (src/fusion/fuse.ts), and the fit of that rule.
 * Pure: vectors and a seed in, numbers out. benchmarks/fewshot.ts checks on sampled episodes that
 * the public API (createExtractor with relations that carry examples) gives the same answers.
 */
import { backgroundLevel, blendScore, type ExampleRule, prototypeOf } from '../../src/examples/rule.js';
import { fuse, type FusionParams } from '../../src/fusion/fuse.js';

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
}

/** One query of one episode, reduced to what scoring needs. */
export interface ScoredQuery {
  episode: number;
  shots: number;
  /** per candidate: cosine with the description and with the prototype (0 when shots = 0). */
  descriptionCosine: number[];
  prototypeCosine: number[];
  /** the episode's background level (src/examples/rule.ts), null when it has no examples. */
  background: number | null;
  /** index of the gold candidate, or -1 for none-of-the-above. */
  gold: number;
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

/** Draws `episodes` episodes of one setting and reduces every query to its cosines. */
export function drawEpisodes(pool: VectorPool, setting: EpisodeSetting, episodes: number, seed: number): ScoredQuery[] {
  const random = seededRandom(seed);
  const usable = pool.relations.filter((relation) => {
    const support = pool.support.get(relation) ?? [];
    const query = pool.query.get(relation) ?? [];
    return support === query ? support.length >= setting.shots + setting.queries : support.length >= setting.shots && query.length >= setting.queries;
  });
  if (usable.length < setting.ways) throw new Error(`${pool.name}: ${usable.length} relations have enough sentences for ${setting.shots}-shot, fewer than ${setting.ways} ways`);
  const out: ScoredQuery[] = [];
  for (let episode = 0; episode < episodes; episode += 1) {
    const chosen = sample(usable, setting.ways, random);
    const prototypes: (Float32Array | null)[] = [];
    const supports: Float32Array[][] = [];
    const queries: { vector: Float32Array; gold: number }[] = [];
    chosen.forEach((relation, position) => {
      const support = pool.support.get(relation) as Float32Array[];
      const query = pool.query.get(relation) as Float32Array[];
      if (support === query) {
        const drawn = sample(support, setting.shots + setting.queries, random);
        supports.push(drawn.slice(0, setting.shots));
        prototypes.push(prototypeOf(drawn.slice(0, setting.shots)));
        for (const vector of drawn.slice(setting.shots)) queries.push({ vector, gold: position });
      } else {
        const drawn = sample(support, setting.shots, random);
        supports.push(drawn);
        prototypes.push(prototypeOf(drawn));
        for (const vector of sample(query, setting.queries, random)) queries.push({ vector, gold: position });
      }
    });
    if (setting.noneRate > 0) {
      // FewRel 2.0: a share of the episode's queries belongs to none of its relations.
      const noneCount = Math.round((queries.length * setting.noneRate) / (1 - setting.noneRate));
      const outside = pool.outside ?? pool.relations.filter((relation) => !chosen.includes(relation)).flatMap((relation) => pool.query.get(relation) ?? []);
      for (const vector of sample(outside, noneCount, random)) queries.push({ vector, gold: -1 });
    }
    const descriptions = chosen.map((relation) => pool.description.get(relation) as Float32Array);
    const background = setting.shots === 0 ? null : backgroundLevel(supports.map((vectors, j) => ({ vectors, prototype: prototypes[j] as Float32Array })));
    for (const { vector, gold } of queries) {
      out.push({
        episode,
        shots: setting.shots,
        descriptionCosine: descriptions.map((description) => dot(description, vector)),
        prototypeCosine: prototypes.map((prototype) => (prototype === null ? 0 : dot(prototype, vector))),
        background,
        gold,
      });
    }
  }
  return out;
}

export type ScoringMethod = 'description' | 'examples' | 'blended';

/** The scores of one query's candidates under a method: description only, examples only (lambda = 1), or the rule. */
export function candidateScores(query: ScoredQuery, method: ScoringMethod, rule: ExampleRule): number[] {
  return query.descriptionCosine.map((description, j) => {
    const prototype = query.prototypeCosine[j] as number;
    if (method === 'description' || query.shots === 0) return description;
    const background = query.background ?? rule.background;
    if (method === 'examples') return rule.scale * (prototype - background) + rule.offset;
    return blendScore(description, prototype, query.shots, rule, background);
  });
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
export function scoreEpisodes(queries: readonly ScoredQuery[], method: ScoringMethod, rule: ExampleRule, fusion: FusionParams): EpisodeScores {
  const perEpisode = new Map<number, { right: number; total: number }>();
  const open = queries.some((query) => query.gold === -1);
  let answered = 0;
  let answeredRight = 0;
  let related = 0;
  let relatedFound = 0;
  for (const query of queries) {
    const scores = candidateScores(query, method, rule);
    const fused = fuse(scores.map((biScore) => ({ biScore, crossScore: null })), fusion);
    const top = scores.reduce((best, score, j) => (score > (scores[best] as number) ? j : best), 0);
    const decision = fused.best ?? -1;
    const right = open ? decision === query.gold : top === query.gold;
    const tally = perEpisode.get(query.episode) ?? { right: 0, total: 0 };
    tally.right += right ? 1 : 0;
    tally.total += 1;
    perEpisode.set(query.episode, tally);
    if (decision !== -1) {
      answered += 1;
      answeredRight += decision === query.gold ? 1 : 0;
    }
    if (query.gold !== -1) {
      related += 1;
      relatedFound += decision === query.gold ? 1 : 0;
    }
  }
  const accuracies = [...perEpisode.values()].map(({ right, total }) => right / total);
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const variance = accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accuracies.length - 1);
  return {
    accuracy: mean,
    interval95: 1.96 * Math.sqrt(variance / accuracies.length),
    precision: answered === 0 ? 1 : answeredRight / answered,
    recall: related === 0 ? 0 : relatedFound / related,
    queries: queries.length,
    episodes: accuracies.length,
  };
}

/** Mean negative log-likelihood of the gold answer (a relation, or "none") under the fused softmax. */
export function ruleLoss(queries: readonly ScoredQuery[], rule: ExampleRule, fusion: FusionParams): number {
  let total = 0;
  for (const query of queries) {
    const scores = candidateScores(query, 'blended', rule);
    const logits = [fusion.noneLogit, ...scores.map((score) => fusion.biWeight * score)];
    const max = Math.max(...logits);
    const logSum = max + Math.log(logits.reduce((sum, logit) => sum + Math.exp(logit - max), 0));
    total += logSum - (logits[query.gold + 1] as number);
  }
  return total / queries.length;
}

/**
 * Fits kappa, scale and offset by maximum likelihood over a grid, coarse then fine, with the
 * model's bi-only fusion weights fixed: the rule moves example evidence onto the scale those
 * weights, the "no relation" logit and the threshold were fitted for. Fit it on queries from
 * relations that are never the ones it is measured on.
 */
export function fitRule(queries: readonly ScoredQuery[], fusion: FusionParams, fallbackBackground?: number): { rule: ExampleRule; loss: number } {
  // The fallback background (for sets with one relation taught by examples): given, or the mean level seen here.
  const levels = queries.flatMap((query) => (query.background === null ? [] : [query.background]));
  const background = fallbackBackground ?? Math.round((levels.reduce((a, b) => a + b, 0) / Math.max(1, levels.length)) * 1000) / 1000;
  let best = { rule: { kappa: 4, scale: 1, offset: 0, background }, loss: Infinity };
  const consider = (rule: ExampleRule): void => {
    const loss = ruleLoss(queries, rule, fusion);
    if (loss < best.loss) best = { rule, loss };
  };
  for (const kappa of [0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32]) {
    for (let scale = 0.4; scale <= 2.01; scale += 0.2) {
      for (let offset = -0.6; offset <= 0.9001; offset += 0.1) consider({ kappa, scale, offset, background });
    }
  }
  const coarse = best.rule;
  for (const kappa of [0.75, 0.85, 1, 1.15, 1.3].map((factor) => coarse.kappa * factor)) {
    for (let scale = coarse.scale - 0.15; scale <= coarse.scale + 0.151; scale += 0.05) {
      for (let offset = coarse.offset - 0.08; offset <= coarse.offset + 0.0801; offset += 0.02) {
        if (scale > 0) consider({ kappa, scale, offset, background });
      }
    }
  }
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return { rule: { kappa: round(best.rule.kappa), scale: round(best.rule.scale), offset: round(best.rule.offset), background }, loss: best.loss };
}

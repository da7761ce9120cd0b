/**
 * Where a call's time goes, for profiling (ExtractBatchOptions.timings): milliseconds per pipeline
 * stage, added to the caller's object. prepare: validate, locate, mark and tokenize the items;
 * biEncoder: the sentence graph; search: the label index; pairs: building the cross-encoder's
 * (sentence, description) sequences; crossEncoder: the pair graph; rank: fusion, abstention and
 * the results. What a call takes beyond their sum is the rest of the JavaScript around them.
 */
export type Stage = 'prepare' | 'biEncoder' | 'search' | 'pairs' | 'crossEncoder' | 'rank';
export type StageTimings = Partial<Record<Stage, number>>;

/** Adds the time since `since` to `stage` (when timings are asked for) and returns now. */
export function lap(timings: StageTimings | undefined, stage: Stage, since: number): number {
  const now = performance.now();
  if (timings !== undefined) timings[stage] = (timings[stage] ?? 0) + (now - since);
  return now;
}

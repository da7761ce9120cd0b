/**
 * Windowing of a marked sentence that is longer than the model's maximum, per the contract
 * (docs/model-directory.md, "Text preparation" step 3). Pure: works on segment lengths only.
 *
 * Order of sacrifice: far context first (start of `before`, end of `after`, kept balanced), then
 * the middle of `between`, and only then the entities themselves (cut from their end). Markers,
 * [CLS] and [SEP] are never cut; they are outside `budget`.
 */

export interface SegmentLengths {
  before: number;
  first: number;
  between: number;
  second: number;
  after: number;
}

/** How many tokens of each segment survive. */
export interface WindowPlan {
  /** kept from the END of `before` (the context nearest the first entity). */
  beforeTail: number;
  /** kept from the START of the first entity. */
  first: number;
  /** kept from the start of `between`. */
  betweenHead: number;
  /** kept from the end of `between`. */
  betweenTail: number;
  /** kept from the START of the second entity. */
  second: number;
  /** kept from the START of `after`. */
  afterHead: number;
}

/**
 * Splits `room` tokens between two sides holding `left` and `right` tokens: each side gets half
 * and a side that needs less gives its share to the other. The odd token goes right for context
 * and left (the first entity) for entities, as the Python reference (training/zsre_train/text.py)
 * does: there the longer entity loses a token at a time and the second loses on a tie.
 */
export function balance(left: number, right: number, room: number, oddTokenTo: 'left' | 'right' = 'right'): [number, number] {
  const half = oddTokenTo === 'right' ? Math.floor(room / 2) : Math.ceil(room / 2);
  const keepLeft = Math.min(left, Math.max(half, room - right));
  const keepRight = Math.min(right, room - keepLeft);
  return [keepLeft, keepRight];
}

/**
 * `budget` = content tokens allowed (max length minus [CLS], [SEP] and the four markers).
 * `nested`: one entity lies inside the other (see markers/segments.ts), so first + between +
 * second is the outer entity; when it does not fit, it is cut from its end, as entities are.
 */
export function planWindow(lengths: SegmentLengths, budget: number, nested = false): WindowPlan {
  const { before, first, between, second, after } = lengths;
  const room = Math.max(0, budget);
  if (nested && first + between + second > room) {
    const keepFirst = Math.min(first, room);
    const keepInner = Math.min(between, room - keepFirst);
    const keepSecond = Math.min(second, room - keepFirst - keepInner);
    return { beforeTail: 0, first: keepFirst, betweenHead: keepInner, betweenTail: 0, second: keepSecond, afterHead: 0 };
  }
  if (before + first + between + second + after <= room) {
    const betweenHead = Math.ceil(between / 2);
    return { beforeTail: before, first, betweenHead, betweenTail: between - betweenHead, second, afterHead: after };
  }
  const core = first + between + second;
  if (core <= room) {
    const [beforeTail, afterHead] = balance(before, after, room - core);
    const betweenHead = Math.ceil(between / 2);
    return { beforeTail, first, betweenHead, betweenTail: between - betweenHead, second, afterHead };
  }
  if (first + second <= room) {
    const keep = room - first - second;
    const betweenHead = Math.ceil(keep / 2);
    return { beforeTail: 0, first, betweenHead, betweenTail: keep - betweenHead, second, afterHead: 0 };
  }
  const [keepFirst, keepSecond] = balance(first, second, room, 'left');
  return { beforeTail: 0, first: keepFirst, betweenHead: 0, betweenTail: 0, second: keepSecond, afterHead: 0 };
}

/** Applies a plan to the five id arrays. */
export function applyWindow<T>(
  segments: { before: readonly T[]; first: readonly T[]; between: readonly T[]; second: readonly T[]; after: readonly T[] },
  plan: WindowPlan,
): { before: T[]; first: T[]; between: T[]; second: T[]; after: T[] } {
  const { before, first, between, second, after } = segments;
  return {
    before: before.slice(before.length - plan.beforeTail),
    first: first.slice(0, plan.first),
    between: [...between.slice(0, plan.betweenHead), ...between.slice(between.length - plan.betweenTail)],
    second: second.slice(0, plan.second),
    after: after.slice(0, plan.afterHead),
  };
}

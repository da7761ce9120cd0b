/** Precision and recall of predicted entity spans against hand-annotated ones. */
export interface CharSpan {
  start: number;
  end: number;
}

export interface EntityScore {
  gold: number;
  predicted: number;
  /** Exact span match. */
  exact: { matched: number; precision: number; recall: number; f1: number };
  /** Any character overlap (a looser view: "Pierre Curie." vs "Pierre Curie"). */
  overlap: { precision: number; recall: number; f1: number };
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function f1(precision: number, recall: number): number {
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

export function scoreEntities(gold: readonly CharSpan[], predicted: readonly CharSpan[]): EntityScore {
  const same = (a: CharSpan, b: CharSpan) => a.start === b.start && a.end === b.end;
  const touch = (a: CharSpan, b: CharSpan) => a.start < b.end && b.start < a.end;
  const matched = predicted.filter((span) => gold.some((entity) => same(entity, span))).length;
  const precision = ratio(matched, predicted.length);
  const recall = ratio(matched, gold.length);
  const overlapPrecision = ratio(predicted.filter((span) => gold.some((entity) => touch(entity, span))).length, predicted.length);
  const overlapRecall = ratio(gold.filter((entity) => predicted.some((span) => touch(entity, span))).length, gold.length);
  return {
    gold: gold.length,
    predicted: predicted.length,
    exact: { matched, precision, recall, f1: f1(precision, recall) },
    overlap: { precision: overlapPrecision, recall: overlapRecall, f1: f1(overlapPrecision, overlapRecall) },
  };
}

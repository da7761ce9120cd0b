/**
 * Misspelled field names on an input line of `zsre extract` (pure).
 *
 * The CLI passes over top-level fields it does not read, so that JSONL carrying extra data (a gold
 * label, a source) can be fed as it is. A misspelling of a field it does read would then be
 * dropped without a word: `"headid"` for `headId` leaves an RDF triple without the entity's IRI,
 * `"maxTokenDist"` silently keeps the default distance. So a field that is not one of the line's
 * fields but looks like one (same name up to case and `_`/`-`, a cut-off prefix, or one or two
 * letters off) is an error naming the field it resembles; anything else still passes.
 */

/** Every top-level field an input line may carry (items, documents, RDF entity ids). */
export const lineFields = [
  'text',
  'tokens',
  'head',
  'tail',
  'id',
  'headId',
  'tailId',
  'entities',
  'maxTokenDistance',
  'directions',
  'pairs',
  'windowSentences',
] as const;

const known: ReadonlySet<string> = new Set(lineFields);

/** The first top-level field of `keys` that looks like a misspelled line field, with the field it resembles. */
export function misspelledField(keys: readonly string[]): { field: string; meant: string } | undefined {
  for (const field of keys) {
    if (known.has(field)) continue;
    const meant = resembled(field);
    if (meant !== undefined) return { field, meant };
  }
  return undefined;
}

function resembled(field: string): string | undefined {
  const name = normalised(field);
  for (const candidate of lineFields) {
    const target = normalised(candidate);
    if (name === target) return candidate;
    // Names this short ("id") resemble too many other words to guess at.
    if (target.length < 4) continue;
    // A cut-off name ("maxTokenDist", "window"): long enough to be meant, not a word of its own.
    if (name.length >= 5 && target.startsWith(name)) return candidate;
    // One letter off for names up to six letters ("header" is not "headId"), two for longer ones.
    if (editDistance(name, target) <= (target.length <= 6 ? 1 : 2)) return candidate;
  }
  return undefined;
}

function normalised(field: string): string {
  return field.toLowerCase().replace(/[-_\s]/g, '');
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const d: number[] = new Array(rows * columns).fill(0);
  for (let i = 0; i < rows; i += 1) d[i * columns] = i;
  for (let j = 0; j < columns; j += 1) d[j] = j;
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < columns; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((d[(i - 1) * columns + j] as number) + 1, (d[i * columns + j - 1] as number) + 1, (d[(i - 1) * columns + j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (d[(i - 2) * columns + j - 2] as number) + 1);
      d[i * columns + j] = best;
    }
  }
  return d[rows * columns - 1] as number;
}

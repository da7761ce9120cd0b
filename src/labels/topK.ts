/** One search hit: the label's position in the relation list and its score (a dot product). */
export interface Hit {
  index: number;
  score: number;
}

/**
 * The k best of `count` scores, best first, with a size-k min-heap: O(n log k) and no full sort
 * of 10k+ labels per query. Ties go to the lower index so results are deterministic.
 */
export function topK(count: number, scoreAt: (index: number) => number, k: number): Hit[] {
  const size = Math.min(k, count);
  if (size <= 0) return [];
  const heap: Hit[] = [];
  // "worse" is the heap order: lower score, or equal score and higher index.
  const worse = (a: Hit, b: Hit): boolean => a.score < b.score || (a.score === b.score && a.index > b.index);
  const swap = (i: number, j: number): void => {
    const t = heap[i] as Hit;
    heap[i] = heap[j] as Hit;
    heap[j] = t;
  };
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && worse(heap[left] as Hit, heap[smallest] as Hit)) smallest = left;
      if (right < heap.length && worse(heap[right] as Hit, heap[smallest] as Hit)) smallest = right;
      if (smallest === i) return;
      swap(i, smallest);
      i = smallest;
    }
  };
  for (let index = 0; index < count; index += 1) {
    const hit = { index, score: scoreAt(index) };
    if (heap.length < size) {
      heap.push(hit);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i] as Hit, heap[parent] as Hit)) break;
        swap(i, parent);
        i = parent;
      }
    } else if (worse(heap[0] as Hit, hit)) {
      heap[0] = hit;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}

/** Dot product of row `row` of a flat row-major matrix with `query`. */
export function dotRow(matrix: Float32Array, dim: number, row: number, query: Float32Array): number {
  let sum = 0;
  const offset = row * dim;
  for (let i = 0; i < dim; i += 1) sum += (matrix[offset + i] as number) * (query[i] as number);
  return sum;
}

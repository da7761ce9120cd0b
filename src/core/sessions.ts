import type { GraphSession } from '../encoders/graphSession.js';

/** The two graph sessions of an extractor (no cross-encoder in bi-only mode), released together. */
export interface Sessions {
  biEncoder: GraphSession;
  crossEncoder: GraphSession | null;
  release(): Promise<void>;
}

/**
 * Opens the graphs in parallel with the platform's `open` (null: graph not used); if one fails,
 * the other is released before the error surfaces, so a failed load leaks no session.
 */
export async function openSessions(open: (name: 'biEncoder' | 'crossEncoder', label: string) => Promise<GraphSession | null>): Promise<Sessions> {
  const settled = await Promise.allSettled([open('biEncoder', 'bi-encoder'), open('crossEncoder', 'cross-encoder')]);
  const opened = settled.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value !== null ? [outcome.value] : []));
  const release = async (): Promise<void> => {
    await Promise.all(opened.map((session) => session.release()));
  };
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) {
    await release();
    throw failure.reason;
  }
  const [bi, cross] = settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null));
  return { biEncoder: bi as GraphSession, crossEncoder: cross ?? null, release };
}

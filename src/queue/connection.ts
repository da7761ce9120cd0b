import type { ConnectionOptions, Queue } from 'bullmq';

export const defaultRedisUrl = 'redis://127.0.0.1:6379';
export const defaultQueueName = 'zsre';

/** ioredis options from a redis:// URL (user, password and database number included). */
export function redisConnection(url: string): ConnectionOptions & { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`invalid Redis URL "${url}": expected redis://[user:password@]host[:port][/db]`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`invalid Redis URL "${url}": the scheme must be redis:// or rediss://`);
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`invalid Redis URL "${url}": the path must be a database number such as /0`);
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis and need this; harmless for the queue side.
    maxRetriesPerRequest: null,
  };
}

/**
 * ioredis retries a refused connection forever; a command-line run should instead say within
 * seconds that Redis is not there, and how to get it.
 */
export async function waitForRedis(queue: Queue, url: string, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `cannot reach Redis at ${url} within ${timeoutMs / 1000}s: start a Redis server (Debian: apt-get install -y redis-server) ` +
              'or pass --redis redis://HOST:PORT (or set ZSRE_REDIS_URL)',
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([queue.waitUntilReady().then(() => queue.getJobCounts('wait')), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

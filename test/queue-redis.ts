import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

const installHint = 'On Debian/Ubuntu: apt-get install -y redis-server';

/** Why redis-server cannot be started here, or undefined when it can. */
export function missingRedisServer(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return `redis-server is not on the PATH (${installHint})`;
  return undefined;
}

/**
 * Whether the Redis suites run here. They need a real redis-server. Where there is none (a
 * fresh clone on a laptop) they are skipped with one printed line naming what is missing;
 * where the environment says Redis is required (ZSRE_REQUIRE_REDIS=1, set by .ci/run) a
 * missing server fails them instead, so CI can never skip them silently.
 */
export function redisSuiteSkipped(suite: string): boolean {
  const missing = missingRedisServer();
  if (missing === undefined) return false;
  if (process.env.ZSRE_REQUIRE_REDIS === '1') return false; // startRedis fails, naming the package
  console.warn(`${suite}: skipped: ${missing}; set ZSRE_REQUIRE_REDIS=1 to make this a failure`);
  return true;
}

/** A throwaway redis-server on a free port for tests; fails saying which package to install when there is none. */
function requireRedisServer(): void {
  const missing = missingRedisServer();
  if (missing !== undefined) throw new Error(`the queue tests need redis-server (ZSRE_REQUIRE_REDIS=1): ${missing}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
  });
}

export interface RedisHandle {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisHandle> {
  requireRedisServer();
  const port = await freePort();
  // No persistence: the server lives and dies with the test.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on port ${port} within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { link, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { ZsreError } from '../errors.js';
import { outputWriteError } from './outputErrors.js';

/**
 * One run per output. Two runs appending to one file would each skip the lines the other had
 * not yet written and answer them again, so every line would appear twice; a lock file beside
 * the output (`.OUT.zsre-lock`, holding the owner's pid and host) makes the second run stop
 * before it reads or changes anything. A lock left by a killed run (its pid no longer alive on
 * this host) is taken over; one from another host cannot be checked and is reported.
 */
export interface OutputLock {
  path: string;
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  host: string;
}

export function lockPath(output: string): string {
  return join(dirname(output), `.${basename(output)}.zsre-lock`);
}

export async function lockOutput(output: string): Promise<OutputLock> {
  const path = lockPath(output);
  const mine: Owner = { pid: process.pid, host: hostname() };
  // Written under a private name, then hard-linked into place: link() fails when the lock
  // exists, so exactly one of two racing runs gets it, and the lock never exists half-written.
  const draft = `${path}.${process.pid}`;
  // A folder zsre may not write to (or a full disk) fails here first: say so in words (exit 4).
  await writeFile(draft, `${JSON.stringify(mine)}\n`).catch((error: unknown) => Promise.reject(outputWriteError(error, output, true)));
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await placeLock(draft, path, mine);
        return { path, release: () => rm(path, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw outputWriteError(error, output, true);
      }
      const owner = await readOwner(path);
      if (owner !== null && (owner.host !== mine.host || isAlive(owner.pid))) throw locked(output, path, owner);
      await takeOverStale(path, owner);
    }
    throw locked(output, path, await readOwner(path));
  } finally {
    await rm(draft, { force: true });
  }
}

/** link() where the file system has hard links; elsewhere (some network and FAT mounts) an exclusive create. */
async function placeLock(draft: string, path: string, mine: Owner): Promise<void> {
  try {
    await link(draft, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    await writeFile(path, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
  }
}

/**
 * Removes a dead run's lock. It is first renamed to a private name and read again, so a run that
 * judged the same stale lock a moment earlier and has since replaced it with its own live lock
 * does not lose it: a lock that changed owner is put back.
 */
async function takeOverStale(path: string, judged: Owner | null): Promise<void> {
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const now = await readOwner(aside);
  if (now !== null && (judged === null || now.pid !== judged.pid || now.host !== judged.host)) {
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

async function readOwner(path: string): Promise<Owner | null> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? { pid: value.pid, host: value.host } : null;
  } catch {
    // Unreadable or gone: not a live run's lock (a live run's lock is complete from the start).
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function locked(output: string, path: string, owner: Owner | null): ZsreError {
  const who = owner === null ? 'another run' : `another zsre run (pid ${owner.pid} on ${owner.host})`;
  return new ZsreError(
    'OUTPUT_LOCKED',
    `${output} is being written by ${who}: wait for it to finish (rerunning then resumes), or pass another --output. ` +
      `If no such run exists (it ran on another machine and died), delete ${path}`,
    { context: { output, lock: path, ...(owner === null ? {} : { pid: owner.pid, host: owner.host }) } },
  );
}

/**
 * Removes the temporary files of csv/turtle runs on this output that were killed before they
 * could remove them (`.OUT.partial-PID`). Called with the lock held, so none belongs to a live run.
 */
export async function removeStalePartials(output: string): Promise<number> {
  const prefix = `.${basename(output)}.partial-`;
  const names = (await readdir(dirname(output))).filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)));
  await Promise.all(names.map((name) => rm(join(dirname(output), name), { force: true })));
  return names.length;
}

import { ZsreError } from '../errors.js';

/**
 * Turns a failed write of the output into an OUTPUT_WRITE error that says what happened in words
 * and what to do (exit code 4), instead of a bare "ENOSPC". What was written before the failure
 * stays resumable for jsonl and ntriples, so the advice is the same command once space is free.
 */
export function outputWriteError(error: unknown, output: string, resumable: boolean): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || error instanceof ZsreError) return error;
  const rerun = resumable ? 'rerun the same command to continue where it stopped' : 'rerun the command';
  const reasons: Record<string, string> = {
    ENOSPC: `the disk holding ${output} is full: free some space, then ${rerun}`,
    EDQUOT: `the disk quota for ${output} is used up: free some space, then ${rerun}`,
    EFBIG: `${output} grew past the largest file allowed here (ulimit -f or the file system's limit): write to another --output`,
    EROFS: `${output} is on a read-only file system: pass an --output on a writable disk`,
    EACCES: `no permission to write ${output} or its folder: pass an --output you may write, or fix its permissions`,
    EPERM: `no permission to write ${output} or its folder: pass an --output you may write, or fix its permissions`,
    EIO: `the disk holding ${output} reported an I/O error: check the disk, then ${rerun}`,
  };
  const reason = reasons[code] ?? `writing ${output} failed (${code}): ${(error as Error).message}`;
  return new ZsreError('OUTPUT_WRITE', `Cannot write the output: ${reason}.`, { cause: error, context: { output, errno: code } });
}

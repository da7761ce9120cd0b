import { open, type FileHandle } from 'node:fs/promises';

/**
 * Append-only JSONL writer. Each batch goes out in one write() call, straight to the kernel
 * (no user-space buffer), so a killed process loses at most the batch being written, and
 * resume cuts a partial line away. fsync every `checkpointMs` and at close also survives a
 * machine crash, at the cost of a disk flush that would be too slow to do per batch.
 */
export class JsonlAppender {
  private lastSync = performance.now();

  private constructor(
    private readonly handle: FileHandle,
    private readonly checkpointMs: number,
  ) {}

  static async open(path: string, checkpointMs = 5000): Promise<JsonlAppender> {
    return new JsonlAppender(await open(path, 'a'), checkpointMs);
  }

  async writeRecords(records: readonly unknown[]): Promise<void> {
    if (records.length === 0) return;
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    await this.handle.write(text);
    if (performance.now() - this.lastSync >= this.checkpointMs) await this.sync();
  }

  async sync(): Promise<void> {
    await this.handle.sync();
    this.lastSync = performance.now();
  }

  async close(): Promise<void> {
    try {
      await this.sync();
    } finally {
      await this.handle.close();
    }
  }
}

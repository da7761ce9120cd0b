import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZsreError } from '../src/errors.js';
import { loadRelations } from '../src/relations/index.js';

/** Issue 20, case 5: a relations file never loses an entry or a character without a word. */
const folder = mkdtempSync(join(tmpdir(), 'zsre-relation-files-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<ZsreError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(ZsreError);
  return error as ZsreError;
}

describe('map-form .json with a repeated key', () => {
  it('is DUPLICATE_RELATION_ID naming the key and the file', async () => {
    const path = file('map.json', '{\n  "P26": ["spouse", "married to"],\n  "P19": ["place of birth", "born in"],\n  "P26": ["partner", "lives with"]\n}\n');
    const error = await rejection(loadRelations(path));
    expect(error.code).toBe('DUPLICATE_RELATION_ID');
    expect(error.message).toContain('"P26"');
    expect(error.message).toContain(path);
    expect(error.context).toMatchObject({ path, id: 'P26' });
  });

  it('does not mistake repeated keys inside values, escaped quotes or string values for repeats', async () => {
    const path = file(
      'nested.json',
      JSON.stringify({ 'a\\"b': 'x "a\\"b": y', P1: ['one', 'two: "P1": three'], P2: 'text' }) + '\n',
    );
    const relations = await loadRelations(path);
    expect(relations.map((relation) => relation.id)).toEqual(['a\\"b', 'P1', 'P2']);
  });
});

describe('a relations file that is not valid UTF-8', () => {
  it.each(['json', 'jsonl'])('is RELATIONS_FILE naming the file and the byte offset (.%s)', async (extension) => {
    const before = extension === 'json' ? '[\n{"id": "P1", "name": "caf' : '{"id": "P0", "name": "zero"}\n{"id": "P1", "name": "caf';
    const bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from('"}\n' + (extension === 'json' ? ']\n' : ''))]);
    const path = file(`latin1.${extension}`, bytes);
    const error = await rejection(loadRelations(path));
    expect(error.code).toBe('RELATIONS_FILE');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`byte offset ${Buffer.byteLength(before)}`);
    expect(error.message).toContain('line 2');
    expect(error.message).toContain('save it as UTF-8');
  });

  it('accepts a real U+FFFD and other multi-byte text', async () => {
    const path = file('ok.jsonl', '{"id": "P1", "name": "caf\u00e9 \uFFFD \u{1F600}"}\n');
    const [relation] = await loadRelations(path);
    expect(relation?.name).toBe('caf\u00e9 \uFFFD \u{1F600}');
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZsreError, type ZsreErrorCode } from '../src/errors.js';
import { loadRelations } from '../src/relations/index.js';
import { isIdentifierProperty } from '../src/relations/identifiers.js';

const folder = mkdtempSync(join(tmpdir(), 'zsre-relations-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

/** Runs the promise and returns the ZsreError it rejects with (fails the test otherwise). */
async function zsreError(promise: Promise<unknown>, code: ZsreErrorCode): Promise<ZsreError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ZsreError);
  expect((error as ZsreError).code).toBe(code);
  return error as ZsreError;
}

describe('loadRelations from an array', () => {
  it('validates, trims and drops empty descriptions', async () => {
    const relations = await loadRelations([
      { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
      { id: ' P40 ', name: ' child ' },
      { id: 'P22', name: 'father', description: '  ' },
    ]);
    expect(relations).toEqual([
      { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
      { id: 'P40', name: 'child' },
      { id: 'P22', name: 'father' },
    ]);
    expect(Object.hasOwn(relations[1]!, 'description')).toBe(false);
  });

  it('returns a new array, so the caller may change it', async () => {
    const input = [{ id: 'a', name: 'A' }];
    const relations = await loadRelations(input);
    expect(relations).not.toBe(input);
    expect(relations[0]).not.toBe(input[0]);
  });

  it('rejects an empty array with EMPTY_RELATIONS', async () => {
    const error = await zsreError(loadRelations([]), 'EMPTY_RELATIONS');
    expect(error.message).toMatch(/at least one relation/);
  });

  it('names the duplicated id and both positions', async () => {
    const error = await zsreError(
      loadRelations([
        { id: 'P1', name: 'one' },
        { id: 'P2', name: 'two' },
        { id: 'P1', name: 'again' },
      ]),
      'DUPLICATE_RELATION_ID',
    );
    expect(error.message).toContain('"P1"');
    expect(error.message).toContain('entry 0');
    expect(error.message).toContain('entry 2');
    expect(error.context).toMatchObject({ id: 'P1', firstPosition: 0, secondPosition: 2 });
  });

  it.each([
    [{ id: '', name: 'x' }, 'id'],
    [{ id: 'P1', name: '   ' }, 'name'],
    [{ id: 'P1' }, 'name'],
    [{ id: 7, name: 'x' }, 'id'],
    [{ id: 'P1', name: 'x', description: 3 }, 'description'],
  ])('rejects %j with INVALID_INPUT naming field %s', async (entry, field) => {
    const error = await zsreError(loadRelations([{ id: 'ok', name: 'fine' }, entry as never]), 'INVALID_INPUT');
    expect(error.message).toContain(`field "${field}"`);
    expect(error.message).toContain('entry 1');
    expect(error.context).toMatchObject({ position: 1, field });
  });

  it('rejects an entry that is not an object', async () => {
    const error = await zsreError(loadRelations(['P26' as never]), 'INVALID_INPUT');
    expect(error.message).toContain('entry 0');
  });

  it('rejects a source that is neither array nor string', async () => {
    await zsreError(loadRelations(42 as never), 'INVALID_INPUT');
    await zsreError(loadRelations(''), 'INVALID_INPUT');
  });
});

describe('loadRelations from a .json file', () => {
  it('reads an array of relations', async () => {
    const path = file('array.json', JSON.stringify([{ id: 'P26', name: 'spouse', description: 'married to' }]));
    expect(await loadRelations(path)).toEqual([{ id: 'P26', name: 'spouse', description: 'married to' }]);
  });

  it("reads FewRel's pid2name map {id: [name, description]}, dropping its placeholder description", async () => {
    const path = file(
      'pid2name.json',
      JSON.stringify({ P26: ['spouse', 'married to'], P2389: ['organization directed from the office or person', 'No description defined'], P9: ['only a name'] }),
    );
    expect(await loadRelations(path)).toEqual([
      { id: 'P26', name: 'spouse', description: 'married to' },
      { id: 'P2389', name: 'organization directed from the office or person' },
      { id: 'P9', name: 'only a name' },
    ]);
  });

  it('reads a map {id: "text"} as the whole label text', async () => {
    const path = file('descriptions.json', JSON.stringify({ P26: 'spouse is the subject has the object as their spouse' }));
    expect(await loadRelations(path)).toEqual([{ id: 'P26', name: 'spouse is the subject has the object as their spouse' }]);
  });

  it('refuses one relation object written without its array, instead of reading its fields as ids', async () => {
    const path = file('one.json', JSON.stringify({ id: 'rival', name: 'rival of', description: 'competes with' }));
    const error = await zsreError(loadRelations(path), 'INVALID_INPUT');
    expect(error.message).toContain('holds one relation object');
    expect(error.message).toContain('wrap it in [ ]');
  });

  it('rejects map values of the wrong shape, naming the key', async () => {
    const path = file('badmap.json', JSON.stringify({ P1: ['a', 'b'], P2: { name: 'x' } }));
    const error = await zsreError(loadRelations(path), 'INVALID_INPUT');
    expect(error.message).toContain('key "P2"');
    expect(error.message).toContain(path);
  });

  it('rejects an empty name inside a map entry', async () => {
    const path = file('emptyname.json', JSON.stringify({ P1: ['', 'desc'] }));
    const error = await zsreError(loadRelations(path), 'INVALID_INPUT');
    expect(error.message).toContain('key "P1"');
    expect(error.message).toContain('field "name"');
  });

  it('reports schema failures in an array file with the entry and the path', async () => {
    const path = file('badarray.json', JSON.stringify([{ id: 'P1', name: 'a' }, { id: 'P2' }]));
    const error = await zsreError(loadRelations(path), 'INVALID_INPUT');
    expect(error.message).toContain(`entry 1 (0-based) of ${path}`);
    expect(error.message).toContain('field "name"');
  });

  it('reports duplicates in an array file', async () => {
    const path = file('dup.json', JSON.stringify([{ id: 'P1', name: 'a' }, { id: 'P1', name: 'b' }]));
    const error = await zsreError(loadRelations(path), 'DUPLICATE_RELATION_ID');
    expect(error.context).toMatchObject({ id: 'P1', firstPosition: 0, secondPosition: 1, path });
  });

  it('rejects empty sets in both JSON forms', async () => {
    await zsreError(loadRelations(file('empty-array.json', '[]')), 'EMPTY_RELATIONS');
    await zsreError(loadRelations(file('empty-map.json', '{}')), 'EMPTY_RELATIONS');
  });

  it('rejects JSON that is not an array or object', async () => {
    await zsreError(loadRelations(file('number.json', '12')), 'INVALID_INPUT');
  });

  it('reports invalid JSON, a missing file and an unknown extension as RELATIONS_FILE with the path', async () => {
    const broken = file('broken.json', '[{"id": "P1",');
    const error = await zsreError(loadRelations(broken), 'RELATIONS_FILE');
    expect(error.message).toContain(broken);
    const missing = join(folder, 'nope.json');
    const missingError = await zsreError(loadRelations(missing), 'RELATIONS_FILE');
    expect(missingError.message).toContain(missing);
    expect(missingError.message).toContain('does not exist');
    expect(missingError.context).toMatchObject({ path: missing });
    const csv = file('relations.csv', 'id,name\n');
    expect((await zsreError(loadRelations(csv), 'RELATIONS_FILE')).message).toContain('.jsonl');
    await zsreError(loadRelations('wikidta'), 'RELATIONS_FILE');
  });

  it('reports a folder named like a file as RELATIONS_FILE', async () => {
    const directory = join(folder, 'directory.json');
    mkdirSync(directory);
    const error = await zsreError(loadRelations(directory), 'RELATIONS_FILE');
    expect(error.message).toContain(directory);
  });
});

describe('loadRelations from a .jsonl file', () => {
  it('reads one relation per line and skips blank lines (including CRLF)', async () => {
    const path = file('rel.jsonl', '{"id":"P26","name":"spouse"}\r\n\n{"id":"P40","name":"child","description":"has child"}\n');
    expect(await loadRelations(path)).toEqual([
      { id: 'P26', name: 'spouse' },
      { id: 'P40', name: 'child', description: 'has child' },
    ]);
  });

  it('reports a malformed line as JSONL_PARSE with the 1-based line and the path', async () => {
    const path = file('malformed.jsonl', '{"id":"P1","name":"a"}\n\n{"id": "P2", "name": \n');
    const error = await zsreError(loadRelations(path), 'JSONL_PARSE');
    expect(error.context).toMatchObject({ line: 3, path });
    expect(error.message).toContain(`line 3 of ${path}`);
  });

  it('reports schema failures with the line number', async () => {
    const path = file('badline.jsonl', '{"id":"P1","name":"a"}\n{"id":"P2","name":""}\n');
    const error = await zsreError(loadRelations(path), 'INVALID_INPUT');
    expect(error.message).toContain(`line 2 of ${path}`);
    expect(error.context).toMatchObject({ line: 2, field: 'name' });
  });

  it('reports duplicates with both line numbers', async () => {
    const path = file('dup.jsonl', '{"id":"P1","name":"a"}\n\n{"id":"P1","name":"b"}\n');
    const error = await zsreError(loadRelations(path), 'DUPLICATE_RELATION_ID');
    expect(error.message).toContain('line 1');
    expect(error.message).toContain('line 3');
    expect(error.context).toMatchObject({ firstPosition: 1, secondPosition: 3 });
  });

  it('reads a .json and a .jsonl file that start with a UTF-8 byte-order mark', async () => {
    const jsonl = file('bom.jsonl', '\uFEFF{"id":"P26","name":"spouse"}\r\n{"id":"P40","name":"child"}\r\n');
    expect((await loadRelations(jsonl)).map((relation) => relation.id)).toEqual(['P26', 'P40']);
    const json = file('bom.json', '\uFEFF[{"id":"P26","name":"spouse"}]');
    expect((await loadRelations(json))[0]).toMatchObject({ id: 'P26', name: 'spouse' });
  });

  it('rejects a file with only blank lines as EMPTY_RELATIONS', async () => {
    await zsreError(loadRelations(file('blank.jsonl', '\n\n')), 'EMPTY_RELATIONS');
  });
});

describe('the built-in "wikidata" relation set', () => {
  it('holds all 11,665 properties, unique, with P26 spouse', async () => {
    const relations = await loadRelations('wikidata');
    expect(relations).toHaveLength(11_665);
    expect(new Set(relations.map((relation) => relation.id)).size).toBe(11_665);
    const spouse = relations.find((relation) => relation.id === 'P26');
    expect(spouse?.name).toBe('spouse');
    expect(spouse?.description).toMatch(/^the subject has the object as their spouse/);
    // 93 properties have no description in the source: they must load as name-only relations.
    expect(relations.filter((relation) => relation.description === undefined)).toHaveLength(93);
    expect(relations.every((relation) => /^P\d+$/.test(relation.id) && relation.name.trim() === relation.name && relation.name !== '')).toBe(true);
  });

  it('"wikidata-no-ids" leaves out the identifier properties and keeps every relation between things', async () => {
    const all = await loadRelations('wikidata');
    const kept = await loadRelations('wikidata-no-ids');
    expect(kept).toHaveLength(3_400);
    const keptIds = new Set(kept.map((relation) => relation.id));
    // Every kept relation is one of the full set's, unchanged and in the same order.
    expect(all.filter((relation) => keptIds.has(relation.id))).toEqual(kept);
    // Relations between things stay (spouse, place of birth, located in, mountain range) ...
    for (const id of ['P26', 'P19', 'P131', 'P4552', 'P2378' /* issued by: its description names an identifier */]) expect(keptIds.has(id)).toBe(true);
    // ... identifiers go: by "ID" in the label, or a description calling the value an identifier.
    for (const id of ['P10413' /* NVE glacier ID */, 'P214' /* VIAF ID */, 'P498' /* ISO 4217 code */, 'P305' /* IETF language tag */]) expect(keptIds.has(id)).toBe(false);
  });

  it('tells identifier properties by their label or description', () => {
    expect(isIdentifierProperty({ id: 'P1', name: 'NVE glacier ID', description: 'identifier for a glacier in the NVE atlas' })).toBe(true);
    expect(isIdentifierProperty({ id: 'P1', name: 'ISO 4217 code', description: 'identifier for a currency per ISO 4217' })).toBe(true);
    expect(isIdentifierProperty({ id: 'P1', name: 'funk channel ID' })).toBe(true);
    expect(isIdentifierProperty({ id: 'P1', name: 'spouse', description: 'the subject has the object as their spouse' })).toBe(false);
    // "ID" as a word only: not "IDE" or "Idaho", and "identifier" as a word only.
    expect(isIdentifierProperty({ id: 'P1', name: 'IDE used', description: 'software used to write it' })).toBe(false);
    expect(isIdentifierProperty({ id: 'P1', name: 'born in Idaho', description: 'identifiers aside, where' })).toBe(false);
  });

  it('gives every caller its own copy', async () => {
    const first = await loadRelations('wikidata');
    first[0]!.name = 'changed';
    first.pop();
    const second = await loadRelations('wikidata');
    expect(second).toHaveLength(11_665);
    expect(second[0]!.name).not.toBe('changed');
  });
});

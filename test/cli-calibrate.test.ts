/**
 * `zsre calibrate` (src/cli/calibrate-command.ts): fits a calibration file from labelled pairs with
 * the shipped model, which `zsre extract --calibration FILE.json` and createExtractor({ calibration })
 * then use alike; an existing output is never replaced without --overwrite; bad input names its line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExtractor, type CalibrationFile } from '../src/index.js';
import { cliWorkspace } from './helpers/cliProcess.js';

const workspace = cliWorkspace('zsre-cli-calibrate-');
afterAll(() => workspace.remove());

const relations = workspace.file(
  'relations.json',
  JSON.stringify([
    { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
    { id: 'P19', name: 'place of birth', description: 'birth location of a person' },
    { id: 'P108', name: 'employer', description: 'person or organization for which the subject works' },
    { id: 'P50', name: 'author', description: 'main creator of a written work' },
    { id: 'P159', name: 'headquarters location', description: "city where an organization's headquarters is" },
  ]),
);
const pair = (text: string, head: string, tail: string, relation: string | null) => ({ text, head, tail, relation });
const labelled = [
  pair('Ivy married Jon in 1990.', 'Ivy', 'Jon', 'P26'),
  pair('Ada Lovelace was born in London.', 'Ada Lovelace', 'London', 'P19'),
  pair('Tom works for Acme Corp in Boston.', 'Tom', 'Acme Corp', 'P108'),
  pair('Tom works for Acme Corp in Boston.', 'Tom', 'Boston', null),
  pair('Jane Austen wrote Emma.', 'Emma', 'Jane Austen', 'P50'),
  pair('Acme Corp is based in Boston.', 'Acme Corp', 'Boston', 'P159'),
  pair('Gus sat next to Hal on the train.', 'Gus', 'Hal', null),
  pair('Bob visited Paris last summer.', 'Bob', 'Paris', null),
  pair('Mary and Pete both like jazz.', 'Mary', 'Pete', null),
  pair('Lena was born in Oslo and moved to Rome.', 'Lena', 'Oslo', 'P19'),
  pair('Lena was born in Oslo and moved to Rome.', 'Lena', 'Rome', null),
  pair('Globex, headquartered in Springfield, hired Homer.', 'Globex', 'Springfield', 'P159'),
  pair('Globex, headquartered in Springfield, hired Homer.', 'Homer', 'Globex', 'P108'),
  pair('Carl read a novel by Tolstoy on the bus.', 'Carl', 'Tolstoy', null),
  pair('Nina and Omar wed in Lisbon.', 'Nina', 'Omar', 'P26'),
  pair('Nina and Omar wed in Lisbon.', 'Nina', 'Lisbon', null),
];
// The first line names its entities for RDF output as an extract line may: calibrate takes it.
const lines = labelled.map((line, index) => (index === 0 ? { ...line, headId: 'https://example.org/ivy', tailId: 'https://example.org/jon' } : line));
const input = workspace.file('labelled.jsonl', `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
const output = join(workspace.work, 'calibration.json');

describe('zsre calibrate', () => {
  it('writes a calibration that zsre extract --calibration FILE and createExtractor use alike', async () => {
    const outcome = await workspace.zsre('calibrate', '--relations', relations, '--input', input, '--output', output, '--precision', '0.6');
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/wrote .*calibration\.json: 16 pairs \(9 related\); threshold 0\.\d+, on held-out pairs precision \d+\.\d%, recall \d+\.\d%; relation biases (none|for \d+ relations)/);
    expect(outcome.stderr).toMatch(/fitting: 100%/);
    expect(outcome.stderr).toMatch(/only 9 related pairs: the threshold may miss its precision on new text/);
    const calibration = JSON.parse(readFileSync(output, 'utf8')) as CalibrationFile;
    expect(calibration.relations).toEqual(['P26', 'P19', 'P108', 'P50', 'P159']);

    const items = [
      { text: 'Ruth married Sam in Paris.', head: 'Ruth', tail: 'Sam' },
      { text: 'Ruth married Sam in Paris.', head: 'Ruth', tail: 'Paris' },
      { text: 'Vic saw Wes at the station.', head: 'Vic', tail: 'Wes' },
    ];
    const extractInput = workspace.file('items.jsonl', items.map((item) => JSON.stringify(item)).join('\n'));
    const extractOutput = join(workspace.work, 'out.jsonl');
    const extracted = await workspace.zsre('extract', '--relations', relations, '--input', extractInput, '--output', extractOutput, '--calibration', output);
    expect(extracted.code, extracted.stderr).toBe(0);
    // Another relation set: the calibration is refused as an option, not as a model that cannot load.
    const fewer = workspace.file('fewer.json', JSON.stringify((JSON.parse(readFileSync(relations, 'utf8')) as unknown[]).slice(0, 4)));
    const refused = await workspace.zsre('extract', '--relations', fewer, '--input', extractInput, '--output', join(workspace.work, 'other.jsonl'), '--calibration', output);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/cannot start the extractor: .*another relation set/);
    const records = readFileSync(extractOutput, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { result: unknown });
    const extractor = await createExtractor({ relations, cacheDir: join(workspace.work, 'lib-cache'), calibration });
    try {
      expect(records.map((record) => record.result)).toEqual(JSON.parse(JSON.stringify(await extractor.extractBatch(items))));
    } finally {
      await extractor.dispose();
    }
  }, 300_000);

  it('takes labelled documents too: every pair extract would classify, labelled by its triples', async () => {
    const document = {
      text: 'Marie Curie was born in Warsaw in 1867. She studied at the University of Paris, where she met Pierre Curie. Their daughter Irène Joliot-Curie won a Nobel Prize.',
      entities: ['Marie Curie', 'Warsaw', 'University of Paris', 'Pierre Curie', 'Irène Joliot-Curie'],
      triples: [
        { head: 'Marie Curie', tail: 'Warsaw', relation: 'P19' },
        { head: 'Irène Joliot-Curie', tail: 'Marie Curie', relation: 'P26' },
      ],
    };
    const mixed = workspace.file('mixed.jsonl', [...labelled.map((line) => JSON.stringify(line)), JSON.stringify(document)].join('\n'));
    const outcome = await workspace.zsre('calibrate', '--relations', relations, '--input', mixed, '--output', join(workspace.work, 'mixed.json'), '--precision', '0.6');
    expect(outcome.code, outcome.stderr).toBe(0);
    // 16 pairs + the document's 4 sentence pairs (Marie Curie / Warsaw, University of Paris / Pierre Curie, both ways), 1 related.
    expect(outcome.stdout).toMatch(/20 pairs \(10 related\)/);
    expect(outcome.stderr).toMatch(/1 labelled triple\(s\) are between entities the document lines do not pair/);
    const bad = workspace.file('bad-document.jsonl', [JSON.stringify(labelled[0]), JSON.stringify({ ...document, entities: ['Marie Curie'] })].join('\n'));
    const refused = await workspace.zsre('calibrate', '--relations', relations, '--input', bad, '--output', join(workspace.work, 'bad.json'));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/line 2: .*triple 0's tail "Warsaw" .* is not one of the document's entities/);
  }, 300_000);

  it('keeps an existing output unless --overwrite', async () => {
    const before = readFileSync(output, 'utf8');
    const outcome = await workspace.zsre('calibrate', '--relations', relations, '--input', input, '--output', output);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--output .*calibration\.json exists: pass --overwrite/);
    expect(readFileSync(output, 'utf8')).toBe(before);
  });

  it('names the line of a bad labelled pair, and writes nothing', async () => {
    const notJson = workspace.file('not-json.jsonl', `${JSON.stringify(labelled[0])}\n{oops\n`);
    const fresh = join(workspace.work, 'fresh.json');
    const first = await workspace.zsre('calibrate', '--relations', relations, '--input', notJson, '--output', fresh);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/line 2 is not JSON/);
    const unknown = workspace.file('unknown.jsonl', ['', ...labelled.slice(0, 3).map((line) => JSON.stringify(line)), JSON.stringify({ ...labelled[3], relation: 'P999' })].join('\n'));
    const second = await workspace.zsre('calibrate', '--relations', relations, '--input', unknown, '--output', fresh);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/--input .*unknown\.jsonl line 5: relation "P999" is not one of the extractor's relations/);
    expect(second.stderr).not.toContain('labelled pair 3');
    const missing = await workspace.zsre('extract', '--relations', relations, '--input', input, '--output', join(workspace.work, 'x.jsonl'), '--calibration', join(workspace.work, 'nope.json'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/cannot read the calibration file .*nope\.json/);
    expect(existsSync(fresh)).toBe(false);
  }, 120_000);
});

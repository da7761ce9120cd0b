import { exitCodes, parseCommandArgs } from './args.js';
import { LoadFailure, describeError, openExtractor } from '../batch/index.js';
import { loadRelations, type Relation } from '../relations/index.js';
import type { ExtractResult, TextItem } from '../schemas.js';

export const demoHelp = `Usage: zsre demo [--model DIR]

Runs a handful of built-in sentences (people, places, organisations, works, science) against a
small set of Wikidata relations, plus one relation taught only by example sentences ("rival"),
and prints what the model predicts.

Options:
  --model DIR   model directory (default: the bundled default model)
  -h, --help    show this help

Exit codes: 0 ok; 2 usage error; 3 the model failed to load or run.
`;

/** Wikidata properties the demo chooses from; names and descriptions come from the built-in set. */
export const demoRelationIds = [
  'P26', 'P40', 'P19', 'P20', 'P27', 'P69', 'P108', 'P131', 'P17', 'P36',
  'P169', 'P112', 'P159', 'P50', 'P57', 'P800', 'P61', 'P403',
];

export const demoItems: TextItem[] = [
  { id: 'people', text: 'Marie Curie married the physicist Pierre Curie in 1895 in Sceaux.', head: 'Marie Curie', tail: 'Pierre Curie' },
  { id: 'birth', text: 'Frida Kahlo was born in Coyoacán, a village on the outskirts of Mexico City.', head: 'Frida Kahlo', tail: 'Coyoacán' },
  { id: 'place', text: 'The Eiffel Tower stands on the Champ de Mars in Paris.', head: 'Eiffel Tower', tail: 'Paris' },
  { id: 'capital', text: 'Canberra was chosen as the capital of Australia in 1908.', head: 'Australia', tail: 'Canberra' },
  { id: 'organisation', text: 'Apple was founded by Steve Jobs, Steve Wozniak and Ronald Wayne in 1976.', head: 'Apple', tail: 'Steve Jobs' },
  { id: 'ceo', text: 'Satya Nadella became chief executive of Microsoft in 2014.', head: 'Microsoft', tail: 'Satya Nadella' },
  { id: 'work', text: 'Pride and Prejudice, the novel by Jane Austen, appeared in 1813.', head: 'Pride and Prejudice', tail: 'Jane Austen' },
  { id: 'science', text: 'Penicillin was discovered by Alexander Fleming at St Mary\'s Hospital in 1928.', head: 'Penicillin', tail: 'Alexander Fleming' },
  { id: 'river', text: 'After 2,850 km the Danube empties into the Black Sea.', head: 'Danube', tail: 'Black Sea' },
];

/**
 * A relation no description defines: three example sentences teach it (README, "Teach a relation
 * with examples"). Its name is shown, never read as a description would be.
 */
export const demoExampleRelation: Relation = {
  id: 'rival',
  name: 'rival (taught by 3 examples)',
  examples: [
    { text: 'Coca-Cola has long been the main rival of Pepsi.', head: 'Coca-Cola', tail: 'Pepsi' },
    { text: 'Federer and his great rival Nadal met again in the final.', head: 'Federer', tail: 'Nadal' },
    { text: 'Airbus competes with Boeing for every large airliner order.', head: 'Airbus', tail: 'Boeing' },
  ],
};
export const demoExampleItem: TextItem = { id: 'rival', text: 'Nike has battled its competitor Adidas for decades.', head: 'Nike', tail: 'Adidas' };

const options = {
  model: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, options);
  if (values.help === true) {
    process.stdout.write(demoHelp);
    return exitCodes.ok;
  }
  const wanted = new Set(demoRelationIds);
  let relations: Relation[];
  try {
    relations = [...(await loadRelations('wikidata')).filter((relation) => wanted.has(relation.id)), demoExampleRelation];
  } catch (error) {
    throw new LoadFailure(`cannot load the built-in relation set "wikidata": ${describeError(error)}`, { cause: error });
  }
  const extractor = await openExtractor({ relations, ...(values.model === undefined ? {} : { model: values.model }) });
  try {
    const manifestName = extractor.model.manifest.name;
    if (manifestName === 'tiny-fixture') {
      process.stdout.write(
        'NOTE: the loaded model is the untrained test fixture "tiny-fixture" (no trained model is installed):\n' +
          'its predictions are meaningless. Pass --model DIR with a trained model directory.\n\n',
      );
    }
    process.stdout.write(`model: ${manifestName} (${extractor.model.precision}) from ${extractor.model.directory}\n`);
    process.stdout.write(
      `relations: ${relations.length - 1} Wikidata properties (${demoRelationIds.join(' ')}) and "${demoExampleRelation.id}", taught by examples only\n\n`,
    );
    const items = [...demoItems, demoExampleItem];
    const started = performance.now();
    const results = await extractor.extractBatch(items);
    const milliseconds = performance.now() - started;
    process.stdout.write(`${formatTable(items, results)}\n`);
    process.stdout.write(`\n${items.length} sentences in ${milliseconds.toFixed(0)} ms\n`);
  } finally {
    await extractor.dispose();
  }
  return exitCodes.ok;
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function describeBest(result: ExtractResult): string {
  const best = result.candidates[0];
  if (result.relation !== null) return `${shorten(result.relation.name, 28)} ${result.relation.probability.toFixed(2)}`;
  return best === undefined ? 'no relation' : `no relation (best: ${shorten(best.name, 20)} ${best.probability.toFixed(2)})`;
}

function describeRunnerUp(result: ExtractResult): string {
  const second = result.candidates[1];
  return second === undefined ? '-' : `${shorten(second.name, 24)} ${second.probability.toFixed(2)}`;
}

export function formatTable(items: readonly TextItem[], results: readonly ExtractResult[]): string {
  const header = ['sentence', 'head', 'tail', 'predicted (p)', 'runner-up (p)'];
  const rows = results.map((result, index) => [
    shorten(items[index]?.text ?? '', 40),
    shorten(result.head.text, 20),
    shorten(result.tail.text, 20),
    describeBest(result),
    describeRunnerUp(result),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

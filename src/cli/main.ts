import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isZsreError } from '../errors.js';
import { packageRoot } from '../relations/packageRoot.js';
import { exitCodes, UsageError } from './args.js';
import { runCalibrate } from './calibrate-command.js';
import { runDemo } from './demo.js';
import { runExtract } from './extract.js';
import { runIndex } from './index-command.js';
import { runQueue } from './queue-command.js';
import { describeError, LoadFailure } from '../batch/index.js';

const commands: Record<string, { run: (args: string[]) => Promise<number>; summary: string }> = {
  calibrate: { run: runCalibrate, summary: 'fit a "no relation" calibration on pairs labelled with your relations' },
  demo: { run: runDemo, summary: 'run built-in example sentences and print the predictions' },
  extract: { run: runExtract, summary: 'classify every line of a JSONL file (resumable)' },
  index: { run: runIndex, summary: 'precompute and persist the label index of a relation set' },
  queue: { run: runQueue, summary: 'run extract across machines: shard jobs on Redis (BullMQ), workers, merge' },
};

const mainHelp = `Usage: zsre <command> [options]

Zero-shot relation extraction: given a sentence, a head and a tail entity and a set of relation
descriptions (your own, or the built-in "wikidata" set of 11,665 properties, or "wikidata-no-ids",
the same without its identifiers), rank the relations with calibrated probabilities, or answer
"no relation".

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(11)}${command.summary}`)
  .join('\n')}

Options:
  -h, --help     show this help (zsre <command> --help for a command's options)
  -v, --version  print the version

Exit codes: 0 ok; 1 some input lines had errors (extract; the others were processed);
  2 usage error; 3 the model or the relation set failed to load or run;
  4 the output could not be written (full disk: free space and rerun). "zsre extract --help" says more.
`;

function version(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return String(manifest.version);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(mainHelp);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${version()}\n`);
    return exitCodes.ok;
  }
  const command = commands[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`zsre: ${error.message}\nRun "zsre ${command === undefined ? '' : `${name} `}--help" for usage.\n`);
      return exitCodes.usage;
    }
    // An output zsre may not touch (another run's, not its own, a line twice) is a usage error:
    // the fix is another --output or --overwrite, named in the message.
    if (isZsreError(error) && (error.code === 'OUTPUT_CONFLICT' || error.code === 'OUTPUT_LOCKED')) {
      process.stderr.write(`zsre: ${describeError(error)}\n`);
      return exitCodes.usage;
    }
    if (isZsreError(error) && error.code === 'OUTPUT_WRITE') {
      process.stderr.write(`zsre: ${describeError(error)}\n`);
      return exitCodes.outputFailure;
    }
    if (error instanceof LoadFailure) {
      process.stderr.write(`zsre: ${error.message}\n`);
      return exitCodes.loadFailure;
    }
    // A failure past loading (a model call, a write) ends the run; what was written stays resumable.
    process.stderr.write(`zsre: ${isZsreError(error) ? '' : 'unexpected error: '}${describeError(error)}\n`);
    if (!isZsreError(error) && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
    return exitCodes.loadFailure;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`zsre: ${describeError(error)}\n`);
    process.exitCode = exitCodes.loadFailure;
  },
);

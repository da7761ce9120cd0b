import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { describeError, LoadFailure, openExtractor } from '../batch/index.js';
import { labelDocument, type LabelledDocumentInput } from '../documents/labelDocument.js';
import type { LabelledPair } from '../calibration/fitCalibration.js';
import { exitCodes, parseCommandArgs, probability, requireFile, requireOption, UsageError } from './args.js';
import { labelIndexProgress } from './progress.js';

export const calibrateHelp = `Usage: zsre calibrate --relations FILE|wikidata --input FILE --output FILE [--model DIR]
       [--precision X] [--overwrite]

Fits a "no relation" calibration on entity pairs you labelled with your own relations, for text
where most pairs hold none of them (a knowledge graph built from documents). The model's own
calibration was fitted where every sentence holds some relation and answers far too often there;
one fitted on another relation set carries over little. Every pair is scored with the model, a
"no relation" vector is fitted on the sentence vectors, and the threshold is the smallest that
reaches --precision on pairs held out from the fit. Use the file with
  zsre extract --calibration FILE ...   or   createExtractor({ relations, calibration })
with the same model and relations (anything else is refused).

Input (.jsonl), one per line, either
- a labelled pair: an extract line ({"text","head","tail"} or {"tokens","head","tail"}) plus
  "relation": a relation id, a list of ids, or null when the pair holds none of them; optionally
  "group" (e.g. the document's id: folds keep a group together; default the text); or
- a labelled document: {"text", "entities", "triples": [{"head","tail","relation"}, ...]} (and
  optionally "pairs", "windowSentences", "maxTokenDistance", "directions" as in extract's document
  lines): every pair zsre extract would classify in it is labelled with the triples between its
  entities, or null (labelDocument in zsre/kg).
Label every pair of entities you would extract from, related or not: a few thousand pairs from a
few dozen documents are enough to start.

Options:
  --relations FILE|wikidata  the relation set you will extract with (.json or .jsonl, or a built-in
                             set: "wikidata" or "wikidata-no-ids")
  --input FILE               labelled pairs (.jsonl)
  --output FILE              where the calibration goes (.json); an existing file is kept unless
                             --overwrite
  --model DIR                model directory (default: the bundled default model)
  --precision X              precision the threshold must reach on held-out pairs (default 0.7)
  --overwrite                replace an existing --output
  -h, --help                 show this help

Exit codes: 0 ok; 2 usage error (or an existing --output); 3 the model, the relation set or the
labelled pairs failed to load or fit.
`;

/** Below this many related pairs a threshold read off held-out folds was measured to miss its precision. */
const FEW_RELATED = 300;

const options = {
  relations: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  model: { type: 'string' },
  precision: { type: 'string' },
  overwrite: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runCalibrate(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, options);
  if (values.help === true) {
    process.stdout.write(calibrateHelp);
    return exitCodes.ok;
  }
  const relations = requireOption(values.relations, '--relations');
  const input = requireOption(values.input, '--input');
  const output = requireOption(values.output, '--output');
  const precision = probability(values.precision, '--precision') ?? 0.7;
  if (precision <= 0 || precision >= 1) throw new UsageError(`--precision must lie strictly between 0 and 1, received "${values.precision}"`);
  if (!output.toLowerCase().endsWith('.json')) throw new UsageError(`--output must name a .json file (what --calibration reads as a file), received "${output}"`);
  // Never replace a file this command was not asked to replace.
  if (existsSync(output) && values.overwrite !== true) {
    throw new UsageError(`--output ${output} exists: pass --overwrite to replace it, or another --output`);
  }
  const { pairs, lines } = await readLabelledPairs(input);
  const extractor = await openExtractor({ relations, ...(values.model === undefined ? {} : { model: values.model }), onProgress: labelIndexProgress() });
  try {
    const { fitCalibration } = await import('../calibration/fitCalibration.js');
    let shown = '';
    const calibration = await fitCalibration(extractor, pairs, {
      precision,
      onProgress: ({ stage, done, total }) => {
        const percent = Math.floor((100 * done) / total);
        const line = `${stage === 'score' ? 'scoring pairs' : 'fitting'}: ${percent}%`;
        if (line === shown) return;
        shown = line;
        // A terminal gets one line redrawn; a log file a line per quarter, not a run of carriage returns.
        if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
        else if (percent % 25 === 0) process.stderr.write(`${line}\n`);
      },
    }).catch((error: unknown) => {
      // "labelled pair N" / "Item N" count pairs from 0: name the line of --input instead.
      const match = error instanceof Error ? /^(?:labelled pair|Item) (\d+)/i.exec(error.message) : null;
      const line = match === null ? undefined : lines[Number(match[1])];
      if (line !== undefined && error instanceof Error) error.message = `--input ${input} line ${line}${error.message.slice((match as RegExpExecArray)[0].length)}`;
      throw error;
    });
    // Written whole or not at all: a temporary file renamed into place.
    const partial = `${output}.partial`;
    await writeFile(partial, `${JSON.stringify(calibration, null, 2)}\n`);
    await rename(partial, output);
    const held = calibration.fittedOn['outOfFold'] as { fused: { atThreshold: { precision: number; recall: number } } };
    const related = calibration.fittedOn['related'] as number;
    if (related < FEW_RELATED) {
      process.stderr.write(
        `zsre: only ${related} related pairs: the threshold may miss its precision on new text (fitted on 10 Re-DocRED documents, 122 related pairs, ` +
          `it gave 64% for a 70% target; from 315 on it held: README, "Calibrate"). Label more documents.\n`,
      );
    }
    process.stdout.write(
      `wrote ${output}: ${calibration.fittedOn['pairs']} pairs (${calibration.fittedOn['related']} related); threshold ${calibration.threshold.toFixed(3)}, ` +
        `on held-out pairs precision ${(100 * held.fused.atThreshold.precision).toFixed(1)}%, recall ${(100 * held.fused.atThreshold.recall).toFixed(1)}%; ` +
        `relation biases ${calibration.relationBiases === undefined ? 'none (they did not help on held-out pairs)' : `for ${Object.keys(calibration.relationBiases).length} relations`}\n`,
    );
    const fusedPairs = calibration.fittedOn['fusedPairs'] as number;
    if (fusedPairs < (calibration.fittedOn['pairs'] as number)) {
      // Pairs with a relation taught by examples among their candidates are fused bi-only (rerank.ts).
      process.stdout.write(
        fusedPairs === 0
          ? 'zsre: too few pairs without a taught relation among their candidates to fit the cross-encoder block: it is the bi-only block\n'
          : `zsre: the cross-encoder block was fitted on the ${fusedPairs} pairs without a taught relation among their candidates (the others are answered bi-only)\n`,
      );
    }
    return exitCodes.ok;
  } finally {
    await extractor.dispose();
  }
}

/**
 * An extract line may name its entities for RDF output (headId, tailId); a labelled pair is an
 * extract line plus "relation", so they are accepted here and set aside: calibration has no use
 * for them. Any other field is checked by fitCalibration.
 */
function withoutEntityIds(parsed: unknown): LabelledPair {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return parsed as LabelledPair;
  const { headId: _headId, tailId: _tailId, ...pair } = parsed as Record<string, unknown>;
  return pair as LabelledPair;
}

/** The labelled pairs of a .jsonl file; a line that is not JSON is an error naming it. */
async function readLabelledPairs(path: string): Promise<{ pairs: LabelledPair[]; lines: number[] }> {
  let text: string;
  requireFile(path, '--input');
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --input ${path}: ${(error as Error).message}`);
  }
  const pairs: LabelledPair[] = [];
  const lines: number[] = [];
  let unpaired = 0;
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new UsageError(`--input ${path} line ${index + 1} is not JSON (${(error as Error).message}): one labelled pair or document per line`);
    }
    if (typeof parsed === 'object' && parsed !== null && 'triples' in parsed) {
      // A labelled document: its pairs as zsre extract pairs a document line, each labelled.
      let labelled: ReturnType<typeof labelDocument>;
      try {
        labelled = labelDocument({ group: `line ${index + 1}`, ...(parsed as LabelledDocumentInput) });
      } catch (error) {
        throw new LoadFailure(`--input ${path} line ${index + 1}: ${describeError(error)}`, { cause: error });
      }
      pairs.push(...labelled.pairs);
      labelled.pairs.forEach(() => lines.push(index + 1));
      unpaired += labelled.unpaired.length;
      return;
    }
    pairs.push(withoutEntityIds(parsed));
    lines.push(index + 1);
  });
  if (pairs.length === 0) throw new UsageError(`--input ${path} holds no labelled pairs`);
  if (unpaired > 0) {
    process.stderr.write(`zsre: ${unpaired} labelled triple(s) are between entities the document lines do not pair (further apart than their "pairs" reaches): left out\n`);
  }
  return { pairs, lines };
}

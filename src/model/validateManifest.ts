import { ZsreError } from '../errors.js';
import { type GraphName, type Manifest, manifestSchema, optionalInputs, requiredNames, supportedFormatVersions } from './manifest.js';

/**
 * The checks on a parsed manifest.json that do not depend on where it came from (a folder in
 * Node, a URL in the page): the format version, the schema, and the tensor names the runtime
 * feeds. `file` names the manifest in messages (a path or a URL).
 */

/** A JSON object with a format version this runtime reads; otherwise MODEL_INVALID. */
export function checkManifestObject(raw: unknown, file: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ZsreError('MODEL_INVALID', `${file} is not a JSON object: re-export or re-download the model.`, { context: { file } });
  }
  const record = raw as Record<string, unknown>;
  const version = record.formatVersion;
  if (!supportedFormatVersions.some((supported) => supported === version)) {
    throw new ZsreError(
      'MODEL_INVALID',
      `${file}: field "formatVersion" is ${JSON.stringify(version)}, but this zsre reads format versions ` +
        `${supportedFormatVersions.join(' and ')}: upgrade zsre for a newer model, or re-export the model with the current exporter.`,
      { context: { file, field: 'formatVersion' } },
    );
  }
  return record;
}

/** The manifest after its digest was checked: schema, then the graphs' input and output names. */
export function parseManifest(record: Record<string, unknown>, file: string): Manifest {
  const fusion = record.fusion as { examples?: Record<string, unknown> } | undefined;
  if (fusion?.examples !== undefined && fusion.examples !== null && typeof fusion.examples === 'object' && 'kappa' in fusion.examples) {
    throw new ZsreError(
      'MODEL_INVALID',
      `${file}: fusion.examples holds the earlier prototype-blend rule (kappa, scale, offset, background), which this zsre no longer reads: ` +
        'refit it with `npm run bench:fewshot -- --model DIR --write-rule`, or delete fusion.examples and reseal the model (scripts/seal-model.ts) to use the default rule.',
      { context: { file, field: 'fusion.examples' } },
    );
  }
  const parsed = manifestSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined ? '(root)' : issue.path.join('.') || '(root)';
    throw new ZsreError(
      'MODEL_INVALID',
      `${file}: field "${field}" ${issue?.message ?? 'is invalid'}. The manifest must follow docs/model-directory.md; ` +
        're-export the model with the current exporter.',
      { cause: parsed.error, context: { file, field } },
    );
  }
  const manifest = parsed.data;
  for (const graph of Object.keys(requiredNames) as GraphName[]) {
    for (const side of ['inputs', 'outputs'] as const) {
      const declared = new Set(manifest.graphs[graph][side].map((spec) => spec.name));
      const missing = requiredNames[graph][side].filter((name) => !declared.has(name));
      if (missing.length > 0) {
        throw invalidManifest(file, `graphs.${graph}.${side} lacks ${missing.join(', ')}`, `graphs.${graph}.${side}`);
      }
    }
    // An input the runtime does not know would never be fed; the optional ones come as a set.
    const known = new Set([...requiredNames[graph].inputs, ...optionalInputs[graph]]);
    const declared = manifest.graphs[graph].inputs.map((spec) => spec.name);
    const unknown = declared.filter((name) => !known.has(name));
    const optional = optionalInputs[graph].filter((name) => declared.includes(name));
    if (unknown.length > 0 || (optional.length > 0 && optional.length < optionalInputs[graph].length)) {
      const problem = unknown.length > 0 ? `has inputs this runtime cannot feed: ${unknown.join(', ')}` : `declares ${optional.join(', ')} without ${optionalInputs[graph].filter((name) => !optional.includes(name)).join(', ')}`;
      throw invalidManifest(file, `graphs.${graph}.inputs ${problem} (upgrade zsre, or re-export the model)`, `graphs.${graph}.inputs`);
    }
  }
  // A none vector is dotted with the sentence vector: it must have the vector's size.
  const calibrationBlocks = Object.entries(manifest.fusion.calibrations ?? {}).flatMap(([name, calibration]) => [
    [`fusion.calibrations.${name}`, calibration],
    [`fusion.calibrations.${name}.biOnly`, calibration.biOnly],
  ] as const);
  for (const [field, block] of [['fusion', manifest.fusion], ['fusion.biOnly', manifest.fusion.biOnly], ...calibrationBlocks] as const) {
    const length = block.noneVector?.weights.length;
    if (length !== undefined && length !== manifest.vectorSize) {
      throw invalidManifest(file, `${field}.noneVector.weights has ${length} numbers, vectorSize is ${manifest.vectorSize} (refit it with training/fit_none_vector.py)`, `${field}.noneVector.weights`);
    }
  }
  // The examples' common direction is a vector of the sentence side: its size, and not all zero.
  const direction = manifest.fusion.examples?.commonDirection;
  if (direction !== undefined && (direction.length !== manifest.vectorSize || direction.every((value) => value === 0))) {
    const problem = direction.length !== manifest.vectorSize ? `has ${direction.length} numbers, vectorSize is ${manifest.vectorSize}` : 'is all zeros';
    throw invalidManifest(file, `fusion.examples.commonDirection ${problem} (refit it with \`npm run bench:fewshot -- --model DIR --write-rule\`)`, 'fusion.examples.commonDirection');
  }
  return manifest;
}

export function invalidManifest(file: string, problem: string, field: string): ZsreError {
  return new ZsreError('MODEL_INVALID', `${file}: ${problem}. Re-export the model so that manifest.json and its files agree.`, {
    context: { file, field },
  });
}

/** A listed file whose bytes do not hash to the manifest's sha256. */
export function checksumError(file: string, field: string, expected: string, actual: string): ZsreError {
  return new ZsreError(
    'MODEL_CHECKSUM',
    `${file} does not match manifest.json (${field}: sha256 ${actual}, expected ${expected}): the file is corrupt or ` +
      'from another export; re-export the model or re-download the whole directory.',
    { context: { file, field, expected, actual } },
  );
}

/**
 * Migrates model directories from manifest format 1 to format 2 (docs/model-directory.md):
 *
 *   npx tsx scripts/seal-model.ts [--reseal] DIR [DIR ...]
 *
 * Verifies the graph files (and the tokenizer files against provenance.files) before writing,
 * lists each tokenizer file's sha256 and seals the manifest with its digest. Only manifest.json
 * changes. A directory already at format 2 is checked and left alone; with --reseal, a format-2
 * manifest edited on purpose is sealed again once every listed file present matches it. Exits 1
 * on the first directory it refuses (a corrupted file is never sealed).
 */
import { parseArgs } from 'node:util';
import { isZsreError } from '../src/errors.js';
import { sealModelDirectory } from '../src/model/seal.js';

const { values, positionals } = parseArgs({ options: { reseal: { type: 'boolean', default: false } }, allowPositionals: true });
if (positionals.length === 0) {
  console.error('usage: npx tsx scripts/seal-model.ts [--reseal] DIR [DIR ...]');
  process.exit(2);
}
for (const directory of positionals) {
  try {
    const report = await sealModelDirectory(directory, { reseal: values.reseal });
    for (const line of report.files) console.log(`  ${line}`);
    console.log(`${report.outcome}: ${report.manifest} (manifestSha256 ${report.manifestSha256})`);
  } catch (error) {
    console.error(isZsreError(error) ? `${error.code}: ${error.message}` : error);
    process.exit(1);
  }
}

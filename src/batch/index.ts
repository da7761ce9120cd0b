// The batch layer below the CLI and the queue: JSONL input with line numbers,
// input lines -> items -> output records, resume from a killed run's output, and opening an
// extractor or a worker pool with errors that name what failed to load. It imports the layers
// below it (the library, triples, documents, workers) and is imported by the CLI and the queue.
export { isBlank, parseLine, readJsonl, readLines, type JsonlLine, type ParsedLine } from './jsonl.js';
export { readByteLines, type ByteLine } from './byteLines.js';
export {
  inputId,
  isItemError,
  lineId,
  prepareLine,
  runBatch,
  type BatchRunner,
  type LineEntityIds,
  type OutputRecord,
  type PreparedLine,
} from './records.js';
export { keepCompletedLines, type KeptLines, type LineVerdict } from './completedLines.js';
export { lineTwice, notOurs, prepareResume, type ResumeState } from './resume.js';
export { lineMarker, lineMarkerPrefix, scanLineMarkers, type LineMarker, type MarkerScan } from './ntriplesResume.js';
export { describeError, LoadFailure, openCalibration, openExtractor, openNoneExamples, openWorkerPool } from './open.js';

// zsre/web, the browser entry: re-exports only. The same contract as the package's main entry
// (createExtractor / extract / extractBatch / extractAll, ZsreError codes), running in a page.
export { createExtractor, extractRelations } from './createExtractor.js';
export type { WebExtractorOptions } from './options.js';
export type { DownloadProgress } from './download.js';
// Platform-neutral: fits on the extractor's own pipeline (src/calibration/).
export { fitCalibration, type FitCalibrationOptions, type FitCalibrationProgress, type LabelledPair } from '../calibration/fitCalibration.js';
export { calibrationFileSchema, type CalibrationFile } from '../calibration/calibrationFile.js';
export { ZsreError, isZsreError, type ZsreErrorCode, type ZsreErrorOptions } from '../errors.js';
export type { LabelIndexProgress } from '../labels/exactIndex.js';
export type { SkippedPair } from '../pairs/pairEntities.js';
export type {
  Candidate,
  EntityRef,
  ExtractAllInput,
  ExtractAllOptions,
  ExtractBatchOptions,
  ExtractItem,
  ExtractResult,
  Extractor,
  LoadedModelInfo,
  Manifest,
  Precision,
  PredictedRelation,
  Relation,
  RelationExample,
  Span,
  TextItem,
  TokenItem,
  Triple,
} from '../schemas.js';

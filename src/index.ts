// The package's one public entry: re-exports only.
export { createExtractor, extractRelations } from './extractor.js';
export { ZsreError, isZsreError, type ZsreErrorCode, type ZsreErrorOptions } from './errors.js';
export { loadRelations } from './relations/index.js';
export { fitCalibration, type FitCalibrationOptions, type FitCalibrationProgress, type LabelledPair } from './calibration/fitCalibration.js';
export { calibrationFileSchema, type CalibrationFile } from './calibration/calibrationFile.js';
export type { SkippedPair } from './pairs/pairEntities.js';
export type { LabelIndexProgress } from './labels/labelIndex.js';
export type { Stage, StageTimings } from './pipeline/timings.js';
export type {
  Candidate,
  EntityRef,
  ExtractAllInput,
  ExtractAllOptions,
  ExtractBatchOptions,
  ExtractItem,
  ExtractResult,
  Extractor,
  ExtractorOptions,
  LoadedModelInfo,
  Manifest,
  Precision,
  PredictedRelation,
  Relation,
  RelationExample,
  RelationSource,
  Span,
  TextItem,
  TokenItem,
  Triple,
} from './schemas.js';

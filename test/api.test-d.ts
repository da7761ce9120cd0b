import { describe, expectTypeOf, it } from 'vitest';
import {
  type Candidate,
  createExtractor,
  type EntityRef,
  type ExtractItem,
  type ExtractResult,
  type Extractor,
  type ExtractorOptions,
  extractRelations,
  fitCalibration,
  type CalibrationFile,
  type FitCalibrationOptions,
  type LabelledPair,
  isZsreError,
  loadRelations,
  type ExtractAllOptions,
  type Relation,
  type SkippedPair,
  type Span,
  type Triple,
  ZsreError,
  type ZsreErrorCode,
} from '../src/index.js';

describe('public API types (docs/api.md)', () => {
  it('fitCalibration takes an extractor and labelled pairs and resolves to a calibration createExtractor takes', () => {
    expectTypeOf(fitCalibration).parameters.toEqualTypeOf<[Extractor, readonly LabelledPair[], FitCalibrationOptions?]>();
    expectTypeOf(fitCalibration).returns.resolves.toEqualTypeOf<CalibrationFile>();
    expectTypeOf<CalibrationFile>().toMatchTypeOf<NonNullable<ExtractorOptions['calibration']>>();
    expectTypeOf<{ text: string; head: string; tail: string; relation: null }>().toMatchTypeOf<LabelledPair>();
  });

  it('createExtractor takes options and resolves to an Extractor', () => {
    expectTypeOf(createExtractor).parameter(0).toEqualTypeOf<ExtractorOptions>();
    expectTypeOf(createExtractor).returns.resolves.toEqualTypeOf<Extractor>();
    expectTypeOf(extractRelations).parameters.toEqualTypeOf<[ExtractItem[], ExtractorOptions]>();
    expectTypeOf(extractRelations).returns.resolves.toEqualTypeOf<ExtractResult[]>();
    expectTypeOf(loadRelations).returns.resolves.toEqualTypeOf<Relation[]>();
  });

  it('options: relations required, the rest optional with the documented unions', () => {
    expectTypeOf<{ relations: Relation[] }>().toExtend<ExtractorOptions>();
    expectTypeOf<{ relations: string }>().toExtend<ExtractorOptions>();
    expectTypeOf<{ relations: [{ id: string; name: string; headTypes: string[]; tailTypes: string[] }] }>().toExtend<ExtractorOptions>();
    expectTypeOf<{ text: string; head: { text: string; type: string }; tail: { start: number; end: number; type: string } }>().toExtend<ExtractItem>();
    expectTypeOf<{ model: string }>().not.toExtend<ExtractorOptions>();
    expectTypeOf<ExtractorOptions['precision']>().toEqualTypeOf<'int8' | 'fp32' | undefined>();
    expectTypeOf<ExtractorOptions['index']>().toEqualTypeOf<'auto' | 'exact' | 'hnsw' | undefined>();
    expectTypeOf<ExtractorOptions['useCrossEncoder']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<ExtractorOptions['rerank']>().toEqualTypeOf<'adaptive' | 'always' | undefined>();
    expectTypeOf<ExtractorOptions['topK']>().toEqualTypeOf<number | undefined>();
  });

  it('entity references and items', () => {
    expectTypeOf<'Marie Curie'>().toExtend<EntityRef>();
    expectTypeOf<{ text: string; occurrence: number }>().toExtend<EntityRef>();
    expectTypeOf<{ start: number; end: number }>().toExtend<EntityRef>();
    expectTypeOf<{ start: number }>().not.toExtend<EntityRef>();
    expectTypeOf<{ text: string; head: string; tail: { start: number; end: number } }>().toExtend<ExtractItem>();
    expectTypeOf<{ tokens: string[]; head: number[]; tail: number[]; id: string }>().toExtend<ExtractItem>();
    expectTypeOf<{ text: string; head: string }>().not.toExtend<ExtractItem>();
  });

  it('results', () => {
    expectTypeOf<ExtractResult['relation']>().toEqualTypeOf<{ id: string; name: string; probability: number } | null>();
    expectTypeOf<ExtractResult['candidates']>().toEqualTypeOf<Candidate[]>();
    expectTypeOf<Candidate['crossScore']>().toEqualTypeOf<number | null>();
    expectTypeOf<ExtractResult['reranked']>().toEqualTypeOf<boolean>();
    expectTypeOf<ExtractResult['head']>().toEqualTypeOf<Span>();
    expectTypeOf<Span>().toEqualTypeOf<{ start: number; end: number; text: string }>();
    expectTypeOf<Triple['relation']>().toEqualTypeOf<{ id: string; name: string; probability: number }>();
  });

  it('extractor methods', () => {
    expectTypeOf<Extractor['extract']>().parameter(0).toEqualTypeOf<ExtractItem>();
    expectTypeOf<Extractor['extractBatch']>().returns.resolves.toEqualTypeOf<ExtractResult[]>();
    expectTypeOf<Extractor['extractAll']>().parameter(0).toEqualTypeOf<{ text: string; entities: EntityRef[] }>();
    expectTypeOf<Extractor['extractAll']>().returns.resolves.toEqualTypeOf<Triple[]>();
    expectTypeOf<Extractor['extractAll']>().parameter(1).toEqualTypeOf<ExtractAllOptions | undefined>();
    expectTypeOf<NonNullable<ExtractAllOptions['onSkipped']>>().parameter(0).toEqualTypeOf<SkippedPair[]>();
    expectTypeOf<ExtractAllOptions['pairs']>().toEqualTypeOf<'sentence' | 'window' | 'all' | undefined>();
    expectTypeOf<ExtractAllOptions['windowSentences']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<SkippedPair>().toEqualTypeOf<{ head: Span; tail: Span; code: ZsreErrorCode; message: string }>();
    expectTypeOf<Extractor['relations']>().toEqualTypeOf<readonly Relation[]>();
    expectTypeOf<Extractor['model']['precision']>().toEqualTypeOf<'int8' | 'fp32'>();
    expectTypeOf<Extractor['dispose']>().returns.resolves.toBeVoid();
  });

  it('errors', () => {
    expectTypeOf<ZsreError['code']>().toEqualTypeOf<ZsreErrorCode>();
    expectTypeOf<'MODEL_CHECKSUM'>().toExtend<ZsreErrorCode>();
    expectTypeOf<'NOT_A_CODE'>().not.toExtend<ZsreErrorCode>();
    expectTypeOf(isZsreError).guards.toEqualTypeOf<ZsreError>();
  });
});

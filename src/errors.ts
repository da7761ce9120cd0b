/**
 * The library's one error class. Every failure a user can cause or fix carries a stable
 * `code` (for programs), a message that says what to do (for people), the context that
 * explains it, and the underlying `cause` when there is one.
 */
export type ZsreErrorCode =
  | 'INVALID_INPUT' // an item, option or relation fails validation
  | 'EMPTY_TEXT'
  | 'ENTITY_NOT_FOUND'
  | 'EMPTY_ENTITY' // an entity holds only whitespace or invisible characters
  | 'ENTITY_OVERLAP' // head and tail identical or crossing (nested spans are fine)
  | 'SPAN_OUT_OF_RANGE'
  | 'EMPTY_RELATIONS'
  | 'DUPLICATE_RELATION_ID'
  | 'RELATIONS_FILE' // a relations (or examples) file is missing, unreadable or of an unknown kind
  | 'JSONL_PARSE' // a malformed JSONL line (context.line is 1-based)
  | 'JSONL_ENCODING' // a JSONL input line that is not valid UTF-8 (an error record of that line)
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID' // manifest missing, unparsable or failing the schema
  | 'MODEL_CHECKSUM' // a listed file's sha256 differs from the manifest, or the manifest from its own digest
  | 'MODEL_IO_MISMATCH' // ONNX inputs/outputs differ from the manifest
  | 'MODEL_RUNTIME' // onnxruntime failed while running a graph
  | 'INDEX_INVALID' // a persisted label index is unreadable
  | 'NESTED_ENTITY_CUT' // the inner of two nested entities starts past the model's window over the outer one
  | 'OUTPUT_CONFLICT' // an existing output zsre cannot resume: not written by it, or holding an input line twice
  | 'OUTPUT_LOCKED' // another live run is writing the same output
  | 'OUTPUT_WRITE' // the output could not be written (full disk, I/O error)
  | 'ABORTED' // an AbortSignal passed to extractBatch/extractAll fired
  | 'DISPOSED'; // the extractor was used after dispose()

export interface ZsreErrorOptions {
  cause?: unknown;
  context?: Record<string, unknown>;
}

export class ZsreError extends Error {
  // A getter, not a field: the CommonJS build (sucrase) turns a class with field initializers
  // into an anonymous `_class`, which is then what util.inspect and stack traces print.
  override get name(): string {
    return 'ZsreError';
  }
  readonly code: ZsreErrorCode;
  readonly context: Record<string, unknown>;

  constructor(code: ZsreErrorCode, message: string, options: ZsreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
  }
}

export function isZsreError(value: unknown): value is ZsreError {
  return value instanceof ZsreError;
}

/** What an aborted extractBatch/extractAll rejects with; the signal's reason is its cause, as fetch keeps it. */
export function abortError(signal: AbortSignal): ZsreError {
  return new ZsreError('ABORTED', 'The call was aborted through its AbortSignal before it finished; results of finished batches are discarded.', {
    cause: signal.reason,
  });
}

/** Throws the ABORTED error when the signal has fired; checked before each batch. */
export function checkNotAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortError(signal);
}

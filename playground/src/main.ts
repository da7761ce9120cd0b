import * as zsre from '../../src/web/index.js';
import type { DownloadProgress, Extractor, Relation } from '../../src/web/index.js';
import { createMarker } from './marking.js';
import { createRelationsEditor } from './relationsEditor.js';
import { renderResult } from './results.js';

/**
 * The playground: loads the model with a progress bar, preloads the demo relations, runs the
 * marked sentence, and shows every failure (download, integrity, relations, entities) as the
 * library's message. `?model=URL` loads another model folder. The library is also on
 * `window.zsre` and the page's state on `window.playground`, for the console and the browser test.
 */

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`playground: #${id} is missing from index.html`);
  return found as T;
};

const params = new URLSearchParams(location.search);
const modelUrl = params.get('model') ?? './models/zsre-minilm-l6-general/';
const status = element<HTMLLabelElement>('status');
const progress = element<HTMLProgressElement>('progress');
const errorBox = element<HTMLDivElement>('error');
const extractButton = element<HTMLButtonElement>('extract');
const applyButton = element<HTMLButtonElement>('apply-relations');
const results = element<HTMLDivElement>('results');

let extractor: Extractor | null = null;
let loading = false;
let firstAnswerMs: number | null = null;
let readyResolve: () => void = () => undefined;
let readyReject: (error: unknown) => void = () => undefined;
const ready = new Promise<void>((resolve, reject) => {
  readyResolve = resolve;
  readyReject = reject;
});
ready.catch(() => undefined);

const playground = {
  ready,
  extractor: (): Extractor | null => extractor,
  /** ms from navigation start to the first ranking on screen (the bench reads it). */
  firstAnswerMs: (): number | null => firstAnswerMs,
  downloaded: { network: 0, cache: 0 },
};
Object.assign(window, { zsre, playground });

function showError(error: unknown): void {
  const code = zsre.isZsreError(error) ? `${error.code}: ` : '';
  errorBox.textContent = `${code}${error instanceof Error ? error.message : String(error)}`;
  errorBox.hidden = false;
}
function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

// Download progress summed over the model's files (sizes come with each response).
const files = new Map<string, DownloadProgress>();
function onDownload(event: DownloadProgress): void {
  files.set(event.file, event);
  const loaded = [...files.values()].reduce((sum, file) => sum + file.loaded, 0);
  const known = [...files.values()].every((file) => file.total !== null);
  const total = [...files.values()].reduce((sum, file) => sum + (file.total ?? file.loaded), 0);
  const cached = [...files.values()].filter((file) => file.cached).length;
  progress.max = Math.max(total, 1);
  progress.value = loaded;
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
  status.textContent = `Loading the model: ${mb(loaded)}${known ? ` / ${mb(total)}` : ''} MB (${files.size} files${cached > 0 ? `, ${cached} from this browser's cache` : ''})`;
  if (event.done) playground.downloaded[event.cached ? 'cache' : 'network'] += event.loaded;
}

async function load(relations: Relation[]): Promise<void> {
  extractButton.disabled = true;
  applyButton.disabled = true;
  loading = true;
  const previous = extractor;
  extractor = null;
  await previous?.dispose();
  files.clear();
  progress.hidden = false;
  status.textContent = 'Loading the model…';
  const started = performance.now();
  extractor = await zsre.createExtractor({
    model: modelUrl,
    relations,
    wasmPaths: new URL('./ort/', location.href).href,
    onDownload,
    onProgress: (event) => {
      status.textContent = `Encoding relation descriptions: ${event.done} / ${event.total}`;
      progress.max = event.total;
      progress.value = event.done;
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  status.textContent = `Model ${extractor.model.name} ready (${extractor.relations.length} relations, loaded in ${seconds} s).`;
  progress.hidden = true;
  element('runtime').textContent =
    `Model from ${extractor.model.directory} (${extractor.model.precision}); onnxruntime-web WASM, ` +
    `${crossOriginIsolated ? 'cross-origin isolated: multi-threaded' : 'not cross-origin isolated: one thread'}.`;
  extractButton.disabled = false;
  loading = false;
}

async function extract(): Promise<void> {
  clearError();
  if (extractor === null) return;
  const { head, tail } = marker.marks();
  if (head === null || tail === null) {
    showError(new Error(`Mark both entities first: the ${head === null ? 'head' : 'tail'} is not marked (select it in the box and press its button, or click its words).`));
    return;
  }
  const text = box.value;
  extractButton.disabled = true;
  try {
    const started = performance.now();
    const result = await extractor.extract({ text, head: { start: head.start, end: head.end }, tail: { start: tail.start, end: tail.end } });
    // The threshold this answer was held to: a re-ranked answer the fused one, a bi-encoder-only
    // answer (adaptive gate, or a relation with examples among the candidates) the bi-only one.
    const { fusion } = extractor.model.manifest;
    const threshold = result.reranked ? fusion.threshold : fusion.biOnly.threshold;
    renderResult(results, result, threshold, performance.now() - started);
    firstAnswerMs ??= performance.now();
  } catch (error) {
    results.replaceChildren();
    showError(error);
  } finally {
    extractButton.disabled = false;
  }
}

const box = element<HTMLTextAreaElement>('sentence');
const marker = createMarker(box, element('preview'), element('entities'), { head: element('mark-head'), tail: element('mark-tail') });
extractButton.addEventListener('click', () => void extract());

async function start(): Promise<void> {
  const response = await fetch('./demo-relations.json');
  if (!response.ok) throw new Error(`./demo-relations.json could not be fetched (HTTP ${response.status}): rebuild the playground with npm run playground.`);
  const demo = (await response.json()) as Relation[];
  const editor = createRelationsEditor(element('relations'), element('add-relation'), element('relation-count'), demo);
  editor.onEdit(() => {
    applyButton.disabled = loading;
  });
  applyButton.addEventListener('click', () => {
    clearError();
    let relations: Relation[];
    try {
      relations = editor.read();
    } catch (error) {
      showError(error);
      return;
    }
    load(relations).catch((error: unknown) => {
      status.textContent = 'The relations could not be loaded: see the message above.';
      progress.hidden = true;
      showError(error);
      loading = false;
      applyButton.disabled = false;
    });
  });
  marker.markStrings('Marie Curie', 'Pierre Curie');
  await load(editor.read());
  await extract();
}

start().then(
  () => readyResolve(),
  (error: unknown) => {
    status.textContent = 'The model could not be loaded: see the message above.';
    progress.hidden = true;
    showError(error);
    loading = false;
    applyButton.disabled = false;
    readyReject(error);
  },
);

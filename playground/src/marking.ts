import type { Span } from '../../src/web/index.js';

/**
 * Head and tail marking on the sentence: by selecting text in the box and pressing a button, or
 * by clicking words in the preview (first click head, second tail; shift-click extends the last
 * one). Spans are character offsets into the box's text, the form extract() takes.
 */
export interface Marks {
  head: Span | null;
  tail: Span | null;
}

export interface Marker {
  marks(): Marks;
  /** set both marks from strings found in the text (used for the initial sentence and by tests). */
  markStrings(head: string, tail: string): void;
  onChange(listener: () => void): void;
}

export function createMarker(box: HTMLTextAreaElement, preview: HTMLElement, summary: HTMLElement, buttons: { head: HTMLButtonElement; tail: HTMLButtonElement }): Marker {
  let marks: Marks = { head: null, tail: null };
  let lastClicked: 'head' | 'tail' | null = null;
  const listeners: (() => void)[] = [];
  const span = (start: number, end: number): Span => ({ start, end, text: box.value.slice(start, end) });

  const changed = (): void => {
    render();
    for (const listener of listeners) listener();
  };
  const set = (which: 'head' | 'tail', value: Span | null): void => {
    marks = { ...marks, [which]: value };
    lastClicked = which;
    changed();
  };

  const fromSelection = (which: 'head' | 'tail'): void => {
    let start = box.selectionStart;
    let end = box.selectionEnd;
    // Trim spaces a double-click selection drags along, so the span is the entity itself.
    while (start < end && /\s/.test(box.value[start] ?? '')) start += 1;
    while (end > start && /\s/.test(box.value[end - 1] ?? '')) end -= 1;
    if (start === end) {
      summary.textContent = `Select the ${which} entity in the sentence box first, then press the button (or click words below).`;
      return;
    }
    set(which, span(start, end));
  };
  buttons.head.addEventListener('click', () => fromSelection('head'));
  buttons.tail.addEventListener('click', () => fromSelection('tail'));

  const clickWord = (start: number, end: number, extend: boolean): void => {
    if (extend && lastClicked !== null && marks[lastClicked] !== null) {
      const current = marks[lastClicked] as Span;
      set(lastClicked, span(Math.min(current.start, start), Math.max(current.end, end)));
      return;
    }
    const which = marks.head === null || (marks.tail !== null && lastClicked === 'tail') ? 'head' : 'tail';
    if (which === 'head') marks = { head: null, tail: null };
    set(which, span(start, end));
  };

  // Editing the text invalidates offsets: marks whose text moved are dropped.
  box.addEventListener('input', () => {
    const keep = (mark: Span | null): Span | null => (mark !== null && box.value.slice(mark.start, mark.end) === mark.text ? mark : null);
    marks = { head: keep(marks.head), tail: keep(marks.tail) };
    changed();
  });

  function render(): void {
    preview.replaceChildren();
    const text = box.value;
    const words = [...text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)];
    let at = 0;
    for (const match of words) {
      const start = match.index;
      const end = start + match[0].length;
      if (start > at) preview.append(text.slice(at, start));
      const element = document.createElement('span');
      element.className = 'word';
      element.textContent = match[0];
      const inside = (mark: Span | null): boolean => mark !== null && start >= mark.start && end <= mark.end;
      if (inside(marks.head)) element.classList.add('head');
      if (inside(marks.tail)) element.classList.add('tail');
      element.addEventListener('click', (event) => clickWord(start, end, event.shiftKey));
      preview.append(element);
      at = end;
    }
    if (at < text.length) preview.append(text.slice(at));
    const show = (mark: Span | null): string => (mark === null ? '(not marked)' : `"${mark.text}" [${mark.start}, ${mark.end})`);
    summary.textContent = `head: ${show(marks.head)}   tail: ${show(marks.tail)}`;
  }

  render();
  return {
    marks: () => marks,
    markStrings(head, tail) {
      const text = box.value;
      const find = (value: string): Span | null => {
        const start = text.indexOf(value);
        return start < 0 ? null : span(start, start + value.length);
      };
      marks = { head: find(head), tail: find(tail) };
      lastClicked = 'tail';
      changed();
    },
    onChange: (listener) => listeners.push(listener),
  };
}

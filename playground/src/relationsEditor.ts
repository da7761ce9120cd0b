import type { Relation, RelationExample } from '../../src/web/index.js';

/**
 * The relation editor: one card per relation (id, name, description, example sentences as
 * "sentence | head | tail" lines), add and remove. read() turns the cards into the relations
 * array createExtractor takes; the library validates it, so its errors name the bad field.
 */
export interface RelationsEditor {
  read(): Relation[];
  onEdit(listener: () => void): void;
}

export function createRelationsEditor(container: HTMLElement, addButton: HTMLButtonElement, count: HTMLElement, initial: readonly Relation[]): RelationsEditor {
  const listeners: (() => void)[] = [];
  const edited = (): void => {
    count.textContent = `(${container.children.length})`;
    for (const listener of listeners) listener();
  };

  const card = (relation: Relation): HTMLElement => {
    const element = document.createElement('div');
    element.className = 'relation';
    const row = document.createElement('div');
    row.className = 'row';
    const id = input('id', relation.id, 'id');
    const name = input('name', relation.name, 'name');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = 'Remove';
    remove.title = `Remove relation ${relation.id}`;
    remove.addEventListener('click', () => {
      element.remove();
      edited();
    });
    row.append(id, name, remove);
    const description = area('description', relation.description ?? '', 'description (one sentence)', 2);
    const examples = area('examples', (relation.examples ?? []).map(exampleLine).join('\n'), 'examples: sentence | head | tail (one per line)', relation.examples?.length ? 3 : 1);
    element.append(row, description, examples);
    element.addEventListener('input', edited);
    return element;
  };

  for (const relation of initial) container.append(card(relation));
  addButton.addEventListener('click', () => {
    const fresh = card({ id: `R${container.children.length + 1}`, name: '' });
    container.append(fresh);
    fresh.querySelector<HTMLInputElement>('input.name')?.focus();
    edited();
  });
  count.textContent = `(${container.children.length})`;

  return {
    read() {
      return [...container.querySelectorAll<HTMLElement>('.relation')].map((element, index): Relation => {
        const value = (field: string): string => element.querySelector<HTMLInputElement | HTMLTextAreaElement>(`.${field}`)?.value.trim() ?? '';
        const relation: Relation = { id: value('id'), name: value('name') };
        const description = value('description');
        if (description !== '') relation.description = description;
        const lines = value('examples').split('\n').map((line) => line.trim()).filter((line) => line !== '');
        if (lines.length > 0) relation.examples = lines.map((line, position) => parseExample(line, `relation ${index + 1} ("${relation.id}"), example line ${position + 1}`));
        return relation;
      });
    },
    onEdit: (listener) => listeners.push(listener),
  };
}

function exampleLine(example: RelationExample): string {
  if ('text' in example) return `${example.text} | ${entityText(example.head)} | ${entityText(example.tail)}`;
  return `${example.tokens.join(' ')} | ${example.head.map((index) => example.tokens[index]).join(' ')} | ${example.tail.map((index) => example.tokens[index]).join(' ')}`;
}

function entityText(entity: unknown): string {
  if (typeof entity === 'string') return entity;
  if (typeof entity === 'object' && entity !== null && 'text' in entity) return String((entity as { text: unknown }).text);
  return JSON.stringify(entity);
}

function parseExample(line: string, where: string): RelationExample {
  const parts = line.split('|').map((part) => part.trim());
  if (parts.length !== 3 || parts.some((part) => part === '')) {
    throw new Error(`${where}: expected "sentence | head | tail" (three parts separated by |), got "${line}".`);
  }
  const [text, head, tail] = parts as [string, string, string];
  return { text, head, tail };
}

function input(className: string, value: string, placeholder: string): HTMLInputElement {
  const element = document.createElement('input');
  element.className = className;
  element.value = value;
  element.placeholder = placeholder;
  element.setAttribute('aria-label', placeholder);
  return element;
}

function area(className: string, value: string, placeholder: string, rows: number): HTMLTextAreaElement {
  const element = document.createElement('textarea');
  element.className = className;
  element.value = value;
  element.placeholder = placeholder;
  element.rows = rows;
  element.setAttribute('aria-label', placeholder);
  return element;
}

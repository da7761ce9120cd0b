import type { ExtractResult } from '../../src/web/index.js';

/** The ranking: every candidate with its probability as a bar, the threshold, and the verdict. */
export function renderResult(container: HTMLElement, result: ExtractResult, threshold: number, millis: number): void {
  container.replaceChildren();
  const verdict = document.createElement('p');
  verdict.id = 'verdict';
  verdict.innerHTML =
    result.relation === null
      ? `<strong>No relation</strong>: the best candidate is below the threshold ${threshold.toFixed(2)}.`
      : `<strong>${escape(result.relation.name)}</strong> (${escape(result.relation.id)}), probability ${result.relation.probability.toFixed(3)}.`;
  const note = document.createElement('p');
  note.className = 'hint';
  note.textContent =
    `"No relation" threshold: ${threshold.toFixed(3)} (a top candidate below it is not reported). ` +
    `${result.reranked ? 'Re-ranked by the cross-encoder (fused threshold).' : 'Bi-encoder only, held to the bi-only threshold (the adaptive gate found it sure enough, or a relation taught by examples is among the candidates).'} ${millis.toFixed(0)} ms.`;
  const table = document.createElement('table');
  table.id = 'ranking';
  table.innerHTML = '<thead><tr><th>#</th><th>relation</th><th>probability</th><th class="bar"></th></tr></thead>';
  const body = document.createElement('tbody');
  result.candidates.forEach((candidate, rank) => {
    const row = document.createElement('tr');
    const below = candidate.probability < threshold ? ' below' : '';
    row.innerHTML =
      `<td>${rank + 1}</td><td>${escape(candidate.name)} <span class="hint">${escape(candidate.id)}</span></td>` +
      `<td class="probability">${candidate.probability.toFixed(4)}</td>` +
      `<td class="bar"><div class="${below.trim()}" style="width:${(candidate.probability * 100).toFixed(1)}%"></div></td>`;
    body.append(row);
  });
  table.append(body);
  container.append(verdict, note, table);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A dependency-free SVG scatter plot: F1 (y) against sentences per second (x, log scale). */
export interface ChartPoint { label: string; m: number; f1: number; speed: number }

const colours: Record<number, string> = { 5: '#1b9e77', 10: '#d95f02', 15: '#7570b3' };

export function renderChart(points: readonly ChartPoint[], title = 'FewRel zero-shot: F1 against throughput (int8, 2 threads)'): string {
  const width = 640, height = 400, left = 60, right = 20, top = 30, bottom = 50;
  const speeds = points.map((p) => Math.log10(Math.max(p.speed, 0.01)));
  const xMin = Math.floor(Math.min(...speeds)), xMax = Math.ceil(Math.max(...speeds)) || xMin + 1;
  const f1s = points.map((p) => p.f1 * 100);
  const yMin = Math.max(0, Math.floor(Math.min(...f1s) / 10) * 10), yMax = Math.min(100, Math.ceil(Math.max(...f1s) / 10) * 10) || 100;
  const x = (s: number) => left + ((Math.log10(Math.max(s, 0.01)) - xMin) / Math.max(xMax - xMin, 1e-9)) * (width - left - right);
  const y = (f: number) => top + (1 - (f * 100 - yMin) / Math.max(yMax - yMin, 1e-9)) * (height - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${title}</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
    `<text x="${width / 2}" y="${height - 12}" text-anchor="middle">sentences per second (log scale)</text>`,
    `<text x="16" y="${height / 2}" transform="rotate(-90 16 ${height / 2})" text-anchor="middle">F1 (%)</text>`,
  ];
  for (let e = xMin; e <= xMax; e++) parts.push(`<text x="${x(10 ** e)}" y="${height - bottom + 15}" text-anchor="middle">${10 ** e}</text>`);
  for (let f = yMin; f <= yMax; f += 10) parts.push(`<text x="${left - 6}" y="${y(f / 100) + 4}" text-anchor="end">${f}</text>`);
  for (const p of points) {
    const colour = colours[p.m] ?? 'black';
    parts.push(`<circle cx="${x(p.speed).toFixed(1)}" cy="${y(p.f1).toFixed(1)}" r="4" fill="${colour}"/>`);
    parts.push(`<text x="${(x(p.speed) + 6).toFixed(1)}" y="${(y(p.f1) - 4).toFixed(1)}" fill="${colour}">${p.label}</text>`);
  }
  Object.entries(colours).forEach(([m, colour], i) => parts.push(`<text x="${width - right - 60}" y="${top + 14 * (i + 1)}" fill="${colour}">● m=${m}</text>`));
  parts.push('</svg>');
  return parts.join('\n');
}

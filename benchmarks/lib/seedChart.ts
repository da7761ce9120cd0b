/**
 * A dependency-free SVG of the FewRel table: per m, each method's mean F1 over the seeds as a dot
 * with a bar of ± one standard deviation, and the EMMA target as a dashed line across the group.
 */
export interface SeedChartPoint {
  m: number;
  method: string;
  /** fractions */
  mean: number;
  std?: number;
}

const methodColours: Record<string, string> = { bi: '#666666', emma2: '#1b9e77', emma3: '#d95f02', emma4: '#7570b3', fullcross: '#e7298a' };

export function renderSeedChart(points: readonly SeedChartPoint[], targets: Readonly<Record<number, number>>, title: string): string {
  const width = 640, height = 400, left = 60, right = 110, top = 30, bottom = 50;
  const sizes = [...new Set(points.map((p) => p.m))].sort((a, b) => a - b);
  const methods = Object.keys(methodColours).filter((method) => points.some((p) => p.method === method));
  const groupWidth = (width - left - right) / Math.max(sizes.length, 1);
  const y = (fraction: number) => top + (1 - fraction) * (height - top - bottom);
  const x = (m: number, method: string) => {
    const slot = (methods.indexOf(method) + 1) / (methods.length + 1);
    return left + sizes.indexOf(m) * groupWidth + slot * groupWidth;
  };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${(width - right + left) / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
    `<text x="16" y="${height / 2}" transform="rotate(-90 16 ${height / 2})" text-anchor="middle">F1 (%), mean ± std over seeds</text>`,
  ];
  for (let f = 0; f <= 100; f += 20) {
    parts.push(`<text x="${left - 6}" y="${(y(f / 100) + 4).toFixed(1)}" text-anchor="end">${f}</text>`);
    parts.push(`<line x1="${left}" y1="${y(f / 100).toFixed(1)}" x2="${width - right}" y2="${y(f / 100).toFixed(1)}" stroke="#eeeeee"/>`);
  }
  sizes.forEach((m, i) => {
    const x0 = left + i * groupWidth;
    parts.push(`<text x="${(x0 + groupWidth / 2).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle">m = ${m}</text>`);
    const target = targets[m];
    if (target !== undefined) {
      parts.push(`<line x1="${(x0 + 4).toFixed(1)}" y1="${y(target).toFixed(1)}" x2="${(x0 + groupWidth - 4).toFixed(1)}" y2="${y(target).toFixed(1)}" stroke="black" stroke-dasharray="4 3"/>`);
      parts.push(`<text x="${(x0 + groupWidth - 4).toFixed(1)}" y="${(y(target) - 4).toFixed(1)}" text-anchor="end">target ${Math.round(target * 100)}</text>`);
    }
  });
  for (const p of points) {
    const colour = methodColours[p.method] ?? 'black';
    const cx = x(p.m, p.method).toFixed(1);
    if (p.std !== undefined && p.std > 0) {
      parts.push(`<line x1="${cx}" y1="${y(Math.min(1, p.mean + p.std)).toFixed(1)}" x2="${cx}" y2="${y(Math.max(0, p.mean - p.std)).toFixed(1)}" stroke="${colour}"/>`);
    }
    parts.push(`<circle cx="${cx}" cy="${y(p.mean).toFixed(1)}" r="4" fill="${colour}"/>`);
  }
  methods.forEach((method, i) => parts.push(`<text x="${width - right + 10}" y="${top + 14 * (i + 1)}" fill="${methodColours[method]}">● ${method}</text>`));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

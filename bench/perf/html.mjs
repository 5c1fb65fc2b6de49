// @ts-check
/**
 * The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external assets)
 * with a bar chart of the throughputs, line charts of the scaling curves and the tables.
 */

/** @param {unknown} s */
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const COLORS = { logveil: '#2563eb', cli: '#1e40af', floor: '#6b7280', baseline: '#d97706', competitor: '#dc2626', variant: '#059669' };
const PALETTE = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed'];

/**
 * Axis ticks from 0 past `max` in steps of 1, 2, 2.5 or 5 times a power of ten, about `count` of them.
 * @param {number} max @param {number} count @returns {number[]}
 */
function ticks(max, count) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * p >= raw) ?? 10) * p;
  const out = [];
  for (let v = 0; v < max + step - 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/**
 * Horizontal bars, one per item, coloured by group.
 * @param {Array<{ label: string, value: number, group: string, note?: string }>} items
 * @param {{ title: string, unit: string }} o
 */
export function barChart(items, o) {
  const rowH = 26;
  const left = 330;
  const width = 900;
  const plotW = width - left - 90;
  const height = 40 + items.length * rowH + 44;
  const axis = ticks(Math.max(...items.map((i) => i.value), 0), 5);
  const max = /** @type {number} */ (axis[axis.length - 1]);
  const x = (/** @type {number} */ v) => left + (v / max) * plotW;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(o.title)}">`;
  svg += `<text x="${width / 2}" y="20" text-anchor="middle" class="t">${esc(o.title)}</text>`;
  for (const v of axis) {
    svg += `<line x1="${x(v)}" y1="32" x2="${x(v)}" y2="${height - 40}" class="grid"/><text x="${x(v)}" y="${height - 26}" text-anchor="middle" class="a">${esc(v)}</text>`;
  }
  items.forEach((item, i) => {
    const y = 36 + i * rowH;
    const color = COLORS[/** @type {keyof typeof COLORS} */ (item.group)] ?? '#374151';
    svg += `<text x="${left - 8}" y="${y + 15}" text-anchor="end" class="l">${esc(item.label)}</text>`;
    svg += `<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(item.value) - left)}" height="${rowH - 8}" fill="${color}"><title>${esc(`${item.label}: ${item.value.toFixed(2)} ${o.unit}${item.note ? ` (${item.note})` : ''}`)}</title></rect>`;
    svg += `<text x="${x(item.value) + 5}" y="${y + 15}" class="v">${esc(item.value.toFixed(1))}${item.note ? ' *' : ''}</text>`;
  });
  return svg + `<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="a">${esc(o.unit)}</text></svg>`;
}

/**
 * Lines over x, each series a colour; `logX` for sizes spanning decades.
 * @param {Array<{ name: string, points: Array<{ x: number, y: number }> }>} series
 * @param {{ title: string, xLabel: string, yLabel: string, logX?: boolean, yMin0?: boolean }} o
 */
export function lineChart(series, o) {
  const width = 440;
  const height = 300;
  const m = { l: 56, r: 16, t: series.length > 1 ? 46 : 30, b: 46 };
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return `<p>${esc(o.title)}: no data</p>`;
  const xs = pts.map((p) => (o.logX ? Math.log10(p.x) : p.x));
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  const yAxis = ticks(Math.max(...pts.map((p) => p.y)), 4);
  const yMax = /** @type {number} */ (yAxis[yAxis.length - 1]);
  const px = (/** @type {number} */ v) => m.l + (((o.logX ? Math.log10(v) : v) - x0) / (x1 - x0)) * (width - m.l - m.r);
  const py = (/** @type {number} */ v) => height - m.b - (v / yMax) * (height - m.t - m.b);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(o.title)}">`;
  svg += `<text x="${width / 2}" y="18" text-anchor="middle" class="t">${esc(o.title)}</text>`;
  for (const v of yAxis) {
    svg += `<line x1="${m.l}" y1="${py(v)}" x2="${width - m.r}" y2="${py(v)}" class="grid"/><text x="${m.l - 6}" y="${py(v) + 4}" text-anchor="end" class="a">${esc(v)}</text>`;
  }
  // Few distinct x values (curve points) are labelled as they are; a dense series gets even ticks.
  const distinct = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b);
  const xTicks = distinct.length <= 12 || o.logX ? distinct : ticks(Math.max(...distinct), 6).filter((t) => t <= Math.max(...distinct));
  const step = Math.max(1, Math.ceil(xTicks.length / 10));
  xTicks.forEach((t, i) => {
    if (i % step === 0 || i === xTicks.length - 1) svg += `<text x="${px(t)}" y="${height - m.b + 16}" text-anchor="middle" class="a">${esc(t >= 1000 && Number.isInteger(t) && o.logX ? `${t / 1000}k` : +t.toFixed(2))}</text>`;
  });
  svg += `<text x="${(m.l + width - m.r) / 2}" y="${height - 8}" text-anchor="middle" class="a">${esc(o.xLabel)}</text>`;
  svg += `<text transform="translate(14 ${(m.t + height - m.b) / 2}) rotate(-90)" text-anchor="middle" class="a">${esc(o.yLabel)}</text>`;
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    svg += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`;
    if (sorted.length <= 40) for (const p of sorted) svg += `<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3.5" fill="${color}"><title>${esc(`${s.name}: x=${p.x}, ${p.y.toFixed(2)}`)}</title></circle>`;
    // Legend: one row under the title, clear of the plot.
    if (series.length > 1) svg += `<rect x="${m.l + i * 150}" y="27" width="10" height="10" fill="${color}"/><text x="${m.l + 14 + i * 150}" y="36" class="l">${esc(s.name)}</text>`;
  });
  return svg + '</svg>';
}

/** @param {string[][]} rows first row is the header @param {boolean[]} [numeric] right-aligned columns */
export function htmlTable(rows, numeric = []) {
  const [head = [], ...body] = rows;
  const cell = (/** @type {string} */ tag, /** @type {string} */ v, /** @type {number} */ c) => `<${tag}${numeric[c] ? ' class="n"' : ''}>${esc(v)}</${tag}>`;
  return `<table><thead><tr>${head.map((h, c) => cell('th', h, c)).join('')}</tr></thead><tbody>${body
    .map((r) => `<tr>${r.map((v, c) => cell('td', v, c)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/**
 * @param {{ title: string, intro: string, sections: Array<{ heading: string, html: string }> }} page
 */
export function htmlPage(page) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(page.title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#111827;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#047857;font-weight:600}.fail{color:#b91c1c;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:12px}svg{background:#fff;border:1px solid #e5e7eb}
svg .t{font-size:14px;font-weight:600}svg .a{font-size:11px;fill:#4b5563}svg .l{font-size:12px}svg .v{font-size:11px;fill:#111827}svg .grid{stroke:#e5e7eb}
code{background:#f3f4f6;padding:0 3px}p.note{color:#4b5563;font-size:13px}
</style></head><body>
<h1>${esc(page.title)}</h1>
<p>${page.intro}</p>
${page.sections.map((s) => `<h2>${esc(s.heading)}</h2>\n${s.html}`).join('\n')}
</body></html>
`;
}

// `npm run bench:chart`: draws docs/bench-parse.svg from docs/bench-parse.json: parse
// throughput (MB/s) by FAILED share, one panel per chunk size, one line per tool (ours,
// each peer, the readline floor), each point its median with the range of the runs as a
// whisker. Plain SVG text, no dependency; `npm run bench` draws it at its end too.
//   tsx bench/chart.ts [FIGURES.json [OUT.svg]]

import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARSE_JSON_PATH, PARSE_SVG_PATH } from './config';
import type { ParseFigures, ParseRow } from './figures';
import type { ParseTool } from './results';

const PANEL_WIDTH = 380;
const PANEL_HEIGHT = 320;
const MARGIN = { top: 90, right: 20, bottom: 56, left: 64 };
const LEGEND_WIDTH = 240;
/** Room for the two subtitle lines even with one panel. */
const MIN_WIDTH = 720;

/** Colour-blind-safe (Okabe-Ito) colours, ours the strongest; readline dashed: a floor, not a peer. */
const STYLE: Record<ParseTool, { colour: string; width: number; dash?: string; label: string }> = {
  ours: { colour: '#000000', width: 3, label: 'ours (node dist/cli.cjs parse)' },
  'ours-ca-bundle': { colour: '#999999', width: 1.5, label: 'ours with NODE_EXTRA_CA_CERTS' },
  'lognormalizer-structured': { colour: '#E69F00', width: 2, label: 'lognormalizer, structured' },
  'lognormalizer-split': { colour: '#D55E00', width: 2, label: 'lognormalizer, split' },
  miller: { colour: '#0072B2', width: 2, label: 'Miller (mlr --itsv … cat)' },
  jq: { colour: '#009E73', width: 2, label: 'jq (split on TAB)' },
  readline: { colour: '#CC79A7', width: 2, dash: '6 4', label: 'Node readline count (floor)' },
  sink: { colour: '#56B4E9', width: 1.5, dash: '2 3', label: "sink floor (cat of ours' output)" },
};

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => String(Number(v.toFixed(1)));

/** Ticks from 0 to at least `max`, 1, 2 or 5 times a power of ten apart, about five of them. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2 && ticks.length < 12; v += step) ticks.push(Number(v.toPrecision(12)));
  if ((ticks[ticks.length - 1] ?? 0) < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** The tools drawn: every tool with a TAB-layout point; ours with the CA bundle is a single point, left to the tables. */
function drawnTools(f: ParseFigures, rows: ParseRow[]): ParseTool[] {
  return f.tools.filter((t) => t !== 'ours-ca-bundle' && rows.some((r) => r.tool === t));
}

export function renderChart(f: ParseFigures): string {
  // The chart is about the FAILED share: the TAB-layout chunks only (the other rows are one share each).
  const rows = f.rows.filter((r) => r.kind === 'tab');
  const sizes = f.sizes.filter((s) => rows.some((r) => r.size === s));
  const shares = f.failedShares;
  const tools = drawnTools(f, rows);
  const ticks = niceTicks(Math.max(0, ...rows.map((r) => r.mbPerSec.max)));
  const yMax = ticks[ticks.length - 1] ?? 1;
  const plotW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const width = Math.max(MIN_WIDTH, Math.max(1, sizes.length) * PANEL_WIDTH + LEGEND_WIDTH);
  const height = PANEL_HEIGHT + 20;
  // Shares are categories (0, 2, 6, 30 would crowd on a linear axis), evenly spaced.
  const x = (share: number): number => {
    const i = shares.indexOf(share);
    return shares.length <= 1 ? plotW / 2 : (plotW * (i + 0.5)) / shares.length;
  };
  const y = (mbPerSec: number): number => plotH - (plotH * mbPerSec) / yMax;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="16" y="24" font-size="16" font-weight="bold">Parse throughput by FAILED share (MB/s, higher is better)</text>`);
  // A smoke run's figures are start-up on a tiny chunk: say so where nobody can miss it.
  if (f.smoke) out.push(`<text x="${width - 16}" y="24" font-size="14" font-weight="bold" fill="#D55E00" text-anchor="end">SMOKE RUN (2MB): not figures to quote</text>`);
  // Which run (a smoke run says so in its command) and on what; then how to read the points.
  out.push(`<text x="16" y="44" fill="#444444">${escapeXml(`${f.generatedBy}, ${f.startedAt.slice(0, 10)}; ${f.machine.nproc} CPUs, ${f.machine.cpu}, Node ${f.machine.node}`)}</text>`);
  out.push(`<text x="16" y="60" fill="#444444">Point: median of the runs; whisker: slowest to fastest run; start-up included.</text>`);
  sizes.forEach((size, p) => {
    out.push(`<g class="panel" data-size="${escapeXml(size)}" transform="translate(${p * PANEL_WIDTH + MARGIN.left},${MARGIN.top})">`);
    out.push(`<text x="${plotW / 2}" y="-8" text-anchor="middle" font-weight="bold">${escapeXml(size)} chunk</text>`);
    for (const t of ticks) {
      out.push(`<line x1="0" x2="${plotW}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#e0e0e0"/>`);
      out.push(`<text x="-6" y="${fmt(y(t) + 4)}" text-anchor="end">${t}</text>`);
    }
    out.push(`<line x1="0" x2="0" y1="0" y2="${plotH}" stroke="#000000"/><line x1="0" x2="${plotW}" y1="${plotH}" y2="${plotH}" stroke="#000000"/>`);
    for (const s of shares) out.push(`<text x="${fmt(x(s))}" y="${plotH + 18}" text-anchor="middle">${s}%</text>`);
    out.push(`<text x="${plotW / 2}" y="${plotH + 40}" text-anchor="middle">FAILED share of the lines</text>`);
    out.push(`<text transform="translate(-46,${plotH / 2}) rotate(-90)" text-anchor="middle">MB/s (10^6 bytes per second)</text>`);
    for (const tool of tools) {
      const style = STYLE[tool];
      const points = shares.flatMap((s) => rows.filter((r) => r.size === size && r.tool === tool && r.failedShare === s));
      out.push(`<g class="series" data-tool="${tool}" stroke="${style.colour}" fill="${style.colour}">`);
      if (points.length > 1) {
        const path = points.map((r) => `${fmt(x(r.failedShare))},${fmt(y(r.mbPerSec.median))}`).join(' ');
        out.push(`<polyline points="${path}" fill="none" stroke-width="${style.width}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`);
      }
      for (const r of points) {
        const cx = fmt(x(r.failedShare));
        out.push(`<line x1="${cx}" x2="${cx}" y1="${fmt(y(r.mbPerSec.min))}" y2="${fmt(y(r.mbPerSec.max))}" stroke-width="1"/>`);
        out.push(
          `<circle cx="${cx}" cy="${fmt(y(r.mbPerSec.median))}" r="3.5"><title>${escapeXml(`${tool}, ${r.chunk}: ${r.mbPerSec.median} MB/s (${r.mbPerSec.min}–${r.mbPerSec.max})`)}</title></circle>`,
        );
      }
      out.push('</g>');
    }
    out.push('</g>');
  });
  const lx = sizes.length * PANEL_WIDTH + 10;
  out.push(`<g class="legend" transform="translate(${lx},${MARGIN.top})">`);
  tools.forEach((tool, i) => {
    const style = STYLE[tool];
    const ly = i * 22;
    out.push(`<line x1="0" x2="28" y1="${ly}" y2="${ly}" stroke="${style.colour}" stroke-width="${style.width}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`);
    out.push(`<text x="36" y="${ly + 4}">${escapeXml(style.label)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [input = PARSE_JSON_PATH, output = PARSE_SVG_PATH] = process.argv.slice(2);
  const figures = JSON.parse(await readFile(input, 'utf8')) as ParseFigures;
  await writeFile(output, renderChart(figures));
  process.stdout.write(`wrote ${output} from ${input}\n`);
}
